import crypto from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import type { SqlTx, Tx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { type JsonObject } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import type { LinkService } from '../links/links.service.js';
import { itilPriority, LEVEL } from '../sla/priority.js';
import type { SlaClocks } from '../sla/sla.clocks.js';
import { orgRef } from '../documents.js';
import { PROBLEM_LIFECYCLE, PROBLEM_STATUS_PROFILE, type ProblemSide } from './serviceProblem.lifecycle.js';
import { problemPriority, SERVER_MANAGED } from '../standard.js';
import { standardProblem } from './serviceProblem.presenter.js';
import { createTwoPartyCore } from '../twoParty.js';
import { createRecordRepository } from '../twoParty.repository.js';
import { insertEventRecord } from './serviceProblem.repository.js';
import type { StoredProblem, TrackingRecord } from './serviceProblem.types.js';
import { createProblemTasks } from './serviceProblem.tasks.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

export type { ProblemTaskType } from './serviceProblem.tasks.js';
export type { ProblemRef, TrackingRecord } from './serviceProblem.types.js';
export { TASK_SORTABLE } from './serviceProblem.tasks.js';

const serviceProblemTable = RESOURCES.serviceProblem.store;
export const PROBLEM_SORTABLE = Object.keys(serviceProblemTable.def.columns);

const eventRecordTable = RESOURCES.eventRecord.store;
export const EVENT_RECORD_SORTABLE = Object.keys(eventRecordTable.def.columns);

/** Attributes only one side may change; everything else either side may (notes append-only). */
const ORIGINATOR_ONLY = new Set(['name', 'description', 'category']);
const RESPONSIBLE_ONLY = new Set(['priority', 'rootCauseService', 'rootCauseResource']);
/** Set by the server or by task resources, never by PATCH. */
const SERVER_OWNED = new Set([
  'id',
  'href',
  '@type',
  '@baseType',
  '@schemaLocation',
  'creationDate',
  'lastUpdate',
  'statusChangeDate',
  'statusChangeHistory',
  'resolutionDate',
  'originatorParty',
  'responsibleParty',
  'parentProblem',
  'underlyingProblem',
  'slaViolation',
  'trackingRecord',
  'linkedEntity',
  'errorMessage',
  'impact',
  'urgency',
]);
const REQUIRED = ['description', 'category', 'priority', 'reason', 'status'];
/**
 * Issue 11: properties of the official ServiceProblem_FVO/_MVO that the server manages;
 * values a client sends for them are ignored (openapi/serviceProblem.yaml).
 */
const IGNORED = [...SERVER_MANAGED, 'trackingRecord', 'slaViolation', 'errorMessage'] as const;
const IGNORED_ON_CREATE = [...IGNORED, 'status', 'statusChangeReason', 'parentProblem', 'underlyingProblem'];
/** In a PATCH also Gridlink's own output-only properties, sent back as returned. */
const IGNORED_ON_PATCH = [...IGNORED, 'gridlinkStatus', 'statusChangeHistory', 'linkedEntity', 'impact', 'urgency'];

interface PartyRefInput {
  role?: string;
  partyOrPartyRole?: { id?: string; name?: string; '@referredType'?: string };
}

export interface ProblemSchemas {
  output: JsonSchema;
  create: JsonSchema;
  patch: ValidateFunction;
}

const partiesOf = (doc: Pick<StoredProblem, 'originatorParty' | 'responsibleParty'>) => ({
  originator: doc.originatorParty.partyOrPartyRole.id,
  // Issue 11: undefined while the originator has not named a responsible partner.
  responsible: doc.responsibleParty?.partyOrPartyRole.id,
});
const tracking = (actor: OrganizationActor | undefined, t: Date, description: string, input?: TrackingRecord): TrackingRecord => ({
  ...(input ?? {}),
  id: crypto.randomUUID(),
  description: input?.description ?? description,
  systemId: input?.systemId ?? 'gridlink',
  user: actor ? `${actor.organizationId}/${actor.credentialId}` : 'gridlink',
  time: t.toISOString(),
  '@type': 'TrackingRecord',
});

/**
 * Writes the events and, for every event about a problem, its serviceProblemEventRecord
 * (TMF656) holding the notification as sent, in the same transaction. A record is seen by
 * the organisations the event went to.
 */
const emit = async (tx: Tx, events: NewEvent[], t: Date): Promise<void> => {
  const written = await writeEvents(tx, events);
  for (const { event: e, envelope } of written) {
    if (e.resourceType !== 'serviceProblem') continue;
    // The event carries the problem's standard representation: the same parties.
    const { originator, responsible } = partiesOf(e.resource as StoredProblem);
    const id = crypto.randomUUID();
    const doc = {
      id,
      '@type': 'ServiceProblemEventRecord',
      eventType: e.eventType,
      eventTime: envelope.eventTime,
      recordTime: t.toISOString(),
      serviceProblem: { id: e.resource.id, '@referredType': 'ServiceProblem', '@type': 'ServiceProblemRef' },
      notification: envelope,
    };
    await insertEventRecord(tx, {
      id,
      serviceProblemId: e.resource.id,
      originatorOrgId: originator,
      // The partner sees the records of the events it received (not those from before a hand-over).
      responsibleOrgId: e.audience.includes(responsible ?? '') ? responsible : undefined,
      eventType: e.eventType,
      eventTime: e.eventTime,
      recordTime: t,
      doc,
    });
  }
};

/** A grouped problem (TMF656 problemGroup) is ungrouped before a hand-over or deletion. */
const grouped = (doc: StoredProblem) => Boolean(doc.parentProblem?.length || doc.underlyingProblem?.length);

/**
 * The partner organisation a `responsibleParty` names (undefined when none is sent).
 * It must name an organisation by `partyOrPartyRole.id`, and not the caller itself.
 */
const namedPartner = (sent: unknown, actor: OrganizationActor): string | undefined => {
  if (sent === undefined || sent === null) return undefined;
  const id = (sent as PartyRefInput).partyOrPartyRole?.id;
  if (!id) {
    throw unprocessable(
      'responsibleParty must name the partner organisation (partyOrPartyRole.id), or be left out: the problem is then your own until you name one',
      'RESPONSIBLE_REQUIRED',
    );
  }
  if (id === actor.organizationId) {
    throw unprocessable('responsibleParty: an organisation cannot raise a problem with itself', 'INVALID_RESPONSIBLE');
  }
  return id;
};

/** The responsible organisation's entry, built by the server from the partner's record. */
const responsibleRef = (sent: unknown, id: string, name: string | undefined) => ({
  role: (sent as PartyRefInput | undefined)?.role ?? 'responsible',
  partyOrPartyRole: orgRef(id, name),
  '@type': 'RelatedPartyRefOrPartyRoleRef',
});

const priorityOf = (body: JsonObject): number => {
  const impact = body.impact as string | undefined;
  const urgency = body.urgency as string | undefined;
  if ((impact === undefined) !== (urgency === undefined)) {
    throw unprocessable('impact and urgency must be given together (the priority is derived from both)', 'PRIORITY_INPUT');
  }
  if (body.priority !== undefined) return body.priority as number;
  if (impact && urgency) return itilPriority(LEVEL[impact]!, LEVEL[urgency]!);
  throw unprocessable('Give either priority (1-10) or impact and urgency (high, medium, low)', 'PRIORITY_REQUIRED');
};

export type ServiceProblemService = ReturnType<typeof createServiceProblemService>;

export function createServiceProblemService(
  deps: PartnerServiceDeps & {
    links: LinkService;
    /** A deleted problem's SLA clocks are forgotten through the SLA module. */
    slaClocks: SlaClocks;
    schemas: ProblemSchemas;
  },
) {
  const { db, now, party, links, schemas, slaClocks } = deps;

  const repository = createRecordRepository(RESOURCES.serviceProblem, { state: 'status', updated: 'lastUpdate' });
  const save = (tx: SqlTx, doc: StoredProblem) => repository.save(tx, doc);

  const core = createTwoPartyCore<ProblemSide, Tx, StoredProblem>({
    resourceType: 'serviceProblem',
    entity: 'ServiceProblem',
    noun: 'service problem',
    reporterSide: 'originator',
    store: serviceProblemTable,
    repository,
    db,
    now,
    party,
    links,
    parties: (doc) => {
      const p = partiesOf(doc);
      return { reporter: p.originator, responsible: p.responsible };
    },
    // Issue 11: events carry the standard representation, like responses.
    present: standardProblem,
    attributeChangeEvent: 'ServiceProblemAttributeValueChangeEvent',
    emit,
  });
  const { event } = core;

  const statusEvents = (doc: StoredProblem, from: string, actor: OrganizationActor | undefined, t: Date): NewEvent[] => {
    const out = [event('ServiceProblemStateChangeEvent', doc, actor, t, `${from} -> ${doc.status}`)];
    if (doc.status === 'pending') out.push(event('ServiceProblemInformationRequiredEvent', doc, actor, t, doc.statusChangeReason));
    return out;
  };
  // TMF656 task resources (acknowledge, group), in their own file.
  const tasks = createProblemTasks({ db, now, links, core, repository, partiesOf, tracking, save, emit, statusEvents });

  return {
    ...tasks,
    store: serviceProblemTable,
    partiesOf,

    list: core.list,
    get: core.get,

    /** PI-1: a DSO raises a long-running problem, with its measurements, to its MNO partner. */
    create: core.creator({
      schemas,
      statusProfile: PROBLEM_STATUS_PROFILE,
      standardTypes: true,
      ignored: IGNORED_ON_CREATE,
      prepare(body, actor) {
        if (body.priority !== undefined) body.priority = problemPriority(body.priority);
        // Issue 11: the originator is always the caller; a differing originatorParty (the
        // client's own reference to itself) is kept in relatedParty, its role as sent.
        const sentOriginator = body.originatorParty as (PartyRefInput & JsonObject) | undefined;
        if (sentOriginator?.partyOrPartyRole?.id !== undefined && sentOriginator.partyOrPartyRole.id !== actor.organizationId) {
          body.relatedParty = [
            ...((body.relatedParty ?? []) as unknown[]),
            { ...sentOriginator, role: sentOriginator.role ?? 'originator' },
          ];
        }
        // Issue 11: without a responsibleParty the problem is the originator's own (only it
        // sees it, no events to others) until a PATCH names the partner (see handOver).
        const responsibleId = namedPartner(body.responsibleParty, actor);
        if (responsibleId !== undefined && sentOriginator?.partyOrPartyRole?.id === responsibleId) {
          throw unprocessable(
            'originatorParty is your own organisation (set from the API key); it cannot name the responsible partner',
            'ORIGINATOR_MISMATCH',
          );
        }
        body.priority = priorityOf(body);
        return responsibleId;
      },
      partnerAttribute: 'responsibleParty',
      checkReferences: true,
      build(body, { actor, t, reporterName, responsibleId, responsibleName }) {
        const sent = body.originatorParty as PartyRefInput | undefined;
        return {
          originatorParty: {
            role: sent?.partyOrPartyRole?.id === actor.organizationId ? (sent.role ?? 'originator') : 'originator',
            partyOrPartyRole: orgRef(actor.organizationId, reporterName),
            '@type': 'RelatedPartyRefOrPartyRoleRef',
          },
          ...(responsibleId ? { responsibleParty: responsibleRef(body.responsibleParty, responsibleId, responsibleName) } : {}),
          trackingRecord: [tracking(actor, t, 'create')],
        };
      },
      notes: 'whenSent',
      createEvent: 'ServiceProblemCreateEvent',
    }),

    /** Either side changes a problem (PI-1); the two-party core's pipeline. */
    patch: core.patcher({
      schemas,
      lifecycle: PROBLEM_LIFECYCLE,
      finalCode: 'PROBLEM_FINAL',
      events: {
        create: 'ServiceProblemCreateEvent',
        attributeChange: 'ServiceProblemAttributeValueChangeEvent',
        statusChange: 'ServiceProblemStateChangeEvent',
        informationRequired: 'ServiceProblemInformationRequiredEvent',
      },
      ignored: IGNORED,
      ignoredOps: IGNORED_ON_PATCH,
      serverOwned: SERVER_OWNED,
      serverOwnedHint: ' (grouping uses problemGroup/problemUngroup)',
      required: REQUIRED,
      sideOnly: { originator: ORIGINATOR_ONLY, responsible: RESPONSIBLE_ONLY },
      mapVocabulary: (patch) => {
        if (patch.priority !== undefined && patch.priority !== null) patch.priority = problemPriority(patch.priority);
      },
      checkReferences: true,
      handOver: {
        attribute: 'responsibleParty',
        // Issue 11: naming the responsible partner of the originator's own problem hands it over.
        named: (before, after, actor) =>
          !partiesOf(before).responsible && after.responsibleParty !== undefined ? namedPartner(after.responsibleParty, actor) : undefined,
        check(before) {
          if (grouped(before)) {
            throw conflict(
              'The service problem is grouped; ungroup it (problemUngroup) before naming its responsible partner',
              'PROBLEM_GROUPED',
            );
          }
        },
        place(after, _before, partnerId, partnerName) {
          after.responsibleParty = responsibleRef(after.responsibleParty, partnerId, partnerName);
        },
      },
      onStatusChange(doc, from, to, actor, t) {
        doc.trackingRecord = [...(doc.trackingRecord ?? []), tracking(actor, t, `status ${from} -> ${to}`)];
      },
      linksChanged: (changed) => changed.includes('troubleTicket') || changed.includes('relatedEntity'),
    }),

    /** Only the originator's admin deletes an ungrouped problem; its links and SLA clocks go with it. */
    delete: core.remover({
      reporterOnly: 'Only the originating organisation can delete a service problem',
      ifMatchFirst: true,
      refuse(actor, doc) {
        if (actor.role !== 'admin')
          throw forbidden('deleteServiceProblem requires the admin role; this key has the ' + actor.role + ' role');
        if (grouped(doc))
          throw conflict('The service problem is grouped; ungroup it (problemUngroup) before deleting it', 'PROBLEM_GROUPED');
      },
      forget: (tx, id) => slaClocks.forget(tx, 'serviceProblem', id),
      deleteEvent: 'ServiceProblemDeleteEvent',
    }),

    listEventRecords(actor: OrganizationActor, q: ListQuery) {
      return eventRecordTable.list(db.reader, actor, q);
    },

    async getEventRecord(actor: OrganizationActor, id: string): Promise<JsonObject> {
      const row = await eventRecordTable.find(db.reader, actor, id);
      if (!row) throw notFound('ServiceProblemEventRecord', id);
      return row.doc;
    },

    /**
     * A note from the platform on problems linked to something that changed elsewhere
     * (an incident cleared): a tracking record and an attribute-change event, in the
     * caller's transaction. Only problems between the same two organisations are touched.
     */
    async recordLinkedChange(tx: Tx, problemIds: string[], parties: string[], actor: OrganizationActor, t: Date, description: string) {
      const events: NewEvent[] = [];
      for (const pid of [...new Set(problemIds)].sort()) {
        const row = await serviceProblemTable.find(tx, actor, pid, { forUpdate: true });
        if (!row) continue;
        const p = partiesOf(row.doc);
        if (!p.responsible || ![p.originator, p.responsible].every((o) => parties.includes(o))) continue;
        row.doc.trackingRecord = [...(row.doc.trackingRecord ?? []), tracking(actor, t, description)];
        row.doc.lastUpdate = t.toISOString();
        await save(tx, row.doc);
        events.push(event('ServiceProblemAttributeValueChangeEvent', row.doc, actor, t, `changed: trackingRecord (${description})`));
      }
      await emit(tx, events, t);
    },

    counterpartOf: core.counterpartOf,
    recordSlaViolations: core.recordSlaViolations,

    /** For the SLA job: records an SLA violation on a problem (platform change, no actor). */
    emit,
    save,
    event,
  };
}
