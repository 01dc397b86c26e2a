import crypto from 'node:crypto';
import type pg from 'pg';
import type { Reader, SqlTx } from '../../db/client.js';
import type { AuditRecord } from './audit.types.js';

/**
 * The audit trail's data access (issue 15, one data-access style): the GW-2 writer's inserts
 * (audit.log.ts decides batching, retries and sanitising; this file only speaks SQL), its
 * alarm row, and retention. TMF630 lists are served by the registry's stores.
 */

/** Column, record field and array type: one multi-row INSERT through unnest per batch. */
export const AUDIT_COLUMNS: [keyof AuditRecord, string, string][] = [
  ['time', 'time', 'timestamptz'],
  ['requestId', 'request_id', 'text'],
  ['credentialId', 'credential_id', 'text'],
  ['credentialKind', 'credential_kind', 'text'],
  ['organizationId', 'organization_id', 'uuid'],
  ['method', 'method', 'text'],
  ['path', 'path', 'text'],
  ['operation', 'operation', 'text'],
  ['resourceType', 'resource_type', 'text'],
  ['resourceId', 'resource_id', 'text'],
  ['counterpartOrgId', 'counterpart_org_id', 'uuid'],
  ['status', 'status', 'int'],
  ['outcome', 'outcome', 'text'],
  ['durationMs', 'duration_ms', 'float8'],
  ['remoteAddress', 'remote_address', 'text'],
  ['detail', 'detail', 'text'],
  ['userId', 'user_id', 'uuid'],
  ['userEmail', 'user_email', 'text'],
];
const NAMES = AUDIT_COLUMNS.map((c) => c[1]).join(', ');
const INSERT_BATCH = `INSERT INTO audit_log (${NAMES})
  SELECT * FROM unnest(${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${c[2]}[]`).join(', ')})`;
const INSERT_ROW = `INSERT INTO audit_log (${NAMES}, sanitized)
  VALUES (${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${c[2]}`).join(', ')}, $${AUDIT_COLUMNS.length + 1})`;
const valuesOf = (r: AuditRecord) => AUDIT_COLUMNS.map(([key]) => r[key] ?? null);

/** One batch in one statement: all rows or none. */
export async function insertAuditBatch(pool: pg.Pool, batch: AuditRecord[]): Promise<void> {
  await pool.query(
    INSERT_BATCH,
    AUDIT_COLUMNS.map(([key]) => batch.map((r) => r[key] ?? null)),
  );
}

/** One row, on its own (a refused batch is retried row by row; `sanitized` flags a cleaned copy). */
export async function insertAuditRow(pool: pg.Pool, r: AuditRecord, sanitized: boolean): Promise<void> {
  await pool.query(INSERT_ROW, [...valuesOf(r), sanitized]);
}

/** One row inside the caller's transaction (records that commit or roll back with their change). */
export async function insertAuditRowIn(tx: SqlTx, r: AuditRecord): Promise<void> {
  await tx.$executeRawUnsafe(INSERT_ROW, ...valuesOf(r), false);
}

/** Raises, or counts into, the hourly GW-2 alarm row of `source`. */
export async function raiseAuditAlarm(pool: pg.Pool, source: string, hour: Date, rows: number, at: Date): Promise<void> {
  await pool.query(
    `INSERT INTO security_alarm (id, source, window_start, attempts, organization_id, raised_at)
     VALUES ($1::uuid, $2, $3, $4, NULL, $5)
     ON CONFLICT (source, window_start) DO UPDATE SET attempts = security_alarm.attempts + EXCLUDED.attempts`,
    [crypto.randomUUID(), source, hour, rows, at],
  );
}

/** GW-2 retention: removes audit records older than `before`; how many. */
export async function purgeAuditRecords(q: Reader, before: Date): Promise<number> {
  const rows = await q.$queryRawUnsafe<{ n: string }[]>(
    'WITH purged AS (DELETE FROM audit_log WHERE time < $1 RETURNING 1) SELECT count(*)::text AS n FROM purged',
    before,
  );
  return Number(rows[0]?.n ?? 0);
}
