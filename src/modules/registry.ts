import { createResourceStore, type ColumnDef, type ResourceStore, type ResourceTableDef, type StoredDoc } from '../db/resourceStore.js';
import type { HubDescriptor } from '../events/webhooks.js';
import { INCIDENT_BASE } from './incident/incident.presenter.js';
import { SERVICE_PROBLEM_BASE } from './serviceProblem/serviceProblem.presenter.js';
import { TROUBLE_TICKET_BASE } from './troubleTicket/troubleTicket.presenter.js';
import type { OutageNoticeDoc } from './energyOutage/energyOutage.types.js';
import type { NetworkNoticeDoc } from './networkStatus/networkStatus.types.js';
import type { DsoSiteDoc, MnoSiteDoc } from './site/site.types.js';
import type { StoredIncident, StoredIncidentTask } from './incident/incident.types.js';
import type { StoredProblem, StoredProblemTask } from './serviceProblem/serviceProblem.types.js';
import type { StoredTicket } from './troubleTicket/troubleTicket.types.js';

/**
 * The resource registry: one definition per tenant-scoped resource — its table, who may see a
 * row (tenancy), the promoted columns that filters and sorts use, where its API lives, its
 * final states — and the one store built from it. Services take their store from here; links,
 * SLA clocks, exports and hubs derive what they need from the same entries, so a tenancy rule
 * is declared once per resource (issue 15).
 */
export interface ResourceEntry<D = StoredDoc> {
  /**
   * Resource type as events, links, hubs, SLA clocks and exports name it (`troubleTicket`).
   * A task table holds several event resource types (`problemAcknowledgement`, …); its entry
   * is named for the table (`problemTask`).
   */
  type: string;
  /** `@type` / `@referredType` of its representation. */
  referredType: string;
  /** Name of the OpenAPI document that serves it, and that document's base path. */
  api: string;
  basePath: string;
  /** Tenant-scoped access: the only way modules read the table (src/db/resourceStore.ts). */
  store: ResourceStore<D>;
  /** When a row is in a final state: the column and its final values. */
  final?: { column: string; values: readonly string[] };
  /** Column: when the row last changed state (a final row is still looked at for a while after). */
  stateChanged?: string;
}

/** `D`: the stored-document type the module declares (default: an untyped JSON object). */
const entry = <D = StoredDoc>(e: Omit<ResourceEntry<D>, 'store'> & { table: ResourceTableDef }): ResourceEntry<D> => {
  const { table, ...rest } = e;
  return { ...rest, store: createResourceStore<D>(table) };
};

/** A reporter (first tenancy column) and a responsible organisation (second); never the same one. */
const TWO_PARTY = ['reporter_org_id', 'responsible_org_id'] as const;
const PROBLEM_PARTIES = ['originator_org_id', 'responsible_org_id'] as const;
const TMF_FINAL = { column: 'status', values: ['closed', 'cancelled', 'rejected'] } as const;

