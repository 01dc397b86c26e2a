import type http from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { AuditLog } from '../modules/audit/audit.log.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { Database } from '../db/client.js';
import { AppError } from '../http/errors.js';
import { recipientsOf } from './recipients.js';
import type { RelayConsumer } from './relay.js';
import { EVENT_COLUMNS, toDelivered, toRelayed, type DeliveredEvent, type EventRow, type RelayedEvent } from './types.js';

/**
 * Socket.IO push. Clients authenticate in the handshake with an API key (or, in a browser, the
 * console session cookie — issue 13) and join their
 * organisation's room. Protocol (see README):
 *   io(url, { auth: { token, lastSequence?, eventTypes?, resourceTypes?, resourceId? } })
 *   <- 'event'  DeliveredEvent (TMF envelope + sequence), in sequence order
 *   <- 'ready'  { replayed, lastSequence, gap } once missed events have been replayed
 *   -> 'filter' { eventTypes?, resourceTypes?, resourceId? }  (ack: { ok })
 * Resume: pass the last sequence seen; missed events (within retention) are replayed in
 * order, then the live stream continues with no gap and no duplicate at the seam.
 * Fan-out across instances goes through the PostgreSQL adapter.
 */
interface Filter {
  eventTypes?: string[];
  resourceTypes?: string[];
  resourceId?: string;
}

interface SocketState {
  orgId: string;
  filter: Filter;
  lastSent: number;
  catchingUp: boolean;
  buffer: WireEvent[];
}

/** What travels between instances: compact, JSON-safe. */
interface WireEvent {
  sequence: number;
  eventType: string;
  resourceType: string;
  resourceId: string;
  recipients: string[];
  payload: RelayedEvent['payload'];
}

const CROSS_INSTANCE = 'gridlink:events';
const REPLAY_PAGE = 500;

const toWire = (e: RelayedEvent, recipients: string[]): WireEvent => ({
  sequence: e.sequence,
  eventType: e.eventType,
  resourceType: e.resourceType,
  resourceId: e.resourceId,
  recipients,
  payload: e.payload,
});

function parseFilter(raw: unknown): Filter {
  const r = (raw ?? {}) as Record<string, unknown>;
  const list = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? v.split(',') : undefined;
  return {
    ...(list(r.eventTypes) ? { eventTypes: list(r.eventTypes)! } : {}),
    ...(list(r.resourceTypes) ? { resourceTypes: list(r.resourceTypes)! } : {}),
    ...(typeof r.resourceId === 'string' ? { resourceId: r.resourceId } : {}),
  };
}

function wants(f: Filter, e: WireEvent): boolean {
  if (f.eventTypes?.length && !f.eventTypes.includes(e.eventType)) return false;
  if (f.resourceTypes?.length && !f.resourceTypes.includes(e.resourceType)) return false;
  if (f.resourceId && f.resourceId !== e.resourceId) return false;
  return true;
}

/**
 * The pool as the PostgreSQL adapter sees it (issue 12). The adapter keeps one checked-out
 * client for LISTEN and, when that connection ends (server restart, pg_terminate_backend),
 * opens another after 1-3 s — but never releases the dead one, so each outage would leak
 * a pool slot. Here the dead client is released (destroyed) as soon as it ends, and a
 * later release by the adapter is harmless.
 */
function adapterPool(db: Database): pg.Pool {
  const pool = db.pool;
  const connect = async () => {
    const client = await pool.connect();
    const release = client.release.bind(client);
    let released = false;
    const releaseOnce = (err?: Error | boolean) => {
      if (released) return;
      released = true;
      client.off('end', onEnd);
      client.off('error', onError);
      release(err);
    };
    const onEnd = () => releaseOnce(new Error('adapter LISTEN connection ended'));
    const onError = (e: Error) => {
      db.health.suspect(e);
      releaseOnce(e);
    };
    client.on('end', onEnd);
    client.on('error', onError);
    client.release = releaseOnce;
    return client;
  };
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'connect') return connect;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export interface SocketBridge {
  readonly consumer: RelayConsumer;
  attach(server: http.Server): Server;
  close(): Promise<void>;
}

