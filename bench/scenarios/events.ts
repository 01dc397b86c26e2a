import http from 'node:http';
import WebSocket from 'ws';
import { expectApi } from '../lib/api.js';
import type { Ctx } from '../lib/context.js';
import { round, Samples, summarize } from '../lib/stats.js';
import { createBody } from './tickets.js';

/**
 * End-to-end event latency, commit to receipt. The clock starts at the event's
 * `eventTime`, which the service stamps inside the transaction just before its inserts, so
 * the figure is an upper bound of commit -> receipt (it also holds the rest of the
 * transaction, typically 1-3 ms). Receipt is taken when the frame arrives, before parsing.
 *
 * Socket.IO clients are minimal engine.io v4 / socket.io v5 WebSocket clients (`ws`), so
 * that 1,000 of them in the benchmark process cost little and do not skew the clock: a
 * full socket.io-client parses every packet before the application sees it.
 */
const now = () => performance.timeOrigin + performance.now();

interface Receiver {
  received: number;
  close(): void;
}

function connectClient(ctx: Ctx, key: string, onEvent: (arrival: number, frame: string) => void): Promise<Receiver> {
  const url = `${ctx.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const r: Receiver = { received: 0, close: () => ws.terminate() };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('socket connect timeout'));
    }, 30_000);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const arrival = now();
      if (isBinary) return;
      const frame = data.toString();
      if (frame === '2') return ws.send('3'); // engine.io ping -> pong
      if (frame.startsWith('0')) return ws.send(`40${JSON.stringify({ token: key, eventTypes: ['TroubleTicketCreateEvent'] })}`);
      if (frame.startsWith('44')) {
        clearTimeout(timer);
        ws.terminate();
        return reject(new Error(`socket refused: ${frame.slice(2)}`));
      }
      if (frame.startsWith('42["ready"')) {
        clearTimeout(timer);
        return resolve(r);
      }
      if (frame.startsWith('42["event"')) {
        r.received++;
        onEvent(arrival, frame);
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const eventTimeOf = (frame: string): number => {
  const at = frame.indexOf('"eventTime":"');
  return at < 0 ? NaN : Date.parse(frame.slice(at + 13, at + 37));
};

/** Files `n` tickets at the given pace (one at a time), returning when the last is answered. */
async function emitTickets(ctx: Ctx, n: number, perSecond: number): Promise<void> {
  const body = createBody(ctx.mno1.id);
  const interval = 1000 / perSecond;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await expectApi(201, ctx.url, 'POST', '/tmf-api/troubleTicket/v5/troubleTicket', { token: ctx.dso1.apiKey, body });
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

export async function socketLatency(ctx: Ctx, clients: number): Promise<void> {
  const latencies = new Samples();
  const receivers: Receiver[] = [];
  const t0 = performance.now();
  try {
    // Connect in waves of 50 handshakes (each is an authenticated, audited request).
    for (let i = 0; i < clients; i += 50) {
      const wave = Math.min(50, clients - i);
      receivers.push(
        ...(await Promise.all(
          Array.from({ length: wave }, () => connectClient(ctx, ctx.mno1.apiKey, (at, f) => latencies.push(at - eventTimeOf(f)))),
        )),
      );
    }
    const connectS = (performance.now() - t0) / 1000;
    const n = ctx.mode.events;
    await emitTickets(ctx, n, ctx.mode.eventsPerSecond);
    const complete = await waitFor(() => receivers.every((r) => r.received >= n), 10_000);
    const s = summarize(latencies.values());
    const expected = n * clients;
    ctx.add({
      id: `events.socket.${clients}`,
      group: 'events',
      scenario: `event latency to Socket.IO, ${clients} client${clients === 1 ? '' : 's'}`,
      concurrency: clients,
      p50: round(s.p50),
      p90: round(s.p90),
      p99: round(s.p99),
      max: round(s.max),
      samples: s.count,
      errors: expected - s.count,
      note: `${n} events at ${ctx.mode.eventsPerSecond}/s; ${complete ? 'all delivered' : `${expected - s.count} not delivered`}; connect ${round(connectS, 1)} s`,
      ...(clients >= 1000 ? { target: { text: 'p99 <= 50 ms', met: s.p99 <= 50 } } : {}),
    });
  } finally {
    for (const r of receivers) r.close();
  }
}

export async function webhookLatency(ctx: Ctx): Promise<void> {
  const latencies = new Samples();
  let received = 0;
  const server = http.createServer((req, res) => {
    const arrival = now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(204).end();
      const body = Buffer.concat(chunks).toString();
      if (!body.includes('"TroubleTicketCreateEvent"')) return;
      received++;
      latencies.push(arrival - eventTimeOf(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const hub = await expectApi<{ id: string }>(201, ctx.url, 'POST', '/tmf-api/troubleTicket/v5/hub', {
    token: ctx.mno1.apiKey,
    body: { callback: `http://127.0.0.1:${port}/gridlink`, query: 'eventType=TroubleTicketCreateEvent' },
  });
  try {
    const n = ctx.mode.events;
    await emitTickets(ctx, n, ctx.mode.eventsPerSecond);
    const complete = await waitFor(() => received >= n, 15_000);
    const s = summarize(latencies.values());
    ctx.add({
      id: 'events.webhook',
      group: 'events',
      scenario: 'event latency to a webhook receiver',
      concurrency: 1,
      p50: round(s.p50),
      p90: round(s.p90),
      p99: round(s.p99),
      max: round(s.max),
      samples: s.count,
      errors: n - s.count,
      note: `${n} events at ${ctx.mode.eventsPerSecond}/s; ${complete ? 'all delivered' : `${n - received} not delivered`}`,
      target: { text: 'p99 <= 200 ms', met: s.p99 <= 200 },
    });
  } finally {
    await expectApi(204, ctx.url, 'DELETE', `/tmf-api/troubleTicket/v5/hub/${hub.body.id}`, { token: ctx.mno1.apiKey }).catch(
      () => undefined,
    );
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * Issue 12: webhook throughput of one subscription to one fast local receiver (events/s).
 * A backlog of `webhookBacklog` create events builds up while the receiver answers 503 (the
 * head of the queue waits for its backoff), then the receiver accepts and the drain is
 * timed: from the first accepted delivery until every event was received once. The figure
 * is the drain rate; commit -> receipt latency is the `webhook` scenario's.
 */
export async function webhookThroughput(ctx: Ctx): Promise<void> {
  const n = ctx.mode.webhookBacklog;
  let accepting = false;
  let firstAt = 0;
  let lastAt = 0;
  let requests = 0;
  let refused = 0;
  const seen = new Set<string>();
  const sequences: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (!accepting) {
        refused++;
        res.writeHead(503).end();
        return;
      }
      const at = now();
      firstAt ||= at;
      const id = String(req.headers['x-gridlink-event-id']);
      if (!seen.has(id)) {
        seen.add(id);
        sequences.push(Number(req.headers['x-gridlink-sequence']));
        if (seen.size === n) lastAt = at;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const hub = await expectApi<{ id: string }>(201, ctx.url, 'POST', '/tmf-api/troubleTicket/v5/hub', {
    token: ctx.mno1.apiKey,
    body: { callback: `http://127.0.0.1:${port}/gridlink`, query: 'eventType=TroubleTicketCreateEvent' },
  });
  try {
    // The backlog: n creates, 20 at a time.
    const body = createBody(ctx.mno1.id);
    let filed = 0;
    const f0 = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (filed < n) {
          filed++;
          await expectApi(201, ctx.url, 'POST', '/tmf-api/troubleTicket/v5/troubleTicket', { token: ctx.dso1.apiKey, body });
        }
      }),
    );
    const fileS = (performance.now() - f0) / 1000;
    await waitFor(() => refused > 0, 30_000);
    accepting = true;
    const complete = await waitFor(() => seen.size >= n, 300_000);
    const drainS = ((lastAt || now()) - firstAt) / 1000;
    const rate = seen.size / drainS;
    const inOrder = sequences.every((s, i) => i === 0 || s > sequences[i - 1]!);
    ctx.add({
      id: 'events.webhookThroughput',
      group: 'events',
      scenario: 'webhook throughput, one subscription, backlog drain (events/s)',
      concurrency: 1,
      rps: round(rate, 0),
      samples: seen.size,
      errors: n - seen.size,
      note: `${n} events filed in ${round(fileS, 1)} s (${round(n / fileS, 0)}/s) while the receiver answered 503; drained in ${round(drainS, 2)} s after it accepted; ${requests - refused} accepted requests for ${seen.size} events; first receipt order ${inOrder ? 'in sequence order' : 'NOT in sequence order'}; ${complete ? 'all delivered' : `${n - seen.size} not delivered`}`,
      target: { text: '>= 1,000 events/s', met: rate >= 1000 },
    });
  } finally {
    await expectApi(204, ctx.url, 'DELETE', `/tmf-api/troubleTicket/v5/hub/${hub.body.id}`, { token: ctx.mno1.apiKey }).catch(
      () => undefined,
    );
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
