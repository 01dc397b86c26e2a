import type { JsonObject } from '../../http/patch.js';
import { historyTimeline, incidentTimeline, type TimelineEntry } from './sla.clock.js';
import { slaClass, type ItilPriority } from './priority.js';
import { finalSql, RESOURCES, type ResourceEntry } from '../registry.js';

/**
 * The resources SLA clocks run on, read straight from their tables (the SLA job and the
 * KPI report are platform-level readers, not tenant requests; the KPI handler checks the
 * caller's partnership first).
 */
export type SlaResourceType = 'troubleTicket' | 'serviceProblem' | 'incident';
export const SLA_RESOURCE_TYPES: SlaResourceType[] = ['troubleTicket', 'serviceProblem', 'incident'];

export interface SlaSource {
  table: string;
  reporter: string;
  responsible: string;
  /** SQL condition: the resource is in a final state. */
  final: string;
  /** Column: when it last changed state. */
  changed: string;
  referredType: string;
}

/** Read from the registry: a two-party resource's reporter and responsible are its tenancy columns. */
function source(r: ResourceEntry): SlaSource {
  const [reporter, responsible] = r.store.def.tenancy;
  if (!reporter || !responsible || !r.stateChanged) throw new Error(`${r.type} is not a two-party resource with a lifecycle`);
  return { table: r.store.def.table, reporter, responsible, final: finalSql(r), changed: r.stateChanged, referredType: r.referredType };
}

export const SOURCES: Record<SlaResourceType, SlaSource> = {
  troubleTicket: source(RESOURCES.troubleTicket),
  serviceProblem: source(RESOURCES.serviceProblem),
  incident: source(RESOURCES.incident),
};

export interface SlaSubject {
  type: SlaResourceType;
  id: string;
  reporterOrgId: string;
  responsibleOrgId: string;
  creationDate: Date;
  doc: JsonObject;
  priority: ItilPriority;
  timeline: TimelineEntry[];
}

/** A resource row as the SLA reads it (sla.repository.ts `loadSubjects`). */
export interface SubjectRow {
  id: string;
  a: string;
  b: string;
  creation_date: Date;
  ack_time?: Date | null;
  cleared_at?: Date | null;
  doc: JsonObject;
}

export function subjectOf(type: SlaResourceType, r: SubjectRow): SlaSubject {
  return {
    type,
    id: r.id,
    reporterOrgId: r.a,
    responsibleOrgId: r.b,
    creationDate: r.creation_date,
    doc: r.doc,
    priority: slaClass(type, r.doc),
    timeline:
      type === 'incident'
        ? incidentTimeline(r.creation_date, r.ack_time ?? null, r.cleared_at ?? null)
        : historyTimeline(r.doc.statusChangeHistory, r.creation_date, r.doc.handOverDate),
  };
}

export interface Targets {
  responseMinutes: number;
  resolutionMinutes: number;
}

/** Used only if the sla_tier_target table has been emptied. */
const BUILT_IN: Record<ItilPriority, Targets> = {
  1: { responseMinutes: 15, resolutionMinutes: 240 },
  2: { responseMinutes: 30, resolutionMinutes: 480 },
  3: { responseMinutes: 120, resolutionMinutes: 1440 },
  4: { responseMinutes: 480, resolutionMinutes: 4320 },
  5: { responseMinutes: 1440, resolutionMinutes: 10080 },
};

export interface TargetTable {
  rows: { tier: string; priority: number; responseMinutes: number; resolutionMinutes: number }[];
  /** Targets for a tier and priority; unknown tiers use `standard`. */
  of(tier: string, priority: ItilPriority): Targets & { tier: string };
}

/** The target table over the `sla_tier_target` rows. */
export function targetTable(rows: TargetTable['rows']): TargetTable {
  const map = new Map(rows.map((r) => [`${r.tier}:${r.priority}`, r]));
  return {
    rows,
    of(tier, priority) {
      const hit = map.get(`${tier}:${priority}`);
      if (hit) return { tier, responseMinutes: hit.responseMinutes, resolutionMinutes: hit.resolutionMinutes };
      const std = map.get(`standard:${priority}`);
      if (std) return { tier: 'standard', responseMinutes: std.responseMinutes, resolutionMinutes: std.resolutionMinutes };
      return { tier: 'standard', ...BUILT_IN[priority] };
    },
  };
}

export interface PartnershipInfo {
  id: string;
  tier: string;
}

export type PartnerLookup = (a: string, b: string) => PartnershipInfo | undefined;

/** Partnerships by organisation pair (either order). */
export function partnerLookup(rows: { id: string; dsoId: string; mnoId: string; tier: string }[]): PartnerLookup {
  const map = new Map<string, PartnershipInfo>();
  for (const r of rows) {
    map.set(`${r.dsoId}|${r.mnoId}`, { id: r.id, tier: r.tier });
    map.set(`${r.mnoId}|${r.dsoId}`, { id: r.id, tier: r.tier });
  }
  return (a, b) => map.get(`${a}|${b}`);
}
