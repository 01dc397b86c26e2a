import { requireOrganization, type HandlerMap } from '../../http/context.js';
import { listResult } from '../../http/tmfQuery.js';
import type { Webhooks } from '../../events/webhooks.js';
import { created } from '../shared.js';

/**
 * TMF hub operations for one API document, registered as `<api>.<operationId>`: those of
 * `operationIds` (the document's). The v4 documents name two of them `registerListener` /
 * `unregisterListener`; same handlers.
 */
export function hubHandlers(webhooks: Webhooks, api: string, operationIds: readonly string[]): HandlerMap {
  const handlers: HandlerMap = {
    async [`${api}.createHub`](ctx) {
      const hub = await webhooks.create(
        requireOrganization(ctx.actor),
        api,
        ctx.body as { callback: string; query?: string; format?: string },
      );
      ctx.audit.resourceId = hub.id;
      return created(hub);
    },
    async [`${api}.listHub`](ctx) {
      const hubs = await webhooks.list(requireOrganization(ctx.actor), api);
      return listResult(hubs, hubs.length);
    },
    async [`${api}.hubGet`](ctx) {
      return { status: 200, body: await webhooks.get(requireOrganization(ctx.actor), api, ctx.params.id!) };
    },
    async [`${api}.hubDelete`](ctx) {
      ctx.audit.resourceId = ctx.params.id;
      await webhooks.remove(requireOrganization(ctx.actor), api, ctx.params.id!);
      return { status: 204 };
    },
    async [`${api}.checkHub`](ctx) {
      ctx.audit.resourceId = ctx.params.id;
      return { status: 200, body: await webhooks.checkOwn(requireOrganization(ctx.actor), api, ctx.params.id!) };
    },
  };
  handlers[`${api}.registerListener`] = handlers[`${api}.createHub`]!;
  handlers[`${api}.unregisterListener`] = handlers[`${api}.hubDelete`]!;
  return Object.fromEntries(operationIds.map((id) => [`${api}.${id}`, handlers[`${api}.${id}`]]).filter(([, h]) => h));
}
