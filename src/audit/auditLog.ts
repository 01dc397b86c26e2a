import type { Logger } from 'pino';
import type { Database } from '../db/client.js';

/**
 * GW-2/GW-3 transaction log. Every request, refused ones included, becomes one row.
 * Rows are buffered briefly and written in batches off the request path; `flush()`
 * waits for everything queued so far (tests, shutdown).
 */
export interface AuditRecord {
  time: Date;
  requestId: string;
  credentialId: string | null;
  credentialKind: string | null;
  organizationId: string | null;
  method: string;
  path: string;
  operation: string | null;
  resourceType: string | null;
  resourceId: string | null;
  counterpartOrgId: string | null;
  status: number;
  outcome: 'success' | 'refused' | 'error';
  durationMs: number;
  remoteAddress: string | null;
  detail: string | null;
  /** Session-cookie requests (issue 13): the signed-in person. */
  userId?: string | null;
  userEmail?: string | null;
}

export interface AuditLog {
  record(r: AuditRecord): void;
  flush(): Promise<void>;
}

/** Column, record field and array type: one multi-row INSERT through unnest per batch. */
const COLUMNS: [keyof AuditRecord, string, string][] = [
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
const INSERT_BATCH = `INSERT INTO audit_log (${COLUMNS.map((c) => c[1]).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${c[2]}[]`).join(', ')})`;

export function createAuditLog(deps: { db: Database; log: Logger; batchDelayMs?: number }): AuditLog {
  let queue: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();

  const write = () => {
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return inflight;
    inflight = inflight.then(async () => {
      try {
        await deps.db.pool.query(
          INSERT_BATCH,
          COLUMNS.map(([key]) => batch.map((r) => r[key] ?? null)),
        );
      } catch (e) {
        deps.log.error({ err: e, rows: batch.length }, 'audit log write failed');
      }
    });
    return inflight;
  };

  return {
    record(r) {
      queue.push(r);
      if (queue.length >= 200) void write();
      else timer ??= setTimeout(write, deps.batchDelayMs ?? 50);
    },
    async flush() {
      if (timer) clearTimeout(timer);
      await write();
    },
  };
}
