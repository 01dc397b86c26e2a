import type { Database, Reader, SqlTx, Tx } from '../../db/client.js';
import { tableExists } from '../../db/catalog.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { CLOCK_KINDS } from './sla.clock.js';
import {
  partnerLookup,
  SOURCES,
  subjectOf,
  targetTable,
  type PartnerLookup,
  type SlaResourceType,
  type SlaSubject,
  type SubjectRow,
  type TargetTable,
} from './sla.sources.js';

/**
 * The SLA clocks' data access (issue 15, one data-access style). Every function takes the
 * handle it runs on: a transaction's `tx`, `db.reader` (node-postgres, the sweep's hot reads),
 * or — outside a transaction — what `createSlaRepository(db)` binds. The sweep's SQL is the
 * one measured in docs/notes/performance.md; keep it as it is.
 */

/**
 * What the SLA clocks read of a document (priority class and status history). The sweep
 * selects only these, not the whole document: parsing every open resource's full JSON every
 * minute blocked the event loop for hundreds of milliseconds at scale (issue 7).
 */
const SLIM_DOC = `jsonb_build_object('priority', doc->'priority', 'severity', doc->'severity',
  'troubleTicketCharacteristic', doc->'troubleTicketCharacteristic', 'statusChangeHistory', doc->'statusChangeHistory',
  'handOverDate', doc->'handOverDate')`;

/** Resources of one type matching `where` (parameters $1...), with their timelines. */
export async function loadSubjects(
  q: Reader,
  type: SlaResourceType,
  where: string,
  params: unknown[],
  suffix = '',
  opts: { slim?: boolean } = {},
): Promise<SlaSubject[]> {
  const s = SOURCES[type];
  const extra = type === 'incident' ? ', ack_time, cleared_at' : '';
  // Issue 11: a ticket without a responsible partner has no SLA until one is named.
  const rows = await q.$queryRawUnsafe<SubjectRow[]>(
    `SELECT id::text AS id, ${s.reporter}::text AS a, ${s.responsible}::text AS b, creation_date, ${opts.slim ? SLIM_DOC : 'doc'} AS doc${extra}
       FROM ${s.table} WHERE (${where}) AND ${s.responsible} IS NOT NULL ${suffix}`,
    ...params,
  );
  return rows.map((r) => subjectOf(type, r));
}

/** The response and resolution targets per tier and priority. */
export const loadTargets = async (q: Tx): Promise<TargetTable> =>
  targetTable(await q.slaTierTarget.findMany({ orderBy: [{ tier: 'asc' }, { priority: 'asc' }] }));

/** Every partnership's tier, by organisation pair. */
export const loadPartnerships = async (q: Tx): Promise<PartnerLookup> =>
  partnerLookup(await q.partnership.findMany({ select: { id: true, dsoId: true, mnoId: true, tier: true } }));

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

/** Stores a clock's reading (inside the transaction that records its crossings). */
export async function saveClock(
  q: Tx,
  key: { resourceType: SlaResourceType; resourceId: string; kind: string },
  id: string,
  data: Omit<Prisma.SlaClockUncheckedCreateInput, 'id' | 'resourceType' | 'resourceId' | 'kind'>,
): Promise<void> {
  await q.slaClock.upsert({ where: { resourceType_resourceId_kind: key }, create: { id, ...key, ...data }, update: data });
}

/** Forgets a resource's clocks (the resource is being deleted, in its owner's transaction). */
export async function forgetClocks(q: SqlTx, type: SlaResourceType, id: string): Promise<void> {
  await q.$executeRawUnsafe('DELETE FROM sla_clock WHERE resource_type = $1 AND resource_id = $2::uuid', type, id);
}

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
  if (!(await tableExists(q, 'energy_outage_notice'))) return { seconds: 0, count: 0 };
  const rows = await q.$queryRawUnsafe<{ seconds: number | null; n: string | number }[]>(
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

/**
 * The functions above bound to the database, for work outside a transaction: the Prisma
 * model reads on the client, the raw reads (the KPI report's) on `db.reader` (node-postgres).
 */
export function createSlaRepository(db: Database) {
  const q: Tx = db.prisma;
  return {
    targets: () => loadTargets(q),
    partnerships: () => loadPartnerships(q),
    /** Resources of one type matching `where`, full documents (the KPI report). */
    subjects: (type: SlaResourceType, where: string, params: unknown[]) => loadSubjects(db.reader, type, where, params),
    resolvedTicketsDue: (cutoff: Date, take: number) => resolvedTicketsDue(q, cutoff, take),
    outageSeconds: (dsoId: string, mnoId: string, from: Date, to: Date) => outageSeconds(db.reader, dsoId, mnoId, from, to),
  };
}
