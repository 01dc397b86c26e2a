import type { Prisma } from '../../generated/prisma/client.js';
import type { Reader, SqlTx, Tx } from '../../db/client.js';
import { siteMatchQuery, type Area } from '../../geo/geo.js';
import type { OutageNoticeDoc, OutageSiteReportDoc } from './energyOutage.types.js';

/**
 * The outage notices' own data access (issue 15, one data-access style), on the handle each
 * function is given: site reports through the Prisma model API (not a hot path; a read
 * outside a command runs in `db.transaction` too), the impact's site matching and summaries
 * and the ETR watch in raw SQL. The notice rows and impact rows themselves are the notice
 * core's (`notice.repository.ts`). Services never reach for the Prisma client themselves.
 */

export type RegisteredSite = { id: string; site_id: string; name: string | null };

/**
 * A site of the MNO's own register, by register id or by its own siteId, locked for the rest
 * of the transaction: reports on one site are serialised (two first reports at once would
 * both try to insert it; two updates would each drop the other's history entry).
 */
export const registeredSite = async (q: Tx, orgId: string, ref: { id?: string; siteId?: string }) =>
  (
    await q.$queryRawUnsafe<RegisteredSite[]>(
      `SELECT id::text, site_id, name FROM mno_site WHERE org_id = $1::uuid AND (${ref.id ? 'id::text = $2' : 'site_id = $2'}) FOR NO KEY UPDATE`,
      orgId,
      ref.id ?? ref.siteId,
    )
  )[0];

/** A report row with its document typed (the `doc` column is only ever written from an `OutageSiteReportDoc`). */
const typed = <R extends { doc: Prisma.JsonValue }>(r: R | null): (Omit<R, 'doc'> & { doc: OutageSiteReportDoc }) | null =>
  r && { ...r, doc: r.doc as unknown as OutageSiteReportDoc };

export const reportById = async (q: Tx, id: string) => typed(await q.outageSiteReport.findUnique({ where: { id } }));

/**
 * The report, read after locking its row for the rest of the transaction: a decision and a
 * report on it (which carries the priority request forward) never both read the old state.
 */
export const lockedReport = async (q: Tx, id: string) => {
  await q.$queryRawUnsafe(`SELECT 1 FROM outage_site_report WHERE id = $1::uuid FOR NO KEY UPDATE`, id);
  return reportById(q, id);
};

export const reportOfSite = async (q: Tx, noticeId: string, siteId: string) =>
  typed(await q.outageSiteReport.findUnique({ where: { noticeId_siteId: { noticeId, siteId } } }));

/** The reports on a notice, oldest first; only one MNO's when `mnoOrgId` is given. */
export const reportsOfNotice = async (q: Tx, noticeId: string, mnoOrgId?: string) =>
  (await q.outageSiteReport.findMany({ where: { noticeId, ...(mnoOrgId ? { mnoOrgId } : {}) }, orderBy: { createdAt: 'asc' } })).map((r) =>
    typed(r)!,
  );

type WithDoc<T> = Omit<T, 'doc'> & { doc: OutageSiteReportDoc };

export const insertReport = async (q: Tx, data: WithDoc<Prisma.OutageSiteReportUncheckedCreateInput>) => {
  await q.outageSiteReport.create({ data: { ...data, doc: data.doc as object } });
};

export const updateReport = async (q: Tx, id: string, data: WithDoc<Prisma.OutageSiteReportUncheckedUpdateInput>) => {
  await q.outageSiteReport.update({ where: { id }, data: { ...data, doc: data.doc as object } });
};

/** An audience MNO's site as the impact matching reads it (from `mno_site`, with how it matched). */
export interface ImpactedSiteRow {
  id: string;
  site_id: string;
  org_id: string;
  name: string | null;
  lon: number;
  lat: number;
  energy_supply_id: string | null;
  priority: boolean;
  ups_installed: boolean;
  ups_capacity_minutes: number | null;
  remaining_minutes: number | null;
  generator: boolean;
  matched_by: 'area' | 'energySupply' | 'both';
}

const MNO_SITE_COLUMNS = `id::text, site_id, org_id::text, name, location[0] AS lon, location[1] AS lat, energy_supply_id, priority, ups_installed,
              ups_capacity_minutes, remaining_minutes, generator`;

/** The MNOs' sites inside the outage area or fed by one of the energy supplies. */
export async function mnoSitesMatching(
  tx: Reader,
  q: { mnoIds: string[]; area: Area | undefined; energySupplyIds: string[] | undefined },
): Promise<ImpactedSiteRow[]> {
  const params: unknown[] = [q.mnoIds];
  const supply = q.energySupplyIds;
  const sql = siteMatchQuery({
    table: 'mno_site',
    columns: MNO_SITE_COLUMNS,
    scope: 'org_id = ANY($1::uuid[])',
    area: q.area,
    by: supply && ((p) => `energy_supply_id = ANY($${p.push(supply)}::text[])`),
    byLabel: 'energySupply',
    params,
  });
  return sql ? tx.$queryRawUnsafe<ImpactedSiteRow[]>(sql, ...params) : [];
}

