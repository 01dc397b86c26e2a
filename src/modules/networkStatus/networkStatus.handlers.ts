import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import type { JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, selectFields, type JsonSchema } from '../../http/tmfQuery.js';
import { created } from '../shared.js';
import { GEO_PARAMS, NETWORK_STATUS_SORTABLE, type NetworkStatusService } from './networkStatus.service.js';

export const NETWORK_STATUS_BASE = '/tmf-api/networkStatus/v1';
const DEFAULT_SORT = [{ attribute: 'creationDate', descending: true }];

export function networkStatusHandlers(service: NetworkStatusService, output: JsonSchema): HandlerMap {
  const present = (ctx: RequestContext, doc: JsonObject, fields?: string[]) =>
    selectFields({ ...doc, href: ctx.href(NETWORK_STATUS_BASE, `/networkStatusNotice/${doc.id as string}`) }, fields);
  const note = (ctx: RequestContext, type: string, id: string | undefined) => {
    ctx.audit.resourceType = type;
    ctx.audit.resourceId = id;
  };

  return {
    async listNetworkStatusNotice(ctx) {
      const geo: Record<string, string | undefined> = {};
      const rest: Record<string, string | string[] | undefined> = {};
      for (const [k, v] of Object.entries(ctx.query)) {
        if (GEO_PARAMS.includes(k)) geo[k] = Array.isArray(v) ? v[0] : v;
        else rest[k] = v;
      }
      const q = parseListQuery(rest, output, NETWORK_STATUS_SORTABLE, DEFAULT_SORT);
      const actor = requireOrganization(ctx.actor);
      const { rows, total } = await service.list(actor, q, geo);
      return listResult(
        rows.map((r) => present(ctx, service.viewFor(actor.organizationId, r.doc), q.fields)),
        total,
      );
    },
    async createNetworkStatusNotice(ctx) {
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body as JsonObject);
      note(ctx, 'networkStatusNotice', doc.id as string);
      return created(present(ctx, doc) as { href: string });
    },
    async retrieveNetworkStatusNotice(ctx) {
      const actor = requireOrganization(ctx.actor);
      note(ctx, 'networkStatusNotice', ctx.params.id);
      const fields = parseListQuery({ fields: ctx.query.fields }, output, NETWORK_STATUS_SORTABLE, DEFAULT_SORT).fields;
      const doc = await service.get(actor, ctx.params.id!);
      ctx.audit.counterpartOrgId = service.counterpartOf(actor, doc);
      return { status: 200, body: present(ctx, doc, fields) };
    },
    async patchNetworkStatusNotice(ctx) {
      const actor = requireOrganization(ctx.actor);
      note(ctx, 'networkStatusNotice', ctx.params.id);
      const doc = await service.patch(actor, ctx.params.id!, ctx.body as JsonObject);
      return { status: 200, body: present(ctx, doc) };
    },
    async retrieveNetworkStatusImpact(ctx) {
      note(ctx, 'networkStatusImpact', ctx.params.id);
      return { status: 200, body: await service.impact(requireOrganization(ctx.actor), ctx.params.id!) };
    },
  };
}
