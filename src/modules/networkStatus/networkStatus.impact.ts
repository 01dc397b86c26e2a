import type { Tx } from '../../db/client.js';
import type { NewEvent } from '../../events/outbox.js';
import { parseArea, siteMatchQuery } from '../../geo/geo.js';
import type { JsonObject } from '../../http/patch.js';
import { AFFECTING, type NetworkStatus } from './networkStatus.lifecycle.js';

/**
 * NS-1 impact: which of each audience DSO's own sites, served by the publishing MNO, are
 * inside the notice's area or use a listed cell, each with a recommendation. The DSO sees
 * its sites; the MNO only counts per DSO (never a DSO's site list), and no DSO sees
 * another's.
 */
export type Recommendation = 'failOver' | 'monitor';
export type MatchedBy = 'area' | 'cell' | 'both';

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

export interface DsoSummary {
  dso: { id: string; name?: string; '@referredType': 'Organization' };
  affectedSites: number;
  failOver: number;
  monitor: number;
}

/** Fail over when the network is down, or when a high-criticality site's link is degraded or intermittent. */
export function recommendationFor(impact: string, criticality: string): Recommendation {
  if (impact === 'down') return 'failOver';
  return criticality === 'high' ? 'failOver' : 'monitor';
}

/** Every radio identifier the notice names: cells, tracking areas, maintenance-window cells. */
export function noticeIdentifiers(doc: JsonObject): string[] {
  const area = (doc.affectedArea ?? {}) as { cellId?: string[]; trackingAreaId?: string[] };
  const windows = (doc.maintenanceWindow ?? []) as { cellId?: string[] }[];
  return [...new Set([...(area.cellId ?? []), ...(area.trackingAreaId ?? []), ...windows.flatMap((w) => w.cellId ?? [])])];
}

export async function matchSites(tx: Tx, doc: JsonObject, dsoIds: string[]): Promise<AffectedSiteRow[]> {
  if (dsoIds.length === 0) return [];
  const geoArea = (doc.affectedArea as { geoArea?: unknown } | undefined)?.geoArea;
  const ids = noticeIdentifiers(doc);
  const params: unknown[] = [dsoIds, (doc.publisher as { id: string }).id];
  const sql = siteMatchQuery({
    table: 'dso_site',
    columns: 'id::text, site_id, org_id::text, name, kind, location[0] AS lon, location[1] AS lat, criticality, cell_ids',
    scope: 'org_id = ANY($1::uuid[]) AND $2::uuid = ANY(mno_org_ids)',
    area: geoArea ? parseArea(geoArea, 'affectedArea.geoArea') : undefined,
    by: ids.length ? (p) => `cell_ids && $${p.push(ids)}::text[]` : undefined,
    byLabel: 'cell',
    params,
  });
  return sql ? tx.$queryRawUnsafe<AffectedSiteRow[]>(sql, ...params) : [];
}

export function presentAffectedSite(s: AffectedSiteRow, recommendation: string, ids: string[], since: Date) {
  const matchedCellId = s.cell_ids.filter((c) => ids.includes(c));
  return {
    id: s.id,
    siteId: s.site_id,
    ...(s.name ? { name: s.name } : {}),
    kind: s.kind,
    location: { type: 'Point', coordinates: [s.lon, s.lat] },
    criticality: s.criticality,
    matchedBy: s.matched_by,
    ...(matchedCellId.length ? { matchedCellId } : {}),
    recommendation,
    affectedSince: since.toISOString(),
  };
}

/** Current affected sites of a notice for one DSO (from the stored impact rows). */
export async function affectedSitesOf(tx: Tx, doc: JsonObject, dsoId: string) {
  const rows = await tx.$queryRawUnsafe<(AffectedSiteRow & { recommendation: string; created_at: Date })[]>(
    `SELECT s.id::text, s.site_id, s.org_id::text, s.name, s.kind, s.location[0] AS lon, s.location[1] AS lat, s.criticality, s.cell_ids,
            i.matched_by, i.recommendation, i.created_at
       FROM network_site_impact i JOIN dso_site s ON s.id = i.site_id
      WHERE i.notice_id = $1::uuid AND i.dso_org_id = $2::uuid AND s.org_id = $2::uuid ORDER BY s.site_id`,
    doc.id,
    dsoId,
  );
  const ids = noticeIdentifiers(doc);
  return rows.map((r) => presentAffectedSite(r, r.recommendation, ids, r.created_at));
}

