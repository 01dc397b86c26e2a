import type { Reader, Tx } from '../../db/client.js';
import { parseArea } from '../../geo/geo.js';
import type { NoticeImpact } from '../notice/notice.impact.js';
import { AFFECTING } from './networkStatus.lifecycle.js';
import { publisherOf } from '../notice/notice.audience.js';
import { affectedSiteRows, dsoSitesMatching, recommendationCounts, type AffectedSiteRow } from './networkStatus.repository.js';
import type { NetworkNoticeDoc } from './networkStatus.types.js';

/**
 * NS-1 impact: which of each audience DSO's own sites, served by the publishing MNO, are
 * inside the notice's area or use a listed cell, each with a recommendation. The DSO sees
 * its sites; the MNO only counts per DSO (never a DSO's site list), and no DSO sees
 * another's.
 */
export type Recommendation = 'failOver' | 'monitor';

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
export function noticeIdentifiers(
  doc: Pick<NetworkNoticeDoc, 'maintenanceWindow'> & { affectedArea?: NetworkNoticeDoc['affectedArea'] },
): string[] {
  const area = doc.affectedArea ?? {};
  const windows = doc.maintenanceWindow ?? [];
  return [...new Set([...(area.cellId ?? []), ...(area.trackingAreaId ?? []), ...windows.flatMap((w) => w.cellId ?? [])])];
}

export async function matchSites(tx: Tx, doc: NetworkNoticeDoc, dsoIds: string[]): Promise<AffectedSiteRow[]> {
  if (dsoIds.length === 0) return [];
  const geoArea = doc.affectedArea?.geoArea;
  return dsoSitesMatching(tx, {
    dsoIds,
    mnoId: publisherOf(doc),
    area: geoArea ? parseArea(geoArea, 'affectedArea.geoArea') : undefined,
    identifiers: noticeIdentifiers(doc),
  });
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
export async function affectedSitesOf(tx: Reader, doc: NetworkNoticeDoc, dsoId: string) {
  const rows = await affectedSiteRows(tx, doc.id, dsoId);
  const ids = noticeIdentifiers(doc);
  return rows.map((r) => presentAffectedSite(r, r.recommendation, ids, r.created_at));
}

/** What the MNO may know: per audience DSO, counts only. */
export async function summaries(tx: Reader, doc: NetworkNoticeDoc): Promise<DsoSummary[]> {
  const { audience } = doc;
  const rows = await recommendationCounts(
    tx,
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

/** NS-1 impact as the notice core refreshes and shows it. */
export const networkImpact: NoticeImpact<AffectedSiteRow, NetworkNoticeDoc> = {
  table: 'network_site_impact',
  recipientColumn: 'dso_org_id',
  columns: { recommendation: 'text', created_at: 'timestamptz' },
  compare: ['recommendation'],
  views: { publisher: 'mno', audience: 'dso' },
  eventType: 'NetworkStatusImpactChangeEvent',
  resourceType: 'networkStatusImpact',
  affects: (doc) => AFFECTING.includes(doc.status),
  match: matchSites,
  // A site stays affected since it was first matched.
  values: (site, old, doc, t) => ({
    recommendation: recommendationFor(doc.impact, site.criticality),
    created_at: old?.created_at ?? t,
  }),
  presenter(doc) {
    const ids = noticeIdentifiers(doc);
    return (site, v) => presentAffectedSite(site, v.recommendation as string, ids, v.created_at as Date);
  },
  describe(sites) {
    const failOver = sites.filter((s) => s.recommendation === 'failOver').length;
    return `${sites.length} of your sites affected, ${failOver} to fail over`;
  },
  summaries,
  sitesOf: affectedSitesOf,
};
