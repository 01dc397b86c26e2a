import crypto from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { partiesOnCreate, reporterEntry, responsibleEntry, responsibleOf, type PartyRef } from '../relatedParty.js';
import { forbidden, notFound, unprocessable } from '../../http/errors.js';
import { normalizeDateTimes, type JsonObject } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import type { LinkService } from '../links/links.service.js';
import { orgRef } from '../documents.js';
import type { ServiceProblemService } from '../serviceProblem/serviceProblem.service.js';
import { INCIDENT_IMPACT, INCIDENT_PRIORITY_OF_ITIL, INCIDENT_URGENCY, itilPriority } from '../sla/priority.js';
import { checkIncidentTransition, type IncidentSide, type IncidentState } from './incident.lifecycle.js';
import { createTwoPartyCore } from '../twoParty.js';
import { createRecordRepository, insertTask } from '../twoParty.repository.js';
import type { Finding, StoredIncident, StoredIncidentTask } from './incident.types.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

export type { Finding } from './incident.types.js';

const incidentTable = RESOURCES.incident.store;
export const INCIDENT_SORTABLE = Object.keys(incidentTable.def.columns);

const incidentTaskTable = RESOURCES.incidentTask.store;
export const INCIDENT_TASK_SORTABLE = ['creationDate'];

export type IncidentTaskType = 'DiagnoseIncident' | 'ResolveIncident';

/** How far in the future a reported time may lie (clock skew between systems). */
const SKEW_MS = 5 * 60_000;

export type IncidentService = ReturnType<typeof createIncidentService>;