export function createSocketBridge(deps: {
  db: Database;
  log: Logger;
  authenticator: Authenticator;
  audit: AuditLog;
  retentionMs: number;
  now: () => Date;
  /**
   * Page origins (besides this host) whose session cookie a handshake may carry: the public
   * base URL and the CORS origins, for a proxy that does not pass the public Host on.
   */
  trustedOrigins?: readonly string[];
}): SocketBridge {
  const { db, log } = deps;
  let io: Server | undefined;
  let pending = new Map<number, string[]>();

  const state = (s: Socket) => s.data as SocketState;

  const accepts = (st: SocketState, e: WireEvent) => e.sequence > st.lastSent && e.recipients.includes(st.orgId) && wants(st.filter, e);

  const send = (s: Socket, e: WireEvent) => {
    const st = state(s);
    if (!accepts(st, e)) return;
    st.lastSent = e.sequence;
    s.emit('event', toDelivered(e) satisfies DeliveredEvent);
  };

  /**
   * Each event is encoded once and written to every local socket that should get it
   * (`io.local.to(ids)`: Socket.IO encodes a broadcast once); per-socket emits encoded the
   * same envelope once per connection, which dominated fan-out to 1,000 clients.
   */
  const deliverLocal = (events: WireEvent[]) => {
    if (!io) return;
    for (const e of events) {
      const targets: string[] = [];
      for (const org of new Set(e.recipients)) {
        const room = io.sockets.adapter.rooms.get(`org:${org}`);
        if (!room) continue;
        for (const id of room) {
          const s = io.sockets.sockets.get(id);
          if (!s) continue;
          const st = state(s);
          if (st.catchingUp) st.buffer.push(e);
          else if (accepts(st, e)) {
            st.lastSent = e.sequence;
            targets.push(id);
          }
        }
      }
      if (targets.length) io.local.to(targets).emit('event', toDelivered(e) satisfies DeliveredEvent);
    }
  };

  /**
   * Relayed batches arrive here in relay order from this instance's relay, but not always
   * from other instances: the PostgreSQL adapter ships a large batch as an attachment that
   * this instance fetches from its pool, so a later small batch can overtake it. Batches are
   * therefore handled one at a time against a cursor (the last sequence handed to local
   * sockets); a batch that starts beyond the cursor first gets the relayed events in between
   * from the outbox, and a batch that arrives after that is ignored. Nothing is dropped.
   */
  let cursor: number | undefined;
  let chain: Promise<void> = Promise.resolve();

  const relayedBetween = async (after: number, before: number): Promise<WireEvent[]> => {
    const client = await db.pool.connect();
    try {
      const r = await client.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM event WHERE sequence > $1 AND sequence < $2 AND relayed_at IS NOT NULL ORDER BY sequence`,
        [after, before],
      );
      const rows = r.rows.map(toRelayed);
      const recipients = await recipientsOf(rows, client);
      return rows.map((e) => toWire(e, recipients.get(e.sequence) ?? []));
    } finally {
      client.release();
    }
  };

  const onRelayed = (events: WireEvent[]) => {
    if (events.length === 0) return;
    chain = chain.then(async () => {
      const first = events[0]!.sequence;
      const last = events.at(-1)!.sequence;
      const from = cursor;
      if (from !== undefined && last <= from) return; // overtaken; already delivered from the outbox
      if (from !== undefined && first > from + 1) {
        // Retried until it succeeds or the bridge closes (issue 12): giving up would skip
        // these events for every local socket. Later batches wait in the chain meanwhile.
        for (let attempt = 1; io; attempt++) {
          try {
            deliverLocal(await relayedBetween(from, first));
            break;
          } catch (e) {
            log.error({ err: e, attempt }, 'socket fan-out could not read events missing between relayed batches; retrying');
            await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)));
          }
        }
      }
      deliverLocal(from === undefined ? events : events.filter((e) => e.sequence > from));
      cursor = Math.max(cursor ?? 0, last);
    });
  };

  const replay = async (s: Socket, after: number) => {
    const st = state(s);
    const since = new Date(deps.now().getTime() - deps.retentionMs);
    const oldest = await db.pool.query<{ min: string | null }>('SELECT min(sequence) AS min FROM event WHERE event_time >= $1', [since]);
    const gap = after > 0 && oldest.rows[0]?.min != null && Number(oldest.rows[0].min) > after + 1;
    let position = after;
    let replayed = 0;
    for (;;) {
      const client = await db.pool.connect();
      let rows: RelayedEvent[];
      let recipients: Map<number, string[]>;
      try {
        const r = await client.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM event
            WHERE sequence > $1 AND $2::uuid = ANY(audience) AND event_time >= $3 ORDER BY sequence LIMIT $4`,
          [position, st.orgId, since, REPLAY_PAGE],
        );
        rows = r.rows.map(toRelayed);
        recipients = await recipientsOf(rows, client);
      } finally {
        client.release();
      }
      for (const e of rows) {
        const before = st.lastSent;
        send(s, { ...e, recipients: recipients.get(e.sequence) ?? [] });
        if (st.lastSent !== before) replayed++;
        st.lastSent = Math.max(st.lastSent, e.sequence);
        position = e.sequence;
      }
      if (rows.length < REPLAY_PAGE) break;
    }
    return { replayed, gap };
  };

  const consumer: RelayConsumer = {
    name: 'socket.io',
    async handle(events, client: pg.PoolClient) {
      pending = await recipientsOf(events, client);
    },
    afterCommit(events) {
      if (!io || events.length === 0) return;
      const wire = events.map((e) => toWire(e, pending.get(e.sequence) ?? []));
      onRelayed(wire);
      io.serverSideEmit(CROSS_INSTANCE, wire);
    },
  };

  return {
    consumer,
    attach(server) {
      io = new Server(server, {
        path: '/socket.io',
        serveClient: false,
        cors: { origin: false },
        adapter: createAdapter(adapterPool(db), { errorHandler: (e) => log.warn({ err: e }, 'socket.io adapter error') }),
      });
      io.on(CROSS_INSTANCE, (events: WireEvent[]) => onRelayed(events));
      // The cursor starts at what was relayed before this instance listened: the first
      // batch to arrive may have overtaken an earlier one (issue 12), whose events are then
      // read from the outbox like any other gap instead of being skipped.
      chain = chain.then(async () => {
        if (cursor !== undefined) return;
        const r = await db.pool
          .query<{ m: string | null }>('SELECT max(sequence) AS m FROM event WHERE relayed_at IS NOT NULL')
          .catch(() => undefined);
        if (cursor === undefined && r?.rows[0]?.m != null) cursor = Number(r.rows[0].m);
      });

      io.use(async (socket, next) => {
        const started = Date.now();
        const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
        const token = typeof auth.token === 'string' ? `Bearer ${auth.token}` : socket.handshake.headers.authorization;
        const base = {
          time: new Date(),
          requestId: socket.id,
          method: 'GET',
          path: '/socket.io',
          operation: 'socketConnect',
          resourceType: null,
          resourceId: null,
          counterpartOrgId: null,
          remoteAddress: socket.handshake.address ?? null,
        };
        try {
          const cookie = token ? undefined : socket.handshake.headers.cookie;
          if (cookie) {
            // Issue 13: the console's session cookie. A browser sends it on a cross-site
            // WebSocket too (unless SameSite stops it), so the page must be ours.
            const origin = socket.handshake.headers.origin;
            const host = socket.handshake.headers.host;
            const trusted = (deps.trustedOrigins ?? []).map(safeHost);
            if (origin && host && safeHost(origin) !== host.toLowerCase() && !trusted.includes(safeHost(origin)))
              throw new AppError(403, 'FORBIDDEN', 'Forbidden', 'A session cookie is accepted only from pages of this site');
          }
          const actor = await deps.authenticator.authenticate({ authorization: token, cookie, method: 'GET' });
          if (actor.kind !== 'organization') throw new AppError(403, 'FORBIDDEN', 'Forbidden', 'Socket.IO needs an organisation API key');
          const last = auth.lastSequence;
          const lastSequence = last === undefined || last === null || last === '' ? undefined : Number(last);
          if (lastSequence !== undefined && (!Number.isInteger(lastSequence) || lastSequence < 0)) {
            throw new AppError(400, 'INVALID_PARAMETER', 'Bad Request', 'lastSequence must be a non-negative integer');
          }
          socket.data = {
            orgId: actor.organizationId,
            filter: parseFilter(auth),
            lastSent: lastSequence ?? Number.MAX_SAFE_INTEGER,
            catchingUp: lastSequence !== undefined,
            buffer: [],
          } satisfies SocketState;
          if (lastSequence === undefined) state(socket).lastSent = -1;
          (socket.data as SocketState & { resumeFrom?: number }).resumeFrom = lastSequence;
          deps.audit.record({
            ...base,
            credentialId: actor.credentialId,
            credentialKind: actor.session ? 'session' : 'apiKey',
            organizationId: actor.organizationId,
            userId: actor.session?.user.id ?? null,
            userEmail: actor.session?.user.email ?? null,
            status: 101,
            outcome: 'success',
            durationMs: Date.now() - started,
            detail: null,
          });
          next();
        } catch (e) {
          const err = e instanceof AppError ? e : new AppError(401, 'UNAUTHORIZED', 'Unauthorized', 'Invalid credentials');
          deps.audit.record({
            ...base,
            credentialId: null,
            credentialKind: null,
            organizationId: null,
            status: err.status,
            outcome: 'refused',
            durationMs: Date.now() - started,
            detail: err.message,
          });
          const refusal = new Error(err.message) as Error & { data: unknown };
          refusal.data = err.toBody();
          next(refusal);
        }
      });

      io.on('connection', (socket) => {
        const st = state(socket);
        const resumeFrom = (socket.data as { resumeFrom?: number }).resumeFrom;
        void socket.join(`org:${st.orgId}`);
        socket.on('filter', (raw: unknown, ack?: (r: unknown) => void) => {
          st.filter = parseFilter(raw);
          ack?.({ ok: true, filter: st.filter });
        });
        if (resumeFrom === undefined) {
          socket.emit('ready', { replayed: 0, lastSequence: null, gap: false });
          return;
        }
        st.lastSent = resumeFrom;
        replay(socket, resumeFrom)
          .then(({ replayed, gap }) => {
            st.catchingUp = false;
            const buffered = st.buffer.sort((a, b) => a.sequence - b.sequence);
            st.buffer = [];
            for (const e of buffered) send(socket, e);
            socket.emit('ready', { replayed, lastSequence: st.lastSent, gap });
          })
          .catch((e: unknown) => {
            log.error({ err: e }, 'socket replay failed');
            socket.emit('error-notice', { message: 'replay failed; reconnect to retry' });
            socket.disconnect(true);
          });
      });
      return io;
    },
    async close() {
      if (!io) return;
      const server = io;
      io = undefined;
      server.disconnectSockets(true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `host[:port]` of an Origin header, lower-case; '' when it is not a URL. */
function safeHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
