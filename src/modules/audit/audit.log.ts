import type { Logger } from 'pino';
import type { Database, SqlTx } from '../../db/client.js';
import { isConnectionError } from '../../db/availability.js';
import { isStorable, toStorable } from '../../http/storable.js';
import type { AuditRecord } from './audit.types.js';
import { AUDIT_COLUMNS, insertAuditBatch, insertAuditRow, insertAuditRowIn, raiseAuditAlarm } from './audit.repository.js';

/**
 * GW-2/GW-3 transaction log. Every request, refused ones included, becomes one row.
 * Rows are buffered briefly and written in batches off the request path; `flush()`
 * waits for everything queued so far (tests, shutdown).
 *
 * No row is dropped (issue 12):
 * - the database is away (connection refused, terminated, restarting): the batch goes
 *   back to the head of the queue and is retried with backoff, in order;
 * - a batch that the database refuses (one row with a value it cannot store) is retried
 *   row by row, so the good rows are stored;
 * - a row that is still refused is stored sanitized (text that PostgreSQL cannot store
 *   replaced by U+FFFD, malformed ids moved to `detail`) with `sanitized = true`.
 * Each of these increments `gridlink_audit_write_failures_total{kind}`; a refused batch
 * also raises (or counts into) the hourly `security_alarm` row with source
 * `system:audit-writer`, which the platform admin reads through the audit API.
 */
export type { AuditRecord } from './audit.types.js';

export type AuditFailureKind = 'unavailable' | 'batch_refused' | 'row_sanitized' | 'row_lost';

export interface AuditLog {
  record(r: AuditRecord): void;
  /** Writes everything queued so far; while the database is away it waits for it (up to `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
  /** Rows waiting to be written. */
  pending(): number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BATCH_MAX = 200;
/** Beyond this many waiting rows (a long outage), the oldest are dropped — counted and alarmed. */
const QUEUE_MAX = 200_000;
export const AUDIT_ALARM_SOURCE = 'system:audit-writer';

/** A copy of `r` that PostgreSQL accepts whatever it held; what was changed goes into `detail`. */
export function sanitizeRecord(r: AuditRecord): AuditRecord {
  const notes: string[] = [];
  const text = (v: string | null, max = 2000) => (v === null ? null : toStorable(v).slice(0, max));
  const uuid = (k: 'organizationId' | 'counterpartOrgId' | 'userId') => {
    const v = r[k] ?? null;
    if (v === null || UUID.test(v)) return v;
    notes.push(`${k}=${toStorable(v).slice(0, 80)}`);
    return null;
  };
  const out: AuditRecord = {
    time: r.time instanceof Date && !Number.isNaN(r.time.getTime()) ? r.time : new Date(),
    requestId: text(r.requestId, 200) ?? '',
    credentialId: text(r.credentialId, 200),
    credentialKind: text(r.credentialKind, 50),
    organizationId: uuid('organizationId'),
    method: text(r.method, 20) ?? '',
    path: text(r.path, 500) ?? '',
    operation: text(r.operation, 200),
    resourceType: text(r.resourceType, 200),
    resourceId: text(r.resourceId, 500),
    counterpartOrgId: uuid('counterpartOrgId'),
    status: Number.isInteger(r.status) ? r.status : 0,
    outcome: r.outcome,
    durationMs: Number.isFinite(r.durationMs) ? r.durationMs : 0,
    remoteAddress: text(r.remoteAddress, 100),
    detail: null,
    userId: uuid('userId'),
    userEmail: text(r.userEmail ?? null, 320),
  };
  const changed = AUDIT_COLUMNS.some(([k]) => typeof r[k] === 'string' && !isStorable(r[k]));
  out.detail = [text(r.detail), changed ? 'sanitized: characters PostgreSQL cannot store were replaced by U+FFFD' : null, ...notes]
    .filter(Boolean)
    .join('; ');
  return out;
}

/**
 * Writes one audit row inside the caller's transaction: for records that must commit or
 * roll back with the change they describe (a webhook dead-lettered by the delivery worker).
 * Requests are recorded through `AuditLog.record`, off the request path.
 */
export async function writeAuditRecord(tx: SqlTx, r: AuditRecord): Promise<void> {
  await insertAuditRowIn(tx, r);
}

export function createAuditLog(deps: {
  db: Database;
  log: Logger;
  batchDelayMs?: number;
  onFailure?: (kind: AuditFailureKind, rows: number) => void;
  now?: () => Date;
}): AuditLog {
  const { db, log } = deps;
  let queue: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let retryMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];
  const fail = (kind: AuditFailureKind, rows: number) => deps.onFailure?.(kind, rows);

