import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/incident.js';
import { objectBody, type JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, type JsonSchema, type SortKey } from '../../http/tmfQuery.js';
import type { LinkService } from '../links/links.service.js';
import { created } from '../shared.js';
import { presentIncident, presentIncidentTask } from './incident.presenter.js';
import type { StoredIncident, StoredIncidentTask } from './incident.types.js';
import { INCIDENT_SORTABLE, INCIDENT_TASK_SORTABLE, type IncidentService, type IncidentTaskType } from './incident.service.js';

const BY_CREATION: SortKey[] = [{ attribute: 'creationDate', descending: true }];

export interface IncidentOutputSchemas {
  incident: JsonSchema;
  DiagnoseIncident: JsonSchema;
  ResolveIncident: JsonSchema;
}

export function incidentHandlers(service: IncidentService, links: LinkService, schemas: IncidentOutputSchemas): HandlerMap {
  const fieldsOf = (ctx: RequestContext, schema: JsonSchema) =>
    parseListQuery({ fields: ctx.query.fields }, schema, [], BY_CREATION).fields;
  const present = async (ctx: RequestContext, docs: JsonObject[], fields?: string[]) => {
    const org = requireOrganization(ctx.actor).organizationId;
    return (await links.present(org, 'incident', docs, ctx.href)).map((d) => presentIncident(d, ctx.href, fields));
  };
  /** The audit row (GW-2) names the incident or task; its type is declared in the document. */
  const audit = (ctx: RequestContext, id: string, incident?: StoredIncident) => {
    ctx.audit.resourceId = id;
    if (incident) ctx.audit.counterpartOrgId = service.counterpartOf(requireOrganization(ctx.actor), incident);
  };

  const taskHandlers = (
    taskType: IncidentTaskType,
    resource: string,
    run: (ctx: RequestContext) => Promise<{ task: StoredIncidentTask; incident: StoredIncident }>,
  ): HandlerMap => ({
    [`list${taskType}`]: async (ctx) => {
      const q = parseListQuery(ctx.query, schemas[taskType], INCIDENT_TASK_SORTABLE, BY_CREATION);
      const { rows, total } = await service.listTasks(requireOrganization(ctx.actor), taskType, q);
      return listResult(
        rows.map((r) => presentIncidentTask(r.doc, resource, ctx.href, q.fields)),
        total,
      );
    },
    [`create${taskType}`]: async (ctx) => {
      const { task, incident } = await run(ctx);
      audit(ctx, task.id, incident);
      return created(presentIncidentTask(task, resource, ctx.href));
    },
    [`retrieve${taskType}`]: async (ctx) => {
      audit(ctx, ctx.params.id!);
      const task = await service.getTask(requireOrganization(ctx.actor), taskType, ctx.params.id!);
      return { status: 200, body: presentIncidentTask(task, resource, ctx.href, fieldsOf(ctx, schemas[taskType])) };
    },
  });

  return operationHandlers<operations>({
    async listIncident(ctx) {
      const q = parseListQuery(ctx.query, schemas.incident, INCIDENT_SORTABLE, BY_CREATION);
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
    async retrieveIncident(ctx) {
      audit(ctx, ctx.params.id);
      const doc = await service.get(requireOrganization(ctx.actor), ctx.params.id);
      audit(ctx, ctx.params.id, doc);
      const [body] = await present(ctx, [doc], fieldsOf(ctx, schemas.incident));
      return { status: 200, body };
    },
    async createIncident(ctx) {
      const fields = fieldsOf(ctx, schemas.incident); // checked before anything is written
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body);
      audit(ctx, doc.id, doc);
      const [body] = await present(ctx, [doc], fields);
      return created(body!);
    },
    ...taskHandlers('DiagnoseIncident', 'diagnoseIncident', (ctx) =>
      service.diagnose(requireOrganization(ctx.actor), objectBody(ctx.body)),
    ),
    ...taskHandlers('ResolveIncident', 'resolveIncident', (ctx) => service.resolve(requireOrganization(ctx.actor), objectBody(ctx.body))),
  });
}
