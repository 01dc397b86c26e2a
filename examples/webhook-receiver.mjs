#!/usr/bin/env node
// A minimal Gridlink webhook receiver that verifies signatures and de-duplicates.
//   WEBHOOK_SECRET=whsec_... PORT=9000 node examples/webhook-receiver.mjs
import crypto from 'node:crypto';
import http from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
const seen = new Set();

function verify(rawBody, timestamp, signature, toleranceSeconds = 300) {
  const ts = Number(timestamp);
  if (!signature || !Number.isInteger(ts)) return false;
  if (Math.abs(Date.now() / 1000 - ts) > toleranceSeconds) return false; // replay protection
  const expected = 'v1=' + crypto.createHmac('sha256', secret).update(`${ts}.${rawBody}`).digest('hex');
  return expected.length === signature.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!verify(body, req.headers['x-gridlink-timestamp'], req.headers['x-gridlink-signature'])) {
        res.writeHead(401).end();
        return;
      }
      const event = JSON.parse(body);
      if (!seen.has(event.eventId)) {
        seen.add(event.eventId);
        console.log(`#${event.sequence} ${event.eventType}`, JSON.stringify(event.event).slice(0, 200));
      }
      res.writeHead(204).end(); // any 2xx acknowledges; anything else is retried
    });
  })
  .listen(Number(process.env.PORT ?? 9000), () => console.log('listening'));
