import type { HandlerMap, RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/party.js';
import { requireAuthenticated, requireOrganization } from '../../http/context.js';
import { applyListQuery, listResult, parseListQuery, selectFields } from '../../http/tmfQuery.js';
import type { LoadedApi } from '../../http/openapi.js';
import { byCreation, componentSchema, created } from '../shared.js';
import type { PartyService } from './party.service.js';
import { presentApiKey, presentOrganization, presentPartnership } from './party.presenter.js';

export function partyHandlers(service: PartyService, apis: LoadedApi[]): HandlerMap {
  const schemas = {
    organization: componentSchema(apis, 'party', 'Organization'),
    partnership: componentSchema(apis, 'party', 'Partnership'),
    apiKey: componentSchema(apis, 'party', 'ApiKey'),
  };
  const list = <T extends Record<string, unknown>>(ctx: RequestContext, items: T[], schema: keyof typeof schemas, sortable: string[]) => {
    const q = parseListQuery(ctx.query, schemas[schema], sortable, byCreation);
    const { page, total } = applyListQuery(items, q);
    return listResult(
      page.map((i) => selectFields(i, q.fields)),
      total,
    );
  };
  const one = <T extends Record<string, unknown>>(ctx: RequestContext, item: T, schema: keyof typeof schemas) => {
    const q = parseListQuery({ fields: ctx.query.fields }, schemas[schema], [], byCreation);
    return { status: 200, body: selectFields(item, q.fields) };
  };

  return operationHandlers<operations>({
    async createOrganization(ctx) {
      const body = ctx.body;
      const { org, apiKey, secret } = await service.createOrganization(body);
      ctx.audit.resourceId = org.id;
      return created({ ...presentOrganization(org, ctx.href), apiKey: { ...presentApiKey(apiKey, ctx.href), key: secret } });
    },
    async listOrganization(ctx) {
      const items = (await service.listOrganizations(requireAuthenticated(ctx.actor))).map((o) => presentOrganization(o, ctx.href));
      return list(ctx, items, 'organization', ['createdAt', 'name', 'kind', 'country']);
    },
    async retrieveOrganization(ctx) {
      return one(
        ctx,
        presentOrganization(await service.getOrganization(requireAuthenticated(ctx.actor), ctx.params.id), ctx.href),
        'organization',
      );
    },
    async createPartnership(ctx) {
      const actor = requireOrganization(ctx.actor);
      const p = await service.createPartnership(actor, ctx.body);
      ctx.audit.resourceId = p.id;
      ctx.audit.counterpartOrgId = p.dsoId === actor.organizationId ? p.mnoId : p.dsoId;
      return created(presentPartnership(p, ctx.href));
    },
    async listPartnership(ctx) {
      const items = (await service.listPartnerships(requireAuthenticated(ctx.actor))).map((p) => presentPartnership(p, ctx.href));
      return list(ctx, items, 'partnership', ['createdAt', 'lastUpdate', 'status']);
    },
    async retrievePartnership(ctx) {
      return one(
        ctx,
        presentPartnership(await service.getPartnership(requireAuthenticated(ctx.actor), ctx.params.id), ctx.href),
        'partnership',
      );
    },
    async patchPartnership(ctx) {
      const actor = requireOrganization(ctx.actor);
      ctx.audit.resourceId = ctx.params.id;
      const p = await service.changePartnershipStatus(actor, ctx.params.id, ctx.body);
      ctx.audit.counterpartOrgId = p.dsoId === actor.organizationId ? p.mnoId : p.dsoId;
      return { status: 200, body: presentPartnership(p, ctx.href) };
    },
    async createApiKey(ctx) {
      const { row, secret } = await service.createApiKey(requireOrganization(ctx.actor), ctx.body);
      ctx.audit.resourceId = row.id;
      return created({ ...presentApiKey(row, ctx.href), key: secret });
    },
    async listApiKey(ctx) {
      const items = (await service.listApiKeys(requireOrganization(ctx.actor))).map((k) => presentApiKey(k, ctx.href));
      return list(ctx, items, 'apiKey', ['createdAt', 'name', 'role']);
    },
    async retrieveApiKey(ctx) {
      return one(ctx, presentApiKey(await service.getApiKey(requireOrganization(ctx.actor), ctx.params.id), ctx.href), 'apiKey');
    },
    async revokeApiKey(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      await service.revokeApiKey(requireOrganization(ctx.actor), ctx.params.id);
      return { status: 204 };
    },
  });
}
