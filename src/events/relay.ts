import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { isConnectionError } from '../db/availability.js';
import type { Database } from '../db/client.js';
import { EVENTS_CHANNEL } from './outbox.js';
import { EVENT_COLUMNS, toRelayed, type EventRow, type RelayedEvent } from './types.js';

/**
 * The dispatcher: reads committed outbox events in sequence order and hands them to
 * consumers (Socket.IO bridge, webhook fan-out). Woken by LISTEN/NOTIFY; a slow poll is
 * the safety net. Any number of instances may run it: a transaction-scoped advisory
 * lock lets one relay at a time, which keeps order, and `relayed_at` marks each event
 * once. If a consumer fails the batch rolls back and is retried.
 *
 * Writers do not serialise on a lock (issue 12), so a smaller sequence may commit after a
 * larger one. Each batch therefore first takes a horizon — the outbox sequence's last
 * value S and the current snapshot — and waits until every transaction in progress at
 * that moment has ended; then no row numbered <= S can still appear, and rows up to S are
 * relayed in sequence order (outbox.ts explains why).
 */
export const RELAY_LOCK_KEY = 621_689;

export interface RelayConsumer {
  name: string;
  /** Runs inside the relay's transaction; must be quick and must not do network I/O. */
  handle(events: RelayedEvent[], tx: pg.PoolClient): Promise<void>;
  /** Runs after the batch committed (e.g. Socket.IO emits). */
  afterCommit?(events: RelayedEvent[]): void;
}

export interface Relay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Relay everything committed so far (tests, and the NOTIFY/poll wakers). */
  drain(): Promise<number>;
}

const BATCH = 200;
/** How long a batch waits for transactions in progress at its horizon to end. */
const SETTLE_MAX_MS = 10_000;

/**
 * The highest sequence below which every outbox row is final (committed and visible, or
 * rolled back): the sequence's last value S once every transaction that held an id when S
 * was read has ended. Throws if they did not end within SETTLE_MAX_MS (a long
 * transaction; the relay retries with backoff).
 *
 * Which transactions: a writer takes its id before drawing numbers (outbox.ts), so one
 * holding a number <= S had an id before S was read. The relay then takes an id of its own
 * (`me`, pg_current_xact_id(); its transaction writes relayed_at anyway): every such writer's
 * id is smaller. Of the ids below `me`, a snapshot lists as running only those below its
 * xmax (the newest finished id + 1); a running transaction with a newer id is not listed at
 * all. So the set waited for is the snapshot's list plus every id from its xmax up to `me`
 * (the chaos test lost an event to the second kind before it was counted: the relay handed
 * on a larger sequence, then the smaller one after it, and the socket fan-out, whose cursor
 * had passed it, dropped it).
 */