/** Current impacted sites of a notice for one MNO (from the stored impact rows). */
export const impactedSitesOf = (tx: Reader, noticeId: string, mnoId: string) =>
  tx.$queryRawUnsafe<ImpactedSiteRow[]>(
    `SELECT s.id::text, s.site_id, s.org_id::text, s.name, s.location[0] AS lon, s.location[1] AS lat, s.energy_supply_id, s.priority,
            s.ups_installed, s.ups_capacity_minutes, s.remaining_minutes, s.generator, i.matched_by
       FROM outage_site_impact i JOIN mno_site s ON s.id = i.site_id
      WHERE i.notice_id = $1::uuid AND i.mno_org_id = $2::uuid ORDER BY s.site_id`,
    noticeId,
    mnoId,
  );

/** Per audience MNO: impacted and priority sites, earliest exhaustion, sites exhausting before the ETR, open priority requests. */
export const impactCounts = (tx: Reader, noticeId: string, etr: Date | null, mnoIds: string[]) =>
  tx.$queryRawUnsafe<{ mno: string; n: bigint; prio: bigint; earliest: Date | null; before_etr: bigint; requests: bigint }[]>(
    `SELECT a.mno,
            (SELECT count(*) FROM outage_site_impact i WHERE i.notice_id = $1::uuid AND i.mno_org_id = a.mno) AS n,
            (SELECT count(*) FROM outage_site_impact i JOIN mno_site s ON s.id = i.site_id WHERE i.notice_id = $1::uuid AND i.mno_org_id = a.mno AND s.priority) AS prio,
            (SELECT min(i.exhaustion_time) FROM outage_site_impact i WHERE i.notice_id = $1::uuid AND i.mno_org_id = a.mno) AS earliest,
            (SELECT count(*) FROM outage_site_impact i WHERE i.notice_id = $1::uuid AND i.mno_org_id = a.mno AND i.exhaustion_time IS NOT NULL
                AND ($2::timestamptz IS NULL OR i.exhaustion_time < $2::timestamptz)) AS before_etr,
            (SELECT count(*) FROM outage_site_report r WHERE r.notice_id = $1::uuid AND r.mno_org_id = a.mno AND r.priority_status = 'requested') AS requests
       FROM unnest($3::uuid[]) AS a(mno)`,
    noticeId,
    etr,
    mnoIds,
  );

// --- the ETR watch ----------------------------------------------------------------------

/** Notices in `statuses` whose ETR passed before `t` and was not yet announced as overdue (locked, skipping locked ones). */
export const overdueNotices = (tx: SqlTx, statuses: readonly string[], t: Date) =>
  tx.$queryRawUnsafe<{ id: string; doc: OutageNoticeDoc; etr: Date }[]>(
    `SELECT id::text, doc, expected_outage_end_time AS etr FROM energy_outage_notice
        WHERE status = ANY($1::text[]) AND expected_outage_end_time < $2
          AND (etr_overdue_notified_for IS NULL OR etr_overdue_notified_for <> expected_outage_end_time)
        FOR UPDATE SKIP LOCKED`,
    [...statuses],
    t,
  );

/** The notice's current ETR has been announced as overdue. */
export const markEtrOverdueNotified = (tx: SqlTx, id: string) =>
  tx.$executeRawUnsafe('UPDATE energy_outage_notice SET etr_overdue_notified_for = expected_outage_end_time WHERE id = $1::uuid', id);

/** Per notice in `statuses` and MNO: the impacted sites whose battery runs out before the ETR and whose risk was not yet announced for it. */
export const exhaustionRisks = (tx: SqlTx, statuses: readonly string[]) =>
  tx.$queryRawUnsafe<
    { notice_id: string; mno: string; dso: string; site_ids: string[]; site_refs: string[]; earliest: Date; etr: Date | null }[]
  >(
    `SELECT i.notice_id::text, i.mno_org_id::text AS mno, n.dso_org_id::text AS dso, array_agg(i.site_id::text) AS site_ids,
              array_agg(s.site_id) AS site_refs, min(i.exhaustion_time) AS earliest, n.expected_outage_end_time AS etr
         FROM outage_site_impact i
         JOIN energy_outage_notice n ON n.id = i.notice_id
         JOIN mno_site s ON s.id = i.site_id
        WHERE n.status = ANY($1::text[]) AND i.exhaustion_time IS NOT NULL
          AND (n.expected_outage_end_time IS NULL OR i.exhaustion_time < n.expected_outage_end_time)
          AND i.risk_notified_for IS DISTINCT FROM coalesce(n.expected_outage_end_time, 'infinity'::timestamptz)
        GROUP BY i.notice_id, i.mno_org_id, n.dso_org_id, n.expected_outage_end_time`,
    [...statuses],
  );

/** These sites' exhaustion risk has been announced for this ETR (none: for an open-ended outage). */
export const markRiskNotified = (tx: SqlTx, noticeId: string, siteIds: string[], etr: Date | null) =>
  tx.$executeRawUnsafe(
    `UPDATE outage_site_impact SET risk_notified_for = coalesce($3::timestamptz, 'infinity'::timestamptz) WHERE notice_id = $1::uuid AND site_id = ANY($2::uuid[])`,
    noticeId,
    siteIds,
    etr,
  );
