import type { Reader } from '../../db/client.js';
import { siteMatchQuery, type Area } from '../../geo/geo.js';

/**
 * The network status notices' own data access (issue 15, one data-access style): the
 * impact's site matching and its reads, in raw SQL on the handle each function is given. The
 * notice rows and impact rows themselves are the notice core's (`notice.repository.ts`).
 */

export type MatchedBy = 'area' | 'cell' | 'both';

/** An audience DSO's site as the impact matching reads it (from `dso_site`, with how it matched). */
export interface AffectedSiteRow {
  id: string;
  site_id: string;
  org_id: string;
  name: string | null;
  kind: string;
  lon: number;
  lat: number;
  criticality: string;
  cell_ids: string[];
  matched_by: MatchedBy;
}

/** The DSOs' sites served by the MNO that are inside the area or use one of the radio identifiers. */
export async function dsoSitesMatching(
  tx: Reader,
  q: { dsoIds: string[]; mnoId: string; area: Area | undefined; identifiers: string[] },
): Promise<AffectedSiteRow[]> {
  const params: unknown[] = [q.dsoIds, q.mnoId];
  const ids = q.identifiers;
  const sql = siteMatchQuery({
    table: 'dso_site',
    columns: 'id::text, site_id, org_id::text, name, kind, location[0] AS lon, location[1] AS lat, criticality, cell_ids',
    scope: 'org_id = ANY($1::uuid[]) AND $2::uuid = ANY(mno_org_ids)',
    area: q.area,
    by: ids.length ? (p) => `cell_ids && $${p.push(ids)}::text[]` : undefined,
    byLabel: 'cell',
    params,
  });
  return sql ? tx.$queryRawUnsafe<AffectedSiteRow[]>(sql, ...params) : [];
}

/** Current affected sites of a notice for one DSO, with their stored recommendation and since when (from the impact rows). */
export const affectedSiteRows = (tx: Reader, noticeId: string, dsoId: string) =>
  tx.$queryRawUnsafe<(AffectedSiteRow & { recommendation: string; created_at: Date })[]>(
    `SELECT s.id::text, s.site_id, s.org_id::text, s.name, s.kind, s.location[0] AS lon, s.location[1] AS lat, s.criticality, s.cell_ids,
            i.matched_by, i.recommendation, i.created_at
       FROM network_site_impact i JOIN dso_site s ON s.id = i.site_id
      WHERE i.notice_id = $1::uuid AND i.dso_org_id = $2::uuid AND s.org_id = $2::uuid ORDER BY s.site_id`,
    noticeId,
    dsoId,
  );

/** Per audience DSO: affected sites, and how many to fail over or monitor (DSOs without any are left out). */
export const recommendationCounts = (tx: Reader, noticeId: string, dsoIds: string[]) =>
  tx.$queryRawUnsafe<{ dso: string; n: bigint; fail_over: bigint; monitor: bigint }[]>(
    `SELECT a.dso,
            count(i.site_id) AS n,
            count(i.site_id) FILTER (WHERE i.recommendation = 'failOver') AS fail_over,
            count(i.site_id) FILTER (WHERE i.recommendation = 'monitor') AS monitor
       FROM unnest($2::uuid[]) AS a(dso)
       LEFT JOIN network_site_impact i ON i.notice_id = $1::uuid AND i.dso_org_id = a.dso
      GROUP BY a.dso`,
    noticeId,
    dsoIds,
  );