  const alarm = async (rows: number, reason: string) => {
    const t = deps.now?.() ?? new Date();
    const hour = new Date(Math.floor(t.getTime() / 3_600_000) * 3_600_000);
    await raiseAuditAlarm(db.pool, AUDIT_ALARM_SOURCE, hour, rows, t).catch((e: unknown) =>
      log.error({ err: e }, 'audit writer could not raise its alarm'),
    );
    log.error({ alarm: AUDIT_ALARM_SOURCE, rows, reason }, 'GW-2 alarm: audit rows refused by the database; stored row by row');
  };

  const insertRow = (r: AuditRecord, sanitized: boolean) => insertAuditRow(db.pool, r, sanitized);

  /** Stores one batch; returns the rows to put back at the head of the queue (database away). */
  const store = async (batch: AuditRecord[]): Promise<AuditRecord[]> => {
    try {
      await insertAuditBatch(db.pool, batch);
      return [];
    } catch (e) {
      if (isConnectionError(e)) return batch;
      fail('batch_refused', batch.length);
      await alarm(batch.length, (e as Error).message);
    }
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      try {
        await insertRow(r, false);
        continue;
      } catch (e) {
        if (isConnectionError(e)) return batch.slice(i);
      }
      try {
        await insertRow(sanitizeRecord(r), true);
        fail('row_sanitized', 1);
        log.error({ requestId: toStorable(r.requestId) }, 'audit row stored sanitized');
      } catch (e) {
        if (isConnectionError(e)) return batch.slice(i);
        fail('row_lost', 1);
        log.fatal({ err: e, requestId: toStorable(r.requestId) }, 'audit row could not be stored even sanitized');
      }
    }
    return [];
  };

  const wakeWaiters = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const drain = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (running) return running;
    const run = async () => {
      {
        while (queue.length) {
          const batch = queue.slice(0, BATCH_MAX);
          queue = queue.slice(batch.length);
          const back = await store(batch);
          if (back.length) {
            queue = back.concat(queue);
            if (queue.length > QUEUE_MAX) {
              const lost = queue.length - QUEUE_MAX;
              queue = queue.slice(lost);
              fail('row_lost', lost);
              log.fatal({ rows: lost }, 'audit queue overflow while the database is away: oldest rows dropped');
            }
            fail('unavailable', back.length);
            retryMs = Math.min(5_000, retryMs ? retryMs * 2 : 100);
            if (retryMs >= 1_600) log.warn({ waiting: queue.length, retryMs }, 'audit writer: database unavailable; rows kept, retrying');
            retryTimer ??= setTimeout(() => {
              retryTimer = undefined;
              void drain();
            }, retryMs);
            retryTimer.unref();
            return;
          }
          retryMs = 0;
        }
        wakeWaiters();
      }
    };
    // Cleared in a later microtask, after the assignment (an empty run finishes synchronously).
    const p = run().finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };

  return {
    record(r) {
      queue.push(r);
      if (retryTimer) return; // the database is away; the retry writes it
      if (queue.length >= BATCH_MAX) void drain();
      else timer ??= setTimeout(() => void drain(), deps.batchDelayMs ?? 50);
    },
    async flush(timeoutMs = 10_000) {
      await drain();
      if (queue.length === 0) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        t.unref();
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    pending: () => queue.length,
  };
}