async function horizon(client: pg.PoolClient): Promise<string> {
  // Two statements, in this order: the snapshot and our id must come after the sequence's
  // value is read (a statement's pg_current_snapshot() is its start snapshot).
  const seq = await client.query<{ s: string }>(
    'SELECT (CASE WHEN is_called THEN last_value ELSE last_value - 1 END)::text AS s FROM event_sequence_seq',
  );
  const s = seq.rows[0]!.s;
  const at = await client.query<{ snap: string; xmax: string; me: string }>(
    'SELECT pg_current_snapshot()::text AS snap, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax, pg_current_xact_id()::text AS me',
  );
  const { snap, xmax, me } = at.rows[0]!;
  // xmin:xmax:xip with an empty list and nothing between xmax and us: S is final already.
  if (/:$/.test(snap) && BigInt(xmax) >= BigInt(me)) return s;
  const started = Date.now();
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    // "Ended" as a new snapshot sees it, not as the commit log says: a committing
    // transaction is marked committed in the commit log a moment before it leaves the list
    // of running transactions, and a snapshot taken in between still cannot see its rows.
    // With pg_xact_status(x) = 'in progress' the relay could read past such a row and hand
    // it on later, after larger sequences.
    const r = await client.query<{ busy: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM (
           SELECT x FROM pg_snapshot_xip($1::pg_snapshot) x
           UNION ALL
           SELECT g::text::xid8 FROM generate_series($2::bigint, $3::bigint - 1) g
         ) t(x)
         WHERE NOT pg_visible_in_snapshot(x, pg_current_snapshot())) AS busy`,
      [snap, xmax, me],
    );
    if (!r.rows[0]!.busy) return s;
    if (Date.now() - started > SETTLE_MAX_MS)
      throw new Error(
        `outbox horizon: transactions in progress at ${snap} (or newer than ${xmax} and older than ${me}) still open after ${SETTLE_MAX_MS} ms`,
      );
    await new Promise((res) => setTimeout(res, wait));
  }
}

export function createRelay(deps: { db: Database; log: Logger; consumers: RelayConsumer[]; pollMs: number; now: () => Date }): Relay {
  const { db, log } = deps;
  let listener: pg.PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  const instance = crypto.randomUUID().slice(0, 8);
  /**
   * Events whose COMMIT was sent but not acknowledged (the connection broke): they may be
   * marked relayed. Before the next batch they are looked up, and those that did commit
   * are handed to the consumers' afterCommit (Socket.IO) then, so none is skipped.
   */
  let inDoubt: RelayedEvent[] = [];

  const settleInDoubt = async () => {
    if (inDoubt.length === 0) return;
    const { rows } = await db.pool.query<{ sequence: string }>(
      'SELECT sequence FROM event WHERE sequence = ANY($1::bigint[]) AND relayed_at IS NOT NULL',
      [inDoubt.map((e) => e.sequence)],
    );
    const done = new Set(rows.map((r) => Number(r.sequence)));
    const committed = inDoubt.filter((e) => done.has(e.sequence));
    inDoubt = [];
    if (committed.length) afterCommit(committed);
  };

  const afterCommit = (committed: RelayedEvent[]) => {
    for (const c of deps.consumers) {
      try {
        c.afterCommit?.(committed);
      } catch (e) {
        log.error({ err: e, consumer: c.name }, 'relay consumer afterCommit failed');
      }
    }
  };

  const batch = async (): Promise<number> => {
    await settleInDoubt();
    const client = await db.pool.connect();
    let committed: RelayedEvent[];
    let committing: RelayedEvent[] | undefined;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [RELAY_LOCK_KEY]);
      if (!lock.rows[0]?.ok) {
        await client.query('ROLLBACK');
        return 0; // another instance is relaying; it loops until the outbox is empty
      }
      const upTo = await horizon(client);
      const { rows } = await client.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM event WHERE relayed_at IS NULL AND sequence <= $2 ORDER BY sequence LIMIT $1`,
        [BATCH, upTo],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const events: RelayedEvent[] = rows.map(toRelayed);
      for (const c of deps.consumers) await c.handle(events, client);
      await client.query('UPDATE event SET relayed_at = $1 WHERE sequence = ANY($2::bigint[])', [
        deps.now(),
        events.map((e) => e.sequence),
      ]);
      committing = events;
      await client.query('COMMIT');
      committed = events;
    } catch (e) {
      if (isConnectionError(e)) {
        broken = e as Error;
        if (committing) inDoubt = committing;
        db.health.suspect(e);
      }
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      // A broken connection is destroyed rather than returned to the pool.
      client.release(broken);
    }
    afterCommit(committed);
    return committed.length;
  };

  const drain = async (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          let n: number;
          do {
            n = await batch();
            total += n;
          } while (n === BATCH);
        } while (again);
      } finally {
        running = undefined;
      }
      return total;
    })();
    return running;
  };

  /**
   * A failed drain (database away, a transaction that stayed open past the horizon wait)
   * is retried with backoff (250 ms doubling to 5 s) rather than at the next poll, so
   * events committed just before an outage go out as soon as it ends (issue 12).
   */
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = 250;
  const wake = () => {
    if (stopped) return;
    drain().then(
      () => {
        retryDelay = 250;
      },
      (e: unknown) => {
        log.error({ err: e, retryInMs: retryDelay }, 'event relay failed; retrying');
        if (retryTimer || stopped) return;
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          wake();
        }, retryDelay);
        retryTimer.unref();
        retryDelay = Math.min(5_000, retryDelay * 2);
      },
    );
  };

  /**
   * The LISTEN connection (issue 12). When it ends (server restart, pg_terminate_backend)
   * or cannot be opened, it is reopened with backoff (100 ms doubling to 1 s) and, once
   * listening again, the outbox is drained: anything committed meanwhile goes out at
   * once rather than at the next poll.
   */
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelay = 100;
  let listening = false;
  let detach: (() => void) | undefined;
  const scheduleListen = () => {
    if (stopped || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void listen();
    }, reconnectDelay);
    reconnectTimer.unref();
    reconnectDelay = Math.min(1_000, reconnectDelay * 2);
  };
  const dropListener = (client: pg.PoolClient, err?: Error) => {
    if (listener !== client) return;
    listener = undefined;
    listening = false;
    detach?.();
    try {
      client.release(err ?? new Error('LISTEN connection closed'));
    } catch {
      /* already released */
    }
  };
  const listen = async (): Promise<boolean> => {
    if (stopped || listener) return listening;
    let client: pg.PoolClient;
    try {
      client = await db.pool.connect();
    } catch (e) {
      log.warn({ err: e, retryInMs: reconnectDelay }, 'event relay: cannot open the LISTEN connection; retrying');
      db.health.suspect(e);
      scheduleListen();
      return false;
    }
    listener = client;
    const lost = (e?: Error) => {
      if (listener !== client) return;
      log.warn({ err: e }, 'event relay LISTEN connection lost; reconnecting');
      dropListener(client, e);
      db.health.suspect(e);
      scheduleListen();
    };
    const ended = () => lost();
    client.on('notification', wake);
    client.on('error', lost);
    client.on('end', ended);
    detach = () => {
      client.off('notification', wake);
      client.off('error', lost);
      client.off('end', ended);
    };
    try {
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (e) {
      lost(e as Error);
      return false;
    }
    if (listener !== client) return false;
    listening = true;
    reconnectDelay = 100;
    wake(); // catch up on whatever committed while not listening
    return true;
  };
  const onUp = () => {
    if (!listener) {
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      void listen();
    }
    wake();
  };

  return {
    async start() {
      stopped = false;
      db.health.on('up', onUp);
      await listen();
      timer = setInterval(wake, deps.pollMs);
      timer.unref();
      log.info({ instance, listening }, 'event relay started');
      wake();
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      db.health.off('up', onUp);
      if (timer) clearInterval(timer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const l = listener;
      if (l) {
        listener = undefined;
        await l.query(`UNLISTEN ${EVENTS_CHANNEL}`).catch(() => undefined);
        detach?.();
        try {
          l.release();
        } catch {
          /* already released */
        }
      }
      await running?.catch(() => undefined);
    },
    drain,
  };
}
