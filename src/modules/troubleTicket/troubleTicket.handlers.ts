import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/troubleTicket.js';
import { listResult, parseListQuery, type JsonSchema } from '../../http/tmfQuery.js';
import type { JsonObject } from '../../http/patch.js';
import { created, withWarning } from '../shared.js';
import { etagOf } from '../../http/etag.js';
import type { LinkService } from '../links/links.service.js';
import { presentTroubleTicket } from './troubleTicket.presenter.js';
import type { StoredTicket } from './troubleTicket.types.js';
import { SORTABLE, type TroubleTicketService } from './troubleTicket.service.js';
import { ignoredStatusWarning, rewriteStatusQuery } from '../standard.js';
import { TICKET_STATUS_PROFILE } from './troubleTicket.lifecycle.js';

const DEFAULT_SORT = [{ attribute: 'creationDate', descending: true }];

export function troubleTicketHandlers(service: TroubleTicketService, output: JsonSchema, links?: LinkService): HandlerMap {
  // Issue 5 hook: links visible to the caller (`linkedEntity`), references it cannot see left out.
  const linked = async (ctx: RequestContext, docs: JsonObject[]) =>
    links ? links.present(requireOrganization(ctx.actor).organizationId, 'troubleTicket', docs, ctx.href) : docs;
  const one = async (ctx: RequestContext, doc: JsonObject) => (await linked(ctx, [doc]))[0]!;
  const note = (ctx: RequestContext, doc: StoredTicket) => {
    ctx.audit.resourceId = doc.id;
    ctx.audit.counterpartOrgId = service.counterpartOf(requireOrganization(ctx.actor), doc);
  };
  const fieldsOf = (ctx: RequestContext) => parseListQuery({ fields: ctx.query.fields }, output, SORTABLE, DEFAULT_SORT).fields;

  return operationHandlers<operations>({
    async listTroubleTicket(ctx) {
      const q = parseListQuery(rewriteStatusQuery(ctx.query, TICKET_STATUS_PROFILE), output, SORTABLE, DEFAULT_SORT);
      const { rows, total } = await service.list(requireOrganization(ctx.actor), q);
      return listResult(
        (
          await linked(
            ctx,
            rows.map((r) => r.doc),
          )
        ).map((d) => presentTroubleTicket(d, ctx.href, q.fields)),
        total,
      );
    },
    async retrieveTroubleTicket(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.get(requireOrganization(ctx.actor), ctx.params.id);
      note(ctx, doc);
      return { status: 200, body: presentTroubleTicket(await one(ctx, doc), ctx.href, fieldsOf(ctx)), headers: { ETag: etagOf(doc) } };
    },
    async createTroubleTicket(ctx) {
      const fields = fieldsOf(ctx); // checked before anything is written
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body);
      note(ctx, doc);
      const res = created(presentTroubleTicket(await one(ctx, doc), ctx.href, fields));
      return withWarning(
        { ...res, headers: { ...res.headers, ETag: etagOf(doc) } },
        ignoredStatusWarning(TICKET_STATUS_PROFILE, ctx.body.status),
      );
    },
    async patchTroubleTicket(ctx) {
      const fields = fieldsOf(ctx); // checked before anything is written
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.patch(requireOrganization(ctx.actor), ctx.params.id, ctx.contentType, ctx.body, ctx.ifMatch);
      note(ctx, doc);
      return { status: 200, body: presentTroubleTicket(await one(ctx, doc), ctx.href, fields), headers: { ETag: etagOf(doc) } };
    },
    async deleteTroubleTicket(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.delete(requireOrganization(ctx.actor), ctx.params.id, ctx.ifMatch);
      note(ctx, doc);
      return { status: 204 };
    },
  });
}
