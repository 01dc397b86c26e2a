import crypto from 'node:crypto';
import type { Tx } from '../../db/client.js';
import type { StoredRow } from '../../db/resourceStore.js';
import type { NewEvent } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { conflict, notFound, unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { ListQuery } from '../../http/tmfQuery.js';
import { canonicalJson } from '../documents.js';
import type { LinkService } from '../links/links.service.js';
import { RESOURCES } from '../registry.js';
import { applyStatus, type TwoPartyCore } from '../twoParty.js';
import { insertTask, type RecordRepository } from '../twoParty.repository.js';
import { checkProblemTransition, type ProblemSide, type ProblemStatus } from './serviceProblem.lifecycle.js';
import type { ProblemRef, StoredProblem, StoredProblemTask, TrackingRecord } from './serviceProblem.types.js';
import type { ServiceDeps } from '../serviceDeps.js';

/**
 * The TMF656 task resources: problemAcknowledgement / problemUnacknowledgement (the
 * responsible organisation (un)acknowledges problems) and problemGroup / problemUngroup.
 * Tasks complete synchronously, all or nothing, over the problems' own records (the
 * service problem service passes its record helpers in).
 */
const serviceProblemTable = RESOURCES.serviceProblem.store;
const problemTaskTable = RESOURCES.problemTask.store;
export const TASK_SORTABLE = ['creationDate'];

export type ProblemTaskType = 'ProblemAcknowledgement' | 'ProblemUnacknowledgement' | 'ProblemGroup' | 'ProblemUngroup';
const TASK_RESOURCE: Record<ProblemTaskType, string> = {
  ProblemAcknowledgement: 'problemAcknowledgement',
  ProblemUnacknowledgement: 'problemUnacknowledgement',
  ProblemGroup: 'problemGroup',
  ProblemUngroup: 'problemUngroup',
};

export function createProblemTasks(
  deps: ServiceDeps & {
    links: LinkService;
    core: TwoPartyCore<ProblemSide, Tx, StoredProblem>;
    repository: RecordRepository<StoredProblem>;
    partiesOf(doc: StoredProblem): { originator: string; responsible: string | undefined };
    tracking(actor: OrganizationActor | undefined, t: Date, description: string, input?: TrackingRecord): TrackingRecord;
    save(tx: Tx, doc: StoredProblem): Promise<unknown>;
    emit(tx: Tx, events: NewEvent[], t: Date): Promise<void>;
    statusEvents(doc: StoredProblem, from: string, actor: OrganizationActor | undefined, t: Date): NewEvent[];
  },
) {
  const { db, now, links, core, repository, partiesOf, tracking, save, emit, statusEvents } = deps;
  const { audienceOf, sideOf, event, requireActivePartnership } = core;

  const taskEvent = (
    taskType: ProblemTaskType,
    task: StoredProblemTask,
    audience: string[],
    actor: OrganizationActor,
    t: Date,
  ): NewEvent => ({
    eventType: `${taskType}CreateEvent`,
    resourceType: TASK_RESOURCE[taskType],
    resource: task,
    audience,
    originatorOrgId: actor.organizationId,
    eventTime: t,
  });

  const ref = (row: StoredRow<StoredProblem>): ProblemRef => ({
    id: row.id,
    ...(row.doc.name ? { name: row.doc.name } : {}),
    '@referredType': 'ServiceProblem',
    '@type': 'ServiceProblemRef',
  });

  /** Locks the problems named by a task (in id order, so two tasks cannot deadlock). */
  const lockProblems = async (tx: Tx, actor: OrganizationActor, ids: string[]): Promise<Map<string, StoredRow<StoredProblem>>> => {
    const out = new Map<string, StoredRow<StoredProblem>>();
    for (const id of [...new Set(ids)].sort()) {
      const row = await serviceProblemTable.find(tx, actor, id, { forUpdate: true });
      if (!row) throw notFound('ServiceProblem', id);
      out.set(id, row);
    }
    const pairs = new Set([...out.values()].map((r) => canonicalJson(partiesOf(r.doc))));
    if (pairs.size > 1) {
      throw unprocessable('All problems of one task must be between the same two organisations', 'MIXED_PARTIES');
    }
    await requireActivePartnership(tx, [...out.values()][0]!.doc);
    return out;
  };

  const saveTask = async (tx: Tx, taskType: ProblemTaskType, problems: StoredProblem, task: StoredProblemTask, t: Date) => {
    const { originator, responsible } = partiesOf(problems);
    await insertTask(tx, RESOURCES.problemTask, {
      id: task.id,
      taskType,
      reporterId: originator,
      responsibleId: responsible,
      t,
      doc: task,
    });
    return audienceOf(problems);
  };

  return {
    /** problemAcknowledgement / problemUnacknowledgement: the responsible organisation (un)acknowledges problems. */
    async acknowledge(actor: OrganizationActor, input: JsonObject, undo: boolean): Promise<StoredProblemTask> {
      const taskType: ProblemTaskType = undo ? 'ProblemUnacknowledgement' : 'ProblemAcknowledgement';
      const to: ProblemStatus = undo ? 'submitted' : 'acknowledged';
      const ids = (input.problem as ProblemRef[]).map((p) => p.id);
      return db.transaction(async (tx) => {
        const rows = await lockProblems(tx, actor, ids);
        const t = now();
        const events: NewEvent[] = [];
        const done: ProblemRef[] = [];
        for (const row of rows.values()) {
          const doc = row.doc;
          const from: ProblemStatus = doc.status;
          checkProblemTransition(from, to, sideOf(actor, doc), undefined);
          applyStatus(doc, to, actor, t);
          doc.trackingRecord = [
            ...(doc.trackingRecord ?? []),
            tracking(actor, t, undo ? 'unacknowledge' : 'acknowledge', input.trackingRecord as TrackingRecord | undefined),
          ];
          await save(tx, doc);
          events.push(...statusEvents(doc, from, actor, t));
          done.push(ref(row));
        }
        const task: StoredProblemTask = {
          id: crypto.randomUUID(),
          '@type': taskType,
          state: 'done',
          creationDate: t.toISOString(),
          problem: ids.map((id) => ref(rows.get(id)!)),
          ...(undo ? { unackProblem: done } : { ackProblem: done }),
          trackingRecord: tracking(actor, t, undo ? 'unacknowledge' : 'acknowledge', input.trackingRecord as TrackingRecord | undefined),
        };
        const audience = await saveTask(tx, taskType, [...rows.values()][0]!.doc, task, t);
        events.push(taskEvent(taskType, task, audience, actor, t));
        await emit(tx, events, t);
        return task;
      });
    },

    /**
     * problemGroup: children get `parentProblem`, the parent lists them in
     * `underlyingProblem` (TMF656). problemUngroup undoes exactly that.
     */
    async group(actor: OrganizationActor, input: JsonObject, undo: boolean): Promise<StoredProblemTask> {
      const taskType: ProblemTaskType = undo ? 'ProblemUngroup' : 'ProblemGroup';
      const parentId = (input.parentProblem as ProblemRef).id;
      const childIds = [...new Set((input.childProblem as ProblemRef[]).map((c) => c.id))];
      if (childIds.includes(parentId)) throw unprocessable('A problem cannot be grouped under itself', 'INVALID_GROUP');
      return db.transaction(async (tx) => {
        const rows = await lockProblems(tx, actor, [parentId, ...childIds]);
        const parent = rows.get(parentId)!;
        const t = now();
        const events: NewEvent[] = [];
        const parentOf = (doc: StoredProblem) => doc.parentProblem?.[0]?.id;

        if (!undo) {
          // No cycles: the parent must not sit below any of the children.
          const ancestors = new Set<string>();
          for (let cur = parentOf(parent.doc); cur && !ancestors.has(cur);) {
            ancestors.add(cur);
            const up = await repository.docById(tx, cur);
            cur = up ? parentOf(up) : undefined;
          }
          for (const c of childIds) {
            if (ancestors.has(c)) throw conflict(`Grouping ${c} under ${parentId} would make a cycle`, 'GROUP_CYCLE');
            const current = parentOf(rows.get(c)!.doc);
            if (current && current !== parentId) {
              throw conflict(`ServiceProblem ${c} is already grouped under ${current}; ungroup it first`, 'ALREADY_GROUPED');
            }
          }
        } else {
          const stray = childIds.filter((c) => parentOf(rows.get(c)!.doc) !== parentId);
          if (stray.length) throw conflict(`Not grouped under ${parentId}: ${stray.join(', ')}`, 'NOT_GROUPED');
        }

        const under = (parent.doc.underlyingProblem ?? []).filter((u) => !childIds.includes(u.id));
        parent.doc.underlyingProblem = undo ? under : [...under, ...childIds.map((c) => ref(rows.get(c)!))];
        if (parent.doc.underlyingProblem.length === 0) delete parent.doc.underlyingProblem;
        const changedDocs = [parent.doc];
        for (const c of childIds) {
          const child = rows.get(c)!;
          if (undo) delete child.doc.parentProblem;
          else child.doc.parentProblem = [ref(parent)];
          changedDocs.push(child.doc);
          const link = {
            fromType: 'serviceProblem' as const,
            fromId: parentId,
            toType: 'serviceProblem' as const,
            toId: c,
            relation: 'underlyingProblem',
          };
          if (undo) await links.removeLink(tx, link);
          else await links.addLink(tx, actor, { ...link, origin: 'group' }, t);
        }
        for (const doc of changedDocs) {
          doc.lastUpdate = t.toISOString();
          doc.trackingRecord = [...(doc.trackingRecord ?? []), tracking(actor, t, undo ? 'ungroup' : 'group')];
          await save(tx, doc);
          events.push(
            event(
              'ServiceProblemAttributeValueChangeEvent',
              doc,
              actor,
              t,
              doc === parent.doc ? 'changed: underlyingProblem' : 'changed: parentProblem',
            ),
          );
        }
        const task: StoredProblemTask = {
          id: crypto.randomUUID(),
          '@type': taskType,
          state: 'done',
          creationDate: t.toISOString(),
          parentProblem: ref(parent),
          childProblem: childIds.map((c) => ref(rows.get(c)!)),
        };
        const audience = await saveTask(tx, taskType, parent.doc, task, t);
        events.push(taskEvent(taskType, task, audience, actor, t));
        await emit(tx, events, t);
        return task;
      });
    },

    listTasks(actor: OrganizationActor, taskType: ProblemTaskType, q: ListQuery) {
      return problemTaskTable.list(db.reader, actor, {
        ...q,
        filters: [...q.filters, { path: ['@type'], op: 'eq', values: [taskType], type: 'string' }],
      });
    },

    async getTask(actor: OrganizationActor, taskType: ProblemTaskType, id: string): Promise<StoredProblemTask> {
      const row = await problemTaskTable.find(db.reader, actor, id);
      if (!row || row.doc['@type'] !== taskType) throw notFound(taskType, id);
      return row.doc;
    },
  };
}
