import { etagOf } from '../../http/etag.js';
import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/serviceProblem.js';
import { objectBody, type JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, type JsonSchema, type SortKey } from '../../http/tmfQuery.js';
import type { LinkService } from '../links/links.service.js';
import { created, withWarning } from '../shared.js';
import { presentEventRecord, presentProblemTask, presentServiceProblem, SERVICE_PROBLEM_BASE } from './serviceProblem.presenter.js';
import { ignoredStatusWarning, rewriteStatusQuery } from '../standard.js';
import { PROBLEM_STATUS_PROFILE } from './serviceProblem.lifecycle.js';
import {
  EVENT_RECORD_SORTABLE,
  PROBLEM_SORTABLE,
  TASK_SORTABLE,
  type ProblemTaskType,
  type ServiceProblemService,
} from './serviceProblem.service.js';
import type { StoredProblem, StoredProblemTask } from './serviceProblem.types.js';

const BY_CREATION: SortKey[] = [{ attribute: 'creationDate', descending: true }];
const BY_EVENT_TIME: SortKey[] = [{ attribute: 'eventTime', descending: true }];

/** The TMF656 task and event-record output schemas (the same for v4 and v5: the v5 document's). */
export function problemTaskSchemas(schema: (name: string) => JsonSchema): Omit<ProblemOutputSchemas, 'serviceProblem'> {
  return {
    eventRecord: schema('ServiceProblemEventRecord'),
    tasks: {
      ProblemAcknowledgement: schema('ProblemAcknowledgement'),
      ProblemUnacknowledgement: schema('ProblemUnacknowledgement'),
      ProblemGroup: schema('ProblemGroup'),
      ProblemUngroup: schema('ProblemUngroup'),
    },
  };
}

export interface ProblemOutputSchemas {
  serviceProblem: JsonSchema;
  eventRecord: JsonSchema;
  tasks: Record<ProblemTaskType, JsonSchema>;
}

/**
 * The TMF656 task resources and event records (the same in v4 and v5): handlers by
 * operationId, presented under `base` (the v5 API, or the v4 profile's base path).
 */
export function problemTaskHandlers(
  service: ServiceProblemService,
  schemas: Omit<ProblemOutputSchemas, 'serviceProblem'>,
  base: string = SERVICE_PROBLEM_BASE,
): HandlerMap {
  const fieldsOf = (ctx: RequestContext, schema: JsonSchema) =>
    parseListQuery({ fields: ctx.query.fields }, schema, [], BY_CREATION).fields;
  const taskHandlers = (
    taskType: ProblemTaskType,
    resource: string,
    run: (ctx: RequestContext) => Promise<StoredProblemTask>,
  ): HandlerMap => {
    const schema = schemas.tasks[taskType];
    return {
      [`list${taskType}`]: async (ctx) => {
        const q = parseListQuery(ctx.query, schema, TASK_SORTABLE, BY_CREATION);
        const { rows, total } = await service.listTasks(requireOrganization(ctx.actor), taskType, q);
        return listResult(
          rows.map((r) => presentProblemTask(r.doc, resource, ctx.href, q.fields, base)),
          total,
        );
      },
      [`create${taskType}`]: async (ctx) => {
        const task = await run(ctx);
        ctx.audit.resourceId = task.id;
        return created(presentProblemTask(task, resource, ctx.href, undefined, base));
      },
      [`retrieve${taskType}`]: async (ctx) => {
        ctx.audit.resourceId = ctx.params.id;
        const task = await service.getTask(requireOrganization(ctx.actor), taskType, ctx.params.id!);
        return { status: 200, body: presentProblemTask(task, resource, ctx.href, fieldsOf(ctx, schema), base) };
      },
    };
  };
  return {
    ...taskHandlers('ProblemAcknowledgement', 'problemAcknowledgement', (ctx) =>
      service.acknowledge(requireOrganization(ctx.actor), objectBody(ctx.body), false),
    ),
    ...taskHandlers('ProblemUnacknowledgement', 'problemUnacknowledgement', (ctx) =>
      service.acknowledge(requireOrganization(ctx.actor), objectBody(ctx.body), true),
    ),
    ...taskHandlers('ProblemGroup', 'problemGroup', (ctx) => service.group(requireOrganization(ctx.actor), objectBody(ctx.body), false)),
    ...taskHandlers('ProblemUngroup', 'problemUngroup', (ctx) => service.group(requireOrganization(ctx.actor), objectBody(ctx.body), true)),
    async listServiceProblemEventRecord(ctx) {
      const q = parseListQuery(ctx.query, schemas.eventRecord, EVENT_RECORD_SORTABLE, BY_EVENT_TIME);
      const { rows, total } = await service.listEventRecords(requireOrganization(ctx.actor), q);
      return listResult(
        rows.map((r) => presentEventRecord(r.doc, ctx.href, q.fields, base)),
        total,
      );
    },
    async retrieveServiceProblemEventRecord(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.getEventRecord(requireOrganization(ctx.actor), ctx.params.id!);
      return { status: 200, body: presentEventRecord(doc, ctx.href, fieldsOf(ctx, schemas.eventRecord), base) };
    },
  };
}

