import { requireOrganization, type HandlerMap } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import { listResult } from '../../http/tmfQuery.js';
import type { Webhooks } from '../../events/webhooks.js';
import type { operations } from '../../generated/openapi/troubleTicket.js';
import { created } from '../shared.js';

/** The hub operations every document shares (`./common.yaml#/x-hubPaths`); typed from one of them. */
type HubOperations = Pick<operations, 'createHub' | 'listHub' | 'hubGet' | 'hubDelete' | 'checkHub'>;

/**
 * TMF hub operations for one API document, registered as `<api>.<operationId>`: those of
 * `operationIds` (the document's). The v4 documents name two of them `registerListener` /
 * `unregisterListener`; same handlers.
 */
export function hubHandlers(webhooks: Webhooks, api: string, operationIds: readonly string[]): HandlerMap {
  const handlers = operationHandlers<HubOperations>({
    async createHub(ctx) {
      const hub = await webhooks.create(requireOrganization(ctx.actor), api, ctx.body);
      ctx.audit.resourceId = hub.id;
      return created(hub);
    },
    async listHub(ctx) {
      const hubs = await webhooks.list(requireOrganization(ctx.actor), api);
      return listResult(hubs, hubs.length);
    },
    async hubGet(ctx) {
      return { status: 200, body: await webhooks.get(requireOrganization(ctx.actor), api, ctx.params.id) };
    },
    async hubDelete(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      await webhooks.remove(requireOrganization(ctx.actor), api, ctx.params.id);
      return { status: 204 };
    },
    async checkHub(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      return { status: 200, body: await webhooks.checkOwn(requireOrganization(ctx.actor), api, ctx.params.id) };
    },
  });
  handlers.registerListener = handlers.createHub!;
  handlers.unregisterListener = handlers.hubDelete!;
  return Object.fromEntries(operationIds.filter((id) => handlers[id]).map((id) => [`${api}.${id}`, handlers[id]!]));
}
