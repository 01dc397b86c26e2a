import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { listResult, parseListQuery, type JsonSchema } from '../../http/tmfQuery.js';
import type { JsonObject } from '../../http/patch.js';
import { created } from '../shared.js';
import { presentTroubleTicket } from './troubleTicket.presenter.js';
import { SORTABLE, type TroubleTicketService } from './troubleTicket.service.js';

const DEFAULT_SORT = [{ attribute: 'creationDate', descending: true }];

export function troubleTicketHandlers(service: TroubleTicketService, output: JsonSchema): HandlerMap {
  const note = (ctx: RequestContext, doc: JsonObject) => {
    ctx.audit.resourceType = 'troubleTicket';
    ctx.audit.resourceId = doc.id as string;
    ctx.audit.counterpartOrgId = service.counterpartOf(requireOrganization(ctx.actor), doc);
  };
  const fieldsOf = (ctx: RequestContext) => parseListQuery({ fields: ctx.query.fields }, output, SORTABLE, DEFAULT_SORT).fields;

  return {
    async listTroubleTicket(ctx) {
      const q = parseListQuery(ctx.query, output, SORTABLE, DEFAULT_SORT);
      const { rows, total } = await service.list(requireOrganization(ctx.actor), q);
      return listResult(rows.map((r) => presentTroubleTicket(r.doc, ctx.href, q.fields)), total);
    },
    async retrieveTroubleTicket(ctx) {
      ctx.audit.resourceType = 'troubleTicket';
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.get(requireOrganization(ctx.actor), ctx.params.id!);
      note(ctx, doc);
      return { status: 200, body: presentTroubleTicket(doc, ctx.href, fieldsOf(ctx)) };
    },
    async createTroubleTicket(ctx) {
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body as JsonObject);
      note(ctx, doc);
      return created(presentTroubleTicket(doc, ctx.href) as { href: string });
    },
    async patchTroubleTicket(ctx) {
      ctx.audit.resourceType = 'troubleTicket';
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.patch(requireOrganization(ctx.actor), ctx.params.id!, ctx.contentType, ctx.body);
      note(ctx, doc);
      return { status: 200, body: presentTroubleTicket(doc, ctx.href) };
    },
    async deleteTroubleTicket(ctx) {
      ctx.audit.resourceType = 'troubleTicket';
      ctx.audit.resourceId = ctx.params.id;
      const doc = await service.delete(requireOrganization(ctx.actor), ctx.params.id!);
      note(ctx, doc);
      return { status: 204 };
    },
  };
}