export function createIncidentService(
  deps: PartnerServiceDeps & {
    links: LinkService;
    problems: ServiceProblemService;
    schemas: { output: JsonSchema; create: JsonSchema; diagnose: JsonSchema; resolve: JsonSchema };
  },
) {
  const { db, now, party, links, problems, schemas } = deps;

  const partiesOf = (doc: StoredIncident) => {
    const rp = doc.relatedParty;
    return {
      reporter: rp.find((p) => p.role === 'reporter')!.partyOrPartyRole.id,
      responsible: rp.find((p) => p.role === 'responsible')!.partyOrPartyRole.id,
    };
  };
  const repository = createRecordRepository(RESOURCES.incident, { state: 'state', updated: 'updateTime' });

  const core = createTwoPartyCore<IncidentSide, Tx, StoredIncident>({
    resourceType: 'incident',
    entity: 'Incident',
    noun: 'incident',
    reporterSide: 'reporter',
    store: incidentTable,
    repository,
    db,
    now,
    party,
    links,
    parties: partiesOf,
    present: (doc) => doc,
    attributeChangeEvent: 'IncidentAttributeValueChangeEvent',
    emit: async (tx, events) => void (await writeEvents(tx, events)),
  });
  const { sideOf } = core;
  /** An event to both parties about the incident or one of its tasks (`resource`). */
  const event = (
    type: string,
    resourceType: string,
    resource: StoredIncident | StoredIncidentTask,
    incident: StoredIncident,
    actor: OrganizationActor,
    t: Date,
    description?: string,
  ): NewEvent => ({
    ...core.event(type, incident, actor, t, description),
    resourceType,
    resource,
  });

  const incidentRef = (doc: StoredIncident) => ({
    id: doc.id,
    name: doc.name,
    '@referredType': 'Incident',
    '@type': 'IncidentRef',
  });

  /** Loads and locks the incident a task names; another organisation's incident does not exist. */
  const lockIncident = async (tx: Tx, actor: OrganizationActor, input: JsonObject) => {
    const id = (input.incident as { id: string }).id;
    const row = await incidentTable.find(tx, actor, id, { forUpdate: true });
    if (!row) throw notFound('Incident', id);
    const { reporter, responsible } = partiesOf(row.doc);
    if (!(await party.isActivePartner(tx, reporter, responsible))) {
      throw forbidden('The partnership between the two organisations is not active; incidents can be read but not changed (GW-9)');
    }
    return row.doc;
  };

  const saveTask = async (tx: Tx, taskType: IncidentTaskType, incident: StoredIncident, task: StoredIncidentTask, t: Date) => {
    const { reporter, responsible } = partiesOf(incident);
    await insertTask(tx, RESOURCES.incidentTask, {
      id: task.id,
      taskType,
      reporterId: reporter,
      responsibleId: responsible,
      t,
      doc: task,
      columns: { incident_id: incident.id },
    });
  };

  const priorityOf = (body: JsonObject): string => {
    const impact = body.impact as string | undefined;
    const urgency = body.urgency as string | undefined;
    if (body.priority !== undefined) return body.priority as string;
    if (impact && urgency) return INCIDENT_PRIORITY_OF_ITIL[itilPriority(INCIDENT_IMPACT[impact]!, INCIDENT_URGENCY[urgency]!)];
    throw unprocessable('Give either priority or both impact and urgency (the priority is then derived from them)', 'PRIORITY_REQUIRED');
  };

  return {
    partiesOf,

    list: core.list,
    get: core.get,

    /**
     * PI-2: a DSO reports an incident to its MNO partner (or the other way round); the
     * two-party core's create, with TMF724's state/ackState instead of a status history.
     */
    create: core.creator({
      schemas,
      standardTypes: false, // `@type`s are added on presentation
      // Issue 11: server-managed properties of the official Incident_Create are ignored.
      ignored: ['@type', 'ackTime', 'clearTime', 'updateTime'],
      prepare(body, actor) {
        const related = (body.relatedParty ?? []) as PartyRef[];
        const responsibleId = responsibleOf(related, actor, 'report an incident to itself');
        partiesOnCreate(related, actor, 'report an incident to itself');
        body.priority = priorityOf(body);
        if (new Date(body.occurTime as string).getTime() > now().getTime() + SKEW_MS) {
          throw unprocessable('occurTime lies in the future', 'INVALID_TIME');
        }
        return responsibleId;
      },
      partnerAttribute: 'relatedParty',
      checkReferences: true,
      build(body, { actor, t, reporterName, responsibleId, responsibleName }) {
        const related = (body.relatedParty ?? []) as PartyRef[];
        const { others } = partiesOnCreate(related, actor, 'report an incident to itself');
        return {
          state: 'raised',
          ackState: 'unacknowledged',
          updateTime: t.toISOString(),
          // Issue 11: the reporter first (a "reporter" entry naming the caller merged into it),
          // then the responsible partner, then the other entries as sent.
          relatedParty: [
            reporterEntry(actor.organizationId, reporterName),
            responsibleEntry(
              related.find((p) => p.role === 'responsible'),
              responsibleId!,
              responsibleName,
            ),
            ...others,
          ],
        };
      },
      notes: 'none',
      createEvent: 'IncidentCreateEvent',
    }),

    /**
     * diagnoseIncident: either party diagnoses (raised/updated -> updated). The responsible
     * organisation's first diagnosis acknowledges the incident. A `finding` ("confirmed, our
     * outage, expected restoration T" / "not our network") becomes the incident's current
     * finding and is appended to `findingHistory`; the other party hears of it at once.
     */
    async diagnose(actor: OrganizationActor, input: JsonObject): Promise<{ task: StoredIncidentTask; incident: StoredIncident }> {
      const body = normalizeDateTimes(input, schemas.diagnose) as JsonObject;
      const finding = body.finding as Finding | undefined;
      if (finding?.expectedRestorationTime && finding.outcome !== 'confirmed') {
        throw unprocessable('finding.expectedRestorationTime can only accompany the outcome "confirmed"', 'INVALID_FINDING');
      }
      return db.transaction(async (tx) => {
        const doc = await lockIncident(tx, actor, body);
        const from: IncidentState = doc.state;
        checkIncidentTransition(from, 'updated');
        const side = sideOf(actor, doc);
        const t = now();
        const ts = t.toISOString();
        const ackBefore = doc.ackState;
        doc.state = 'updated';
        doc.updateTime = ts;
        if (side === 'responsible' && doc.ackState !== 'acknowledged') {
          doc.ackState = 'acknowledged';
          doc.ackTime = ts;
        }
        let recorded: Finding | undefined;
        if (finding) {
          recorded = {
            ...finding,
            diagnosedBy: { ...orgRef(actor.organizationId, await party.orgName(tx, actor.organizationId)), role: side },
            date: ts,
            '@type': 'IncidentFinding',
          };
          doc.finding = recorded;
          doc.findingHistory = [...(doc.findingHistory ?? []), recorded];
          if (finding.rootCause) doc.rootCause = finding.rootCause;
        }
        const task: StoredIncidentTask = {
          id: crypto.randomUUID(),
          '@type': 'DiagnoseIncident',
          state: 'done',
          creationDate: ts,
          incident: incidentRef(doc),
          ...(recorded ? { finding: recorded } : {}),
        };
        await repository.save(tx, doc);
        await saveTask(tx, 'DiagnoseIncident', doc, task, t);
        const events = [event('DiagnoseIncidentCreateEvent', 'diagnoseIncident', task, doc, actor, t)];
        if (from !== doc.state || ackBefore !== doc.ackState) {
          events.push(
            event('IncidentStateChangeEvent', 'incident', doc, doc, actor, t, `${from}/${ackBefore} -> ${doc.state}/${doc.ackState}`),
          );
        }
        if (recorded)
          events.push(event('IncidentAttributeValueChangeEvent', 'incident', doc, doc, actor, t, `finding: ${recorded.outcome}`));
        await writeEvents(tx, events);
        return { task, incident: doc };
      });
    },

    /**
     * resolveIncident: either party clears the incident (final). `clearTime` is when service
     * came back (default now; not before `occurTime`, not in the future). Problems linked to
     * the incident get a tracking record and an attribute-change event.
     */
    async resolve(actor: OrganizationActor, input: JsonObject): Promise<{ task: StoredIncidentTask; incident: StoredIncident }> {
      const body = normalizeDateTimes(input, schemas.resolve) as JsonObject;
      return db.transaction(async (tx) => {
        const doc = await lockIncident(tx, actor, body);
        const from: IncidentState = doc.state;
        checkIncidentTransition(from, 'cleared');
        const t = now();
        const ts = t.toISOString();
        const clearTime = typeof body.clearTime === 'string' ? body.clearTime : ts;
        if (new Date(clearTime).getTime() > t.getTime() + SKEW_MS) throw unprocessable('clearTime lies in the future', 'INVALID_TIME');
        if (new Date(clearTime).getTime() < new Date(doc.occurTime).getTime()) {
          throw unprocessable('clearTime lies before the incident occurred (occurTime)', 'INVALID_TIME');
        }
        const ackBefore = doc.ackState;
        doc.state = 'cleared';
        doc.clearTime = clearTime;
        doc.updateTime = ts;
        if (sideOf(actor, doc) === 'responsible' && doc.ackState !== 'acknowledged') {
          doc.ackState = 'acknowledged';
          doc.ackTime = ts;
        }
        const resolution = typeof body.resolution === 'string' && body.resolution ? body.resolution : undefined;
        if (resolution) doc.resolution = resolution;
        const task: StoredIncidentTask = {
          id: crypto.randomUUID(),
          '@type': 'ResolveIncident',
          state: 'done',
          creationDate: ts,
          incident: incidentRef(doc),
          clearTime,
          ...(resolution ? { resolution } : {}),
        };
        await repository.save(tx, doc, { cleared_at: t }); // when the platform cleared it (the registry's stateChanged)
        await saveTask(tx, 'ResolveIncident', doc, task, t);
        await writeEvents(tx, [
          event('ResolveIncidentCreateEvent', 'resolveIncident', task, doc, actor, t),
          event('IncidentStateChangeEvent', 'incident', doc, doc, actor, t, `${from}/${ackBefore} -> cleared/${doc.ackState}`),
        ]);
        const { reporter, responsible } = partiesOf(doc);
        const linked = await links.linkedIds(tx, 'incident', doc.id, 'serviceProblem');
        if (linked.length)
          await problems.recordLinkedChange(tx, linked, [reporter, responsible], actor, t, `linked incident ${doc.id} cleared`);
        return { task, incident: doc };
      });
    },

    listTasks(actor: OrganizationActor, taskType: IncidentTaskType, q: ListQuery) {
      return incidentTaskTable.list(db.reader, actor, {
        ...q,
        filters: [...q.filters, { path: ['@type'], op: 'eq', values: [taskType], type: 'string' }],
      });
    },

    async getTask(actor: OrganizationActor, taskType: IncidentTaskType, id: string): Promise<StoredIncidentTask> {
      const row = await incidentTaskTable.find(db.reader, actor, id);
      if (!row || row.doc['@type'] !== taskType) throw notFound(taskType, id);
      return row.doc;
    },

    counterpartOf: core.counterpartOf,
    recordSlaViolations: core.recordSlaViolations,
  };
}
