import type { Reader, Tx } from '../../db/client.js';
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

interface Row {
  id: string;
  a: string;
  b: string;
  creation_date: Date;
  ack_time?: Date | null;
  cleared_at?: Date | null;
  doc: JsonObject;
}

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
  tx: Reader,
  type: SlaResourceType,
  where: string,
  params: unknown[],
  suffix = '',
  opts: { slim?: boolean } = {},
): Promise<SlaSubject[]> {
  const s = SOURCES[type];
  const extra = type === 'incident' ? ', ack_time, cleared_at' : '';
  // Issue 11: a ticket without a responsible partner has no SLA until one is named.
  const rows = await tx.$queryRawUnsafe<Row[]>(
    `SELECT id::text AS id, ${s.reporter}::text AS a, ${s.responsible}::text AS b, creation_date, ${opts.slim ? SLIM_DOC : 'doc'} AS doc${extra}
       FROM ${s.table} WHERE (${where}) AND ${s.responsible} IS NOT NULL ${suffix}`,
    ...params,
  );
  return rows.map((r) => ({
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
  }));
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

export async function loadTargets(tx: Tx): Promise<TargetTable> {
  const rows = await tx.slaTierTarget.findMany({ orderBy: [{ tier: 'asc' }, { priority: 'asc' }] });
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
export async function loadPartnerships(tx: Tx): Promise<PartnerLookup> {
  const rows = await tx.partnership.findMany({ select: { id: true, dsoId: true, mnoId: true, tier: true } });
  const map = new Map<string, PartnershipInfo>();
  for (const r of rows) {
    map.set(`${r.dsoId}|${r.mnoId}`, { id: r.id, tier: r.tier });
    map.set(`${r.mnoId}|${r.dsoId}`, { id: r.id, tier: r.tier });
  }
  return (a, b) => map.get(`${a}|${b}`);
}
