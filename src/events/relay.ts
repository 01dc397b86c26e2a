import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { EVENTS_CHANNEL } from './outbox.js';
import type { RelayedEvent } from './types.js';

/**
 * The dispatcher: reads committed outbox events in sequence order and hands them to
 * consumers (Socket.IO bridge, webhook fan-out). Woken by LISTEN/NOTIFY; a slow poll is
 * the safety net. Any number of instances may run it: a transaction-scoped advisory
 * lock lets one relay at a time, which keeps order, and `relayed_at` marks each event
 * once. If a consumer fails the batch rolls back and is retried.
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

export function createRelay(deps: { db: Database; log: Logger; consumers: RelayConsumer[]; pollMs: number; now: () => Date }): Relay {
  const { db, log } = deps;
  let listener: pg.PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  const instance = crypto.randomUUID().slice(0, 8);

  const batch = async (): Promise<number> => {
    const client = await db.pool.connect();
    let committed: RelayedEvent[];
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [RELAY_LOCK_KEY]);
      if (!lock.rows[0]?.ok) {
        await client.query('ROLLBACK');
        return 0; // another instance is relaying; it loops until the outbox is empty
      }
      const { rows } = await client.query<{
        sequence: string;
        id: string;
        event_type: string;
        resource_type: string;
        resource_id: string;
        originator_org_id: string | null;
        audience: string[];
        event_time: Date;
        payload: RelayedEvent['payload'];
      }>(
        `SELECT sequence, id, event_type, resource_type, resource_id, originator_org_id, audience, event_time, payload
           FROM event WHERE relayed_at IS NULL ORDER BY sequence LIMIT $1`,
        [BATCH],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const events: RelayedEvent[] = rows.map((r) => ({
        sequence: Number(r.sequence),
        id: r.id,
        eventType: r.event_type,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        originatorOrgId: r.originator_org_id,
        audience: r.audience,
        eventTime: r.event_time,
        payload: r.payload,
      }));
      for (const c of deps.consumers) await c.handle(events, client);
      await client.query('UPDATE event SET relayed_at = $1 WHERE sequence = ANY($2::bigint[])', [
        deps.now(),
        events.map((e) => e.sequence),
      ]);
      await client.query('COMMIT');
      committed = events;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    for (const c of deps.consumers) {
      try {
        c.afterCommit?.(committed);
      } catch (e) {
        log.error({ err: e, consumer: c.name }, 'relay consumer afterCommit failed');
      }
    }
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

  const wake = () => {
    if (stopped) return;
    drain().catch((e: unknown) => log.error({ err: e }, 'event relay failed; will retry on the next wake-up'));
  };

  return {
    async start() {
      stopped = false;
      listener = await db.pool.connect();
      listener.on('notification', wake);
      listener.on('error', (e) => log.error({ err: e }, 'event relay LISTEN connection failed'));
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      timer = setInterval(wake, deps.pollMs);
      timer.unref();
      log.info({ instance }, 'event relay started');
      wake();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (listener) {
        await listener.query(`UNLISTEN ${EVENTS_CHANNEL}`).catch(() => undefined);
        listener.release();
        listener = undefined;
      }
      await running?.catch(() => undefined);
    },
    drain,
  };
}
