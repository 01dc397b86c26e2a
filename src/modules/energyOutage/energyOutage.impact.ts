import type { Reader, Tx } from '../../db/client.js';
import { parseArea } from '../../geo/geo.js';
import type { NoticeImpact } from '../notice/notice.impact.js';
import { ACTIVE_OUTAGE } from './energyOutage.lifecycle.js';
import { impactCounts, impactedSitesOf, mnoSitesMatching, type ImpactedSiteRow } from './energyOutage.repository.js';
import type { OutageNoticeDoc } from './energyOutage.types.js';

/**
 * EO-1 impact: which of each audience MNO's sites are inside the outage area or fed by a
 * listed energy supply, with backup autonomy and the time each runs out. The MNO sees its
 * sites; the DSO only per-MNO aggregates (never the MNO's site list).
 */
export interface MnoSummary {
  mno: { id: string; name?: string; '@referredType': 'Organization' };
  impactedSites: number;
  prioritySites: number;
  earliestExhaustion: string | null;
  sitesExhaustingBeforeEtr: number;
  priorityRequests: number;
}

export function autonomyMinutes(
  s: Pick<ImpactedSiteRow, 'ups_installed' | 'ups_capacity_minutes' | 'remaining_minutes' | 'generator'>,
): number | null {
  if (s.remaining_minutes != null) return s.remaining_minutes;
  if (s.ups_installed) return s.ups_capacity_minutes ?? null;
  return s.generator ? null : 0;
}

/** When the site's battery runs out, counted from the outage start; null with a generator or unknown autonomy. */
export function exhaustionTime(s: ImpactedSiteRow, start: Date): Date | null {
  if (s.generator) return null;
  const m = autonomyMinutes(s);
  return m == null ? null : new Date(start.getTime() + m * 60_000);
}

type OutageTimes = Pick<OutageNoticeDoc, 'outageStartTime' | 'reportedStartTime' | 'creationDate' | 'expectedOutageEndTime'>;

export const outageStart = (doc: OutageTimes): Date => new Date(doc.outageStartTime ?? doc.reportedStartTime ?? doc.creationDate);
export const etrOf = (doc: OutageTimes): Date | null => (doc.expectedOutageEndTime ? new Date(doc.expectedOutageEndTime) : null);

export async function matchSites(tx: Tx, doc: OutageNoticeDoc, mnoIds: string[]): Promise<ImpactedSiteRow[]> {
  const area = doc.affectedArea ?? {};
  if (mnoIds.length === 0) return [];
  return mnoSitesMatching(tx, {
    mnoIds,
    area: area.outageArea ? parseArea(area.outageArea) : undefined,
    energySupplyIds: area.energySupplyId?.length ? area.energySupplyId : undefined,
  });
}

export function presentImpactedSite(s: ImpactedSiteRow, start: Date, etr: Date | null) {
  const ex = exhaustionTime(s, start);
  return {
    id: s.id,
    siteId: s.site_id,
    ...(s.name ? { name: s.name } : {}),
    location: { type: 'Point', coordinates: [s.lon, s.lat] },
    matchedBy: s.matched_by,
    ...(s.energy_supply_id ? { energySupplyId: s.energy_supply_id } : {}),
    priority: s.priority,
    backupPower: {
      upsInstalled: s.ups_installed,
      ...(s.ups_capacity_minutes != null ? { upsCapacityMinutes: s.ups_capacity_minutes } : {}),
      ...(s.remaining_minutes != null ? { remainingMinutes: s.remaining_minutes } : {}),
      generator: s.generator,
    },
    backupAutonomyMinutes: autonomyMinutes(s),
    exhaustionTime: ex?.toISOString() ?? null,
    exhaustsBeforeEtr: ex != null && (etr == null || ex < etr),
  };
}

export async function summaries(tx: Reader, doc: OutageNoticeDoc): Promise<MnoSummary[]> {
  const { audience } = doc;
  const etr = etrOf(doc);
  const rows = await impactCounts(
    tx,
    doc.id,
    etr,
    audience.map((a) => a.id),
  );
  return rows.map((r) => {
    const org = audience.find((a) => a.id === r.mno);
    return {
      mno: { id: r.mno, ...(org?.name ? { name: org.name } : {}), '@referredType': 'Organization' as const },
      impactedSites: Number(r.n),
      prioritySites: Number(r.prio),
      earliestExhaustion: r.earliest?.toISOString() ?? null,
      sitesExhaustingBeforeEtr: Number(r.before_etr),
      priorityRequests: Number(r.requests),
    };
  });
}

/** EO-1 impact as the notice core refreshes and shows it. */
export const outageImpact: NoticeImpact<ImpactedSiteRow, OutageNoticeDoc> = {
  table: 'outage_site_impact',
  recipientColumn: 'mno_org_id',
  columns: { exhaustion_time: 'timestamptz', risk_notified_for: 'timestamptz', created_at: 'timestamptz' },
  compare: ['exhaustion_time'],
  views: { publisher: 'dso', audience: 'mno' },
  eventType: 'EnergyOutageImpactChangeEvent',
  resourceType: 'energyOutageImpact',
  affects: (doc) => ACTIVE_OUTAGE.includes(doc.status) || doc.status === 'restored',
  match: matchSites,
  values(site, old, doc, t) {
    const ex = exhaustionTime(site, outageStart(doc));
    // A risk already announced for this exhaustion time is not announced again.
    const risk =
      old && ((old.exhaustion_time as Date | null)?.getTime() ?? null) === (ex?.getTime() ?? null) ? old.risk_notified_for : null;
    return { exhaustion_time: ex, risk_notified_for: risk, created_at: t };
  },
  presenter(doc) {
    const start = outageStart(doc);
    const etr = etrOf(doc);
    return (site) => presentImpactedSite(site, start, etr);
  },
  describe: (sites) => `${sites.length} of your sites impacted`,
  summaries,
  async sitesOf(tx, doc, mnoId) {
    const rows = await impactedSitesOf(tx, doc.id, mnoId);
    return rows.map((s) => presentImpactedSite(s, outageStart(doc), etrOf(doc)));
  },
};