export function serviceProblemHandlers(service: ServiceProblemService, links: LinkService, schemas: ProblemOutputSchemas): HandlerMap {
  const note = (ctx: RequestContext, doc: StoredProblem) => {
    ctx.audit.resourceId = doc.id;
  };
  const fieldsOf = (ctx: RequestContext, schema: JsonSchema) =>
    parseListQuery({ fields: ctx.query.fields }, schema, [], BY_CREATION).fields;
  /** Links visible to the caller, then the TMF representation. */
  const present = async (ctx: RequestContext, docs: JsonObject[], fields?: string[]) => {
    const org = requireOrganization(ctx.actor).organizationId;
    return (await links.present(org, 'serviceProblem', docs, ctx.href)).map((d) => presentServiceProblem(d, ctx.href, fields));
  };
  const one = async (ctx: RequestContext, status: number, doc: StoredProblem, fields?: string[]) => {
    note(ctx, doc);
    ctx.audit.counterpartOrgId = service.counterpartOf(requireOrganization(ctx.actor), doc);
    const [body] = await present(ctx, [doc], fields);
    const res = status === 201 ? created(body!) : { status, body, headers: {} };
    return { ...res, headers: { ...res.headers, ETag: etagOf(doc) } };
  };

  return operationHandlers<operations>({
    async listServiceProblem(ctx) {
      const q = parseListQuery(
        rewriteStatusQuery(ctx.query, PROBLEM_STATUS_PROFILE),
        schemas.serviceProblem,
        PROBLEM_SORTABLE,
        BY_CREATION,
      );
      const { rows, total } = await service.list(requireOrganization(ctx.actor), q);
      return listResult(
        await present(
          ctx,
          rows.map((r) => r.doc),
          q.fields,
        ),
        total,
      );
    },
    async retrieveServiceProblem(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.get(requireOrganization(ctx.actor), ctx.params.id);
      return one(ctx, 200, doc, fieldsOf(ctx, schemas.serviceProblem));
    },
    async createServiceProblem(ctx) {
      const fields = fieldsOf(ctx, schemas.serviceProblem); // checked before anything is written
      const res = await one(ctx, 201, await service.create(requireOrganization(ctx.actor), ctx.body), fields);
      return withWarning(res, ignoredStatusWarning(PROBLEM_STATUS_PROFILE, ctx.body.status));
    },
    async patchServiceProblem(ctx) {
      const fields = fieldsOf(ctx, schemas.serviceProblem);
      ctx.audit.resourceId = ctx.params.id;
      return one(
        ctx,
        200,
        await service.patch(requireOrganization(ctx.actor), ctx.params.id, ctx.contentType, ctx.body, ctx.ifMatch),
        fields,
      );
    },
    async deleteServiceProblem(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.delete(requireOrganization(ctx.actor), ctx.params.id, ctx.ifMatch);
      note(ctx, doc);
      return { status: 204 };
    },
    ...problemTaskHandlers(service, schemas),
  });
}
