import { requireOrganization, type HandlerMap, type HttpResult, type OrganizationActor, type RequestContext } from '../../http/context.js';
import { etagOf } from '../../http/etag.js';
import { objectBody, type JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, type JsonSchema, type ListQuery } from '../../http/tmfQuery.js';
import { created } from '../shared.js';
import type { NoticeParties } from './notice.audience.js';

/** What the notice handlers call: the notice core's operations, as a notice service offers them (`D`: its stored document). */
export interface NoticeOperations<D extends NoticeParties & { id: string }> {
  listParams: string[];
  viewFor(orgId: string, doc: D): D;
  list(actor: OrganizationActor, q: ListQuery, params: Record<string, string | undefined>): Promise<{ rows: { doc: D }[]; total: number }>;
  get(actor: OrganizationActor, id: string): Promise<D>;
  create(actor: OrganizationActor, body: JsonObject): Promise<D>;
  patch(actor: OrganizationActor, id: string, body: JsonObject, ifMatch?: string): Promise<D>;
  impact(actor: OrganizationActor, id: string): Promise<unknown>;
  counterpartOf(actor: OrganizationActor, doc: D): string | undefined;
}

export type NoticePresenter<D> = (doc: D, href: RequestContext['href'], fields?: string[]) => JsonObject & { href?: unknown };

/** Records what a request was about, for the audit (GW-2). */
export function noteAudit(ctx: RequestContext, type: string, id: string | undefined, counterpart?: string) {
  ctx.audit.resourceType = type;
  ctx.audit.resourceId = id;
  if (counterpart) ctx.audit.counterpartOrgId = counterpart;
}

const DEFAULT_SORT = [{ attribute: 'creationDate', descending: true }];

/**
 * The operations every notice API has: `list<Type>`, `create<Type>`, `retrieve<Type>`,
 * `patch<Type>` and `retrieve<Impact>`. `etag`: the API offers ETag and If-Match.
 */
export function noticeHandlers<D extends NoticeParties & { id: string }>(
  service: NoticeOperations<D>,
  output: JsonSchema,
  o: { type: string; impact: string; sortable: string[]; present: NoticePresenter<D>; etag: boolean },
): HandlerMap {
  const resourceType = o.type[0]!.toLowerCase() + o.type.slice(1);
  const impactType = o.impact[0]!.toLowerCase() + o.impact.slice(1);
  const etag = (doc: D) => (o.etag ? { headers: { ETag: etagOf(doc) } } : {});
  return {
    async [`list${o.type}`](ctx) {
      const params: Record<string, string | undefined> = {};
      const rest: Record<string, string | string[] | undefined> = {};
      for (const [k, v] of Object.entries(ctx.query)) {
        if (service.listParams.includes(k)) params[k] = Array.isArray(v) ? v[0] : v;
        else rest[k] = v;
      }
      const q = parseListQuery(rest, output, o.sortable, DEFAULT_SORT);
      const actor = requireOrganization(ctx.actor);
      const { rows, total } = await service.list(actor, q, params);
      return listResult(
        rows.map((r) => o.present(service.viewFor(actor.organizationId, r.doc), ctx.href, q.fields)),
        total,
      );
    },
    async [`create${o.type}`](ctx) {
      const doc = await service.create(requireOrganization(ctx.actor), objectBody(ctx.body));
      noteAudit(ctx, resourceType, doc.id);
      return created(o.present(doc, ctx.href));
    },
    async [`retrieve${o.type}`](ctx): Promise<HttpResult> {
      const actor = requireOrganization(ctx.actor);
      noteAudit(ctx, resourceType, ctx.params.id);
      const fields = parseListQuery({ fields: ctx.query.fields }, output, o.sortable, DEFAULT_SORT).fields;
      const doc = await service.get(actor, ctx.params.id!);
      ctx.audit.counterpartOrgId = service.counterpartOf(actor, doc);
      return { status: 200, body: o.present(doc, ctx.href, fields), ...etag(doc) };
    },
    async [`patch${o.type}`](ctx) {
      const actor = requireOrganization(ctx.actor);
      noteAudit(ctx, resourceType, ctx.params.id);
      const doc = o.etag
        ? await service.patch(actor, ctx.params.id!, objectBody(ctx.body), ctx.ifMatch)
        : await service.patch(actor, ctx.params.id!, objectBody(ctx.body));
      ctx.audit.counterpartOrgId = service.counterpartOf(actor, doc);
      return { status: 200, body: o.present(doc, ctx.href), ...etag(doc) };
    },
    async [`retrieve${o.impact}`](ctx) {
      noteAudit(ctx, impactType, ctx.params.id);
      return { status: 200, body: await service.impact(requireOrganization(ctx.actor), ctx.params.id!) };
    },
  };
}
