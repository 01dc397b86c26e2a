import type { Reader } from '../../db/client.js';

/**
 * The audit trail's data access (issue 15, one data-access style) beyond the TMF630 lists,
 * which the registry's stores serve. The rows are written by the GW-2 writer (audit.log.ts).
 */

/** GW-2 retention: removes audit records older than `before`; how many. */
export async function purgeAuditRecords(q: Reader, before: Date): Promise<number> {
  const rows = await q.$queryRawUnsafe<{ n: string }[]>(
    'WITH purged AS (DELETE FROM audit_log WHERE time < $1 RETURNING 1) SELECT count(*)::text AS n FROM purged',
    before,
  );
  return Number(rows[0]?.n ?? 0);
}