export const troubleTicket = entry<StoredTicket>({
  type: 'troubleTicket',
  referredType: 'TroubleTicket',
  api: 'troubleTicket',
  basePath: TROUBLE_TICKET_BASE,
  final: TMF_FINAL,
  stateChanged: 'status_change_date',
  /** Promoted columns: filters and sorts on these use indexes instead of the JSON document. */
  table: {
    table: 'trouble_ticket',
    tenancy: TWO_PARTY,
    disjointTenancy: true, // create refuses an organisation filing with itself
    columns: {
      status: { column: 'status', type: 'string', notNull: true },
      severity: { column: 'severity', type: 'string', notNull: true },
      ticketType: { column: 'ticket_type', type: 'string', notNull: true },
      priority: { column: 'priority', type: 'string' },
      name: { column: 'name', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date', notNull: true },
      lastUpdate: { column: 'last_update', type: 'date', notNull: true },
      statusChangeDate: { column: 'status_change_date', type: 'date', notNull: true },
      requestedResolutionDate: { column: 'requested_resolution_date', type: 'date' },
      expectedResolutionDate: { column: 'expected_resolution_date', type: 'date' },
      resolutionDate: { column: 'resolution_date', type: 'date' },
    },
  },
});

export const serviceProblem = entry<StoredProblem>({
  type: 'serviceProblem',
  referredType: 'ServiceProblem',
  api: 'serviceProblem',
  basePath: SERVICE_PROBLEM_BASE,
  final: TMF_FINAL,
  stateChanged: 'status_change_date',
  table: {
    table: 'service_problem',
    tenancy: PROBLEM_PARTIES,
    disjointTenancy: true, // create refuses an organisation filing with itself
    columns: {
      status: { column: 'status', type: 'string' },
      priority: { column: 'priority', type: 'number' },
      category: { column: 'category', type: 'string' },
      name: { column: 'name', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
      lastUpdate: { column: 'last_update', type: 'date' },
      statusChangeDate: { column: 'status_change_date', type: 'date' },
      resolutionDate: { column: 'resolution_date', type: 'date' },
    },
  },
});

/** The four TMF656 task resources share one table; `@type` tells them apart. */
export const problemTask = entry<StoredProblemTask>({
  type: 'problemTask',
  referredType: 'ProblemTask',
  api: 'serviceProblem',
  basePath: SERVICE_PROBLEM_BASE,
  table: {
    table: 'service_problem_task',
    tenancy: PROBLEM_PARTIES,
    columns: {
      '@type': { column: 'task_type', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
    },
  },
});

export const eventRecord = entry({
  type: 'eventRecord',
  referredType: 'EventRecord',
  api: 'serviceProblem',
  basePath: SERVICE_PROBLEM_BASE,
  table: {
    table: 'service_problem_event_record',
    tenancy: PROBLEM_PARTIES,
    columns: {
      eventType: { column: 'event_type', type: 'string' },
      eventTime: { column: 'event_time', type: 'date' },
      recordTime: { column: 'record_time', type: 'date' },
    },
  },
});

export const incident = entry<StoredIncident>({
  type: 'incident',
  referredType: 'Incident',
  api: 'incident',
  basePath: INCIDENT_BASE,
  final: { column: 'state', values: ['cleared'] },
  stateChanged: 'cleared_at',
  table: {
    table: 'incident',
    tenancy: TWO_PARTY,
    disjointTenancy: true, // create refuses an organisation filing with itself
    columns: {
      state: { column: 'state', type: 'string' },
      ackState: { column: 'ack_state', type: 'string' },
      priority: { column: 'priority', type: 'string' },
      category: { column: 'category', type: 'string' },
      domain: { column: 'domain', type: 'string' },
      name: { column: 'name', type: 'string' },
      occurTime: { column: 'occur_time', type: 'date' },
      creationDate: { column: 'creation_date', type: 'date' },
      updateTime: { column: 'update_time', type: 'date' },
      ackTime: { column: 'ack_time', type: 'date' },
      clearTime: { column: 'clear_time', type: 'date' },
    },
  },
});

export const incidentTask = entry<StoredIncidentTask>({
  type: 'incidentTask',
  referredType: 'IncidentTask',
  api: 'incident',
  basePath: INCIDENT_BASE,
  table: {
    table: 'incident_task',
    tenancy: TWO_PARTY,
    columns: {
      '@type': { column: 'task_type', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
    },
  },
});

/** EO-1: the publishing DSO and the MNOs of its audience see a notice. */
export const energyOutageNotice = entry<OutageNoticeDoc>({
  type: 'energyOutageNotice',
  referredType: 'EnergyOutageNotice',
  api: 'energyOutage',
  basePath: '/tmf-api/energyOutage/v1',
  table: {
    table: 'energy_outage_notice',
    tenancy: ['dso_org_id', 'audience[]'],
    columns: {
      status: { column: 'status', type: 'string' },
      outageKind: { column: 'outage_kind', type: 'string' },
      causeKind: { column: 'cause_kind', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
      lastUpdate: { column: 'last_update', type: 'date' },
      outageStartTime: { column: 'outage_start_time', type: 'date' },
      expectedOutageEndTime: { column: 'expected_outage_end_time', type: 'date' },
      actualOutageEndTime: { column: 'actual_outage_end_time', type: 'date' },
    },
  },
});

/** The publishing MNO and the DSOs of its audience see a notice. */
export const networkStatusNotice = entry<NetworkNoticeDoc>({
  type: 'networkStatusNotice',
  referredType: 'NetworkStatusNotice',
  api: 'networkStatus',
  basePath: '/tmf-api/networkStatus/v1',
  table: {
    table: 'network_status_notice',
    tenancy: ['mno_org_id', 'audience[]'],
    columns: {
      status: { column: 'status', type: 'string' },
      impact: { column: 'impact', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
      lastUpdate: { column: 'last_update', type: 'date' },
      startTime: { column: 'start_time', type: 'date' },
      expectedRestorationTime: { column: 'expected_restoration_time', type: 'date' },
    },
  },
});

/** Site registers: the owner organisation is the only one that sees a site. */
const site = <D>(type: 'mnoSite' | 'dsoSite', columns: Record<string, ColumnDef>) =>
  entry<D>({
    type,
    referredType: type === 'mnoSite' ? 'MnoSite' : 'DsoSite',
    api: 'siteRegister',
    basePath: '/tmf-api/siteRegister/v1',
    table: {
      table: type === 'mnoSite' ? 'mno_site' : 'dso_site',
      tenancy: ['org_id'],
      versioned: false,
      columns: {
        siteId: { column: 'site_id', type: 'string' },
        name: { column: 'name', type: 'string' },
        createdAt: { column: 'created_at', type: 'date' },
        lastUpdate: { column: 'last_update', type: 'date' },
        ...columns,
      },
    },
  });
export const mnoSite = site<MnoSiteDoc>('mnoSite', {
  energySupplyId: { column: 'energy_supply_id', type: 'string' },
  priority: { column: 'priority', type: 'boolean' },
});
export const dsoSite = site<DsoSiteDoc>('dsoSite', {
  kind: { column: 'kind', type: 'string' },
  criticality: { column: 'criticality', type: 'string' },
});

/** ETL-1: an organisation sees only its own exports. */
export const dataExport = entry({
  type: 'dataExport',
  referredType: 'DataExport',
  api: 'report',
  basePath: '/tmf-api/gridlinkReport/v1',
  table: {
    table: 'data_export',
    tenancy: ['organization_id'],
    columns: {
      day: { column: 'day', type: 'string' },
      creationDate: { column: 'creation_date', type: 'date' },
    },
  },
});

const utc = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** GW-2: an organisation's admins see its own audit rows (the platform admin, every row). */
export const auditRecord = entry({
  type: 'auditRecord',
  referredType: 'AuditRecord',
  api: 'audit',
  basePath: '/tmf-api/audit/v1',
  table: {
    table: 'audit_log',
    tenancy: ['organization_id'],
    versioned: false,
    id: { pattern: /^\d{1,18}$/, cast: 'bigint' },
    docSql: `jsonb_strip_nulls(jsonb_build_object('id', id::text, '@type', 'AuditRecord',
  'time', ${utc('time')}, 'requestId', request_id, 'credentialId', credential_id,
  'credentialKind', credential_kind, 'organizationId', organization_id, 'method', method, 'path', path, 'operation', operation,
  'resourceType', resource_type, 'resourceId', resource_id, 'counterpartOrgId', counterpart_org_id, 'status', status,
  'outcome', outcome, 'durationMs', duration_ms, 'remoteAddress', remote_address, 'detail', detail, 'userId', user_id, 'userEmail', user_email,
  'sanitized', sanitized))`,
    columns: {
      time: { column: 'time', type: 'date' },
      status: { column: 'status', type: 'number' },
      outcome: { column: 'outcome', type: 'string' },
      operation: { column: 'operation', type: 'string' },
      organizationId: { column: 'organization_id::text', type: 'string' },
      counterpartOrgId: { column: 'counterpart_org_id::text', type: 'string' },
      resourceId: { column: 'resource_id', type: 'string' },
      requestId: { column: 'request_id', type: 'string' },
      durationMs: { column: 'duration_ms', type: 'number' },
      userId: { column: 'user_id::text', type: 'string' },
      userEmail: { column: 'user_email', type: 'string' },
      sanitized: { column: 'sanitized', type: 'boolean' },
    },
  },
});

/** GW-3: security alarms, seen like audit rows. */
export const securityAlarm = entry({
  type: 'securityAlarm',
  referredType: 'SecurityAlarm',
  api: 'audit',
  basePath: '/tmf-api/audit/v1',
  table: {
    table: 'security_alarm',
    tenancy: ['organization_id'],
    versioned: false,
    docSql: `jsonb_strip_nulls(jsonb_build_object('id', id::text, '@type', 'SecurityAlarm', 'source', source,
  'windowStart', ${utc('window_start')}, 'attempts', attempts,
  'organizationId', organization_id, 'raisedAt', ${utc('raised_at')},
  'blockedUntil', ${utc('blocked_until')}))`,
    columns: {
      raisedAt: { column: 'raised_at', type: 'date' },
      source: { column: 'source', type: 'string' },
      attempts: { column: 'attempts', type: 'number' },
    },
  },
});

/** Every registered resource, by type. */
export const RESOURCES = {
  troubleTicket,
  serviceProblem,
  problemTask,
  eventRecord,
  incident,
  incidentTask,
  energyOutageNotice,
  networkStatusNotice,
  mnoSite,
  dsoSite,
  dataExport,
  auditRecord,
  securityAlarm,
} satisfies Record<string, ResourceEntry>;
export type ResourceType = keyof typeof RESOURCES;

/**
 * The same table without the tenancy clause: only for platform-level readers that are not
 * tenant requests (the platform admin's audit view).
 */
export const unscopedStore = (r: ResourceEntry): ResourceStore => createResourceStore({ ...r.store.def, tenancy: [] });

/** SQL: the resource is in a final state. */
export function finalSql(r: ResourceEntry): string {
  if (!r.final) throw new Error(`${r.type} has no final states`);
  const { column, values } = r.final;
  return values.length === 1 ? `${column} = '${values[0]}'` : `${column} IN (${values.map((v) => `'${v}'`).join(', ')})`;
}

/** The hub (POST /hub) of the API that serves a resource, filtering on that resource's attributes. */
export function resourceHub(r: ResourceEntry, h: Pick<HubDescriptor, 'schema' | 'carries' | 'eventTypes'>): HubDescriptor {
  return { api: r.api, basePath: r.basePath, resourceType: r.type, ...h };
}
