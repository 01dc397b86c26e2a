import type { Database, Reader, Tx } from '../../db/client.js';
import { CLOCK_KINDS } from './sla.clock.js';
import { loadPartnerships, loadSubjects, loadTargets, SOURCES, type SlaResourceType } from './sla.sources.js';

/**
 * The SLA clocks' data access (issue 15, one data-access style). Every function takes the
 * handle it runs on: a transaction's `tx`, `db.reader` (node-postgres, the sweep's hot reads),
 * or — outside a transaction — what `createSlaRepository(db)` binds. The sweep's SQL is the
 * one measured in docs/notes/performance.md; keep it as it is.
 */

export interface ClockFlags {
  resourceId: string;
  kind: string;
  warnedAt: Date | null;
  breachedAt: Date | null;
}

/** Which levels the clocks of these resources have already fired (one sweep page). */
export const clockFlags = (q: Reader, type: SlaResourceType, ids: string[]) =>
  q.$queryRawUnsafe<ClockFlags[]>(
    `SELECT resource_id::text AS "resourceId", kind, warned_at AS "warnedAt", breached_at AS "breachedAt"
         FROM sla_clock WHERE resource_type = $1 AND resource_id = ANY($2::uuid[])`,
    type,
    ids,
  );

/**
 * The sweep's id-only scan: open resources (or final ones changed since `changedSince`) with
 * at least one clock not yet breached.
 */
export const sweepCandidates = (q: Reader, type: SlaResourceType, changedSince: Date) => {
  const s = SOURCES[type];
  return q.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text AS id FROM ${s.table}
            WHERE (NOT (${s.final}) OR ${s.changed} >= $1)
              AND (SELECT count(*) FROM sla_clock c WHERE c.resource_type = $2 AND c.resource_id = ${s.table}.id AND c.breached_at IS NOT NULL) < $3`,
    changedSince,
    type,
    CLOCK_KINDS.length,
  );
};

/** Resolved tickets unchanged since `cutoff`, oldest first (one auto-close batch). */
export const resolvedTicketsDue = (q: Tx, cutoff: Date, take: number) =>
  q.troubleTicket.findMany({
    where: { status: 'resolved', lastUpdate: { lte: cutoff } },
    select: { id: true },
    orderBy: { lastUpdate: 'asc' },
    take,
  });

/** A resource's clock of one kind (inside the transaction that records its crossings). */
export const clockOf = (q: Tx, type: SlaResourceType, resourceId: string, kind: string) =>
  q.slaClock.findUnique({ where: { resourceType_resourceId_kind: { resourceType: type, resourceId, kind } } });

/**
 * Seconds of confirmed outages the DSO announced to the MNO, within [from, to], and how many
 * notices; zero without the outage module's table.
 */
export async function outageSeconds(
  q: Reader,
  dsoId: string,
  mnoId: string,
  from: Date,
  to: Date,
): Promise<{ seconds: number; count: number }> {
  const exists = await q.$queryRawUnsafe<{ ok: boolean }[]>(`SELECT to_regclass('energy_outage_notice') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return { seconds: 0, count: 0 };
  const rows = await q.$queryRawUnsafe<{ seconds: number | null; n: bigint }[]>(
    `SELECT SUM(GREATEST(0, EXTRACT(EPOCH FROM (LEAST(COALESCE(actual_outage_end_time, $4), $4) - GREATEST(COALESCE(outage_start_time, creation_date), $3)))))::float8 AS seconds,
            COUNT(*) AS n
       FROM energy_outage_notice
      WHERE dso_org_id = $1::uuid AND $2::uuid = ANY(audience)
        AND status IN ('confirmed', 'partiallyRestored', 'restored', 'closed')
        AND COALESCE(outage_start_time, creation_date) < $4
        AND COALESCE(actual_outage_end_time, $4) > $3`,
    dsoId,
    mnoId,
    from,
    to,
  );
  return { seconds: rows[0]?.seconds ?? 0, count: Number(rows[0]?.n ?? 0) };
}

export type SlaRepository = ReturnType<typeof createSlaRepository>;

/** The functions above (and the sources' loaders) bound to the database, for work outside a transaction. */
export function createSlaRepository(db: Database) {
  const q: Tx = db.prisma;
  return {
    targets: () => loadTargets(q),
    partnerships: () => loadPartnerships(q),
    /** Resources of one type matching `where`, full documents (the KPI report). */
    subjects: (type: SlaResourceType, where: string, params: unknown[]) => loadSubjects(q, type, where, params),
    resolvedTicketsDue: (cutoff: Date, take: number) => resolvedTicketsDue(q, cutoff, take),
    outageSeconds: (dsoId: string, mnoId: string, from: Date, to: Date) => outageSeconds(q, dsoId, mnoId, from, to),
  };
}