/** What the MNO may know: per audience DSO, counts only. */
export async function summaries(tx: Tx, doc: JsonObject): Promise<DsoSummary[]> {
  const audience = (doc.audience ?? []) as { id: string; name?: string }[];
  const rows = await tx.$queryRawUnsafe<{ dso: string; n: bigint; fail_over: bigint; monitor: bigint }[]>(
    `SELECT a.dso,
            count(i.site_id) AS n,
            count(i.site_id) FILTER (WHERE i.recommendation = 'failOver') AS fail_over,
            count(i.site_id) FILTER (WHERE i.recommendation = 'monitor') AS monitor
       FROM unnest($2::uuid[]) AS a(dso)
       LEFT JOIN network_site_impact i ON i.notice_id = $1::uuid AND i.dso_org_id = a.dso
      GROUP BY a.dso`,
    doc.id,
    audience.map((a) => a.id),
  );
  return audience.map((org) => {
    const r = rows.find((x) => x.dso === org.id);
    return {
      dso: { id: org.id, ...(org.name ? { name: org.name } : {}), '@referredType': 'Organization' as const },
      affectedSites: Number(r?.n ?? 0),
      failOver: Number(r?.fail_over ?? 0),
      monitor: Number(r?.monitor ?? 0),
    };
  });
}

/**
 * Recomputes and stores a notice's impact (in the caller's transaction); returns the
 * impact-change events: to each DSO whose affected sites changed, its own sites; to the
 * MNO, the counts per DSO.
 */
export async function refreshImpact(tx: Tx, doc: JsonObject, t: Date, originator: string): Promise<NewEvent[]> {
  const noticeId = doc.id as string;
  const mnoId = (doc.publisher as { id: string }).id;
  const audience = ((doc.audience ?? []) as { id: string }[]).map((a) => a.id);
  const status = doc.status as NetworkStatus;
  const impact = doc.impact as string;
  const matched = AFFECTING.includes(status) ? await matchSites(tx, doc, audience) : [];
  const old = await tx.$queryRawUnsafe<
    { site_id: string; dso_org_id: string; matched_by: string; recommendation: string; created_at: Date }[]
  >(
    'SELECT site_id::text, dso_org_id::text, matched_by, recommendation, created_at FROM network_site_impact WHERE notice_id = $1::uuid',
    noticeId,
  );
  const oldBy = new Map(old.map((o) => [o.site_id, o]));
  const changedDsos = new Set<string>();
  const next = matched.map((s) => {
    const recommendation = recommendationFor(impact, s.criticality);
    const o = oldBy.get(s.id);
    if (!o || o.matched_by !== s.matched_by || o.recommendation !== recommendation) changedDsos.add(s.org_id);
    return { s, recommendation, since: o?.created_at ?? t };
  });
  const nextIds = new Set(matched.map((s) => s.id));
  for (const o of old) if (!nextIds.has(o.site_id)) changedDsos.add(o.dso_org_id);

  await tx.$executeRawUnsafe('DELETE FROM network_site_impact WHERE notice_id = $1::uuid', noticeId);
  if (next.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO network_site_impact (notice_id, site_id, dso_org_id, matched_by, recommendation, created_at)
       SELECT $1::uuid, x.site_id, x.dso, x.matched_by, x.recommendation, x.since
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[]) AS x(site_id, dso, matched_by, recommendation, since)`,
      noticeId,
      next.map((n) => n.s.id),
      next.map((n) => n.s.org_id),
      next.map((n) => n.s.matched_by),
      next.map((n) => n.recommendation),
      next.map((n) => n.since),
    );
  }
  if (changedDsos.size === 0) return [];
  const ids = noticeIdentifiers(doc);
  const events: NewEvent[] = [];
  for (const dso of changedDsos) {
    const sites = next.filter((n) => n.s.org_id === dso).map((n) => presentAffectedSite(n.s, n.recommendation, ids, n.since));
    const failOver = sites.filter((s) => s.recommendation === 'failOver').length;
    events.push({
      eventType: 'NetworkStatusImpactChangeEvent',
      resourceType: 'networkStatusImpact',
      resource: { id: noticeId, notice: { id: noticeId }, view: 'dso', sites },
      audience: [dso],
      originatorOrgId: originator,
      eventTime: t,
      description: `${sites.length} of your sites affected, ${failOver} to fail over`,
    });
  }
  events.push({
    eventType: 'NetworkStatusImpactChangeEvent',
    resourceType: 'networkStatusImpact',
    resource: { id: noticeId, notice: { id: noticeId }, view: 'mno', summary: await summaries(tx, doc) },
    audience: [mnoId],
    originatorOrgId: originator,
    eventTime: t,
  });
  return events;
}
