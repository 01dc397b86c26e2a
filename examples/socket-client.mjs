#!/usr/bin/env node
// Gridlink Socket.IO client: prints every event your organisation may see, and resumes
// from the last sequence it saw after a disconnect (kept in a small state file).
//
//   GRIDLINK_URL=http://localhost:8080 GRIDLINK_API_KEY=glk_... node examples/socket-client.mjs
//   optional: EVENT_TYPES=TroubleTicketCreateEvent,TroubleTicketStatusChangeEvent  RESOURCE_TYPES=troubleTicket
import fs from 'node:fs';
import { io } from 'socket.io-client';

const url = process.env.GRIDLINK_URL ?? 'http://localhost:8080';
const token = process.env.GRIDLINK_API_KEY;
if (!token) {
  console.error('Set GRIDLINK_API_KEY to an organisation API key (see .data/demo-credentials.json)');
  process.exit(1);
}
const stateFile = process.env.STATE_FILE ?? '.gridlink-last-sequence';
let lastSequence = fs.existsSync(stateFile) ? Number(fs.readFileSync(stateFile, 'utf8')) : undefined;
const seen = new Set(); // receivers de-duplicate by eventId (delivery is at-least-once)

const socket = io(url, {
  path: '/socket.io',
  // A function, so every reconnection sends the latest sequence seen.
  auth: (cb) =>
    cb({
      token,
      ...(lastSequence !== undefined ? { lastSequence } : {}),
      ...(process.env.EVENT_TYPES ? { eventTypes: process.env.EVENT_TYPES.split(',') } : {}),
      ...(process.env.RESOURCE_TYPES ? { resourceTypes: process.env.RESOURCE_TYPES.split(',') } : {}),
    }),
});

socket.on('connect', () => console.log(`connected (${socket.id}); resuming after sequence ${lastSequence ?? '(live only)'}`));
socket.on('ready', (r) =>
  console.log(`replayed ${r.replayed} missed event(s)${r.gap ? ' — WARNING: some events expired before you reconnected' : ''}`),
);
socket.on('event', (e) => {
  if (seen.has(e.eventId)) return;
  seen.add(e.eventId);
  lastSequence = e.sequence;
  fs.writeFileSync(stateFile, String(lastSequence));
  const resource = Object.values(e.event ?? {})[0] ?? {};
  console.log(`#${e.sequence} ${e.eventTime} ${e.eventType} ${resource.id ?? ''} ${resource.status ?? ''} ${e.description ?? ''}`);
});
socket.on('connect_error', (err) => console.error(`connection refused: ${err.message}`));
socket.on('disconnect', (reason) => console.log(`disconnected: ${reason}; reconnecting…`));
