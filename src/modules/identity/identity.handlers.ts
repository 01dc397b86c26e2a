import type { HandlerMap, RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/identity.js';
import { forbidden } from '../../http/errors.js';
import { requireOrganization } from '../../http/context.js';
import { applyListQuery, listResult, parseListQuery, selectFields } from '../../http/tmfQuery.js';
import type { LoadedApi } from '../../http/openapi.js';
import { actorOfSession, sessionCookieHeader } from '../../auth/sessions.js';
import { byCreation, componentSchema, created } from '../shared.js';
import type { IdentityService } from './identity.service.js';
import { presentSession, presentUser } from './identity.presenter.js';
import type { OidcSignIn } from './identity.oidc.js';

export function identityHandlers(service: IdentityService, oidc: OidcSignIn, apis: LoadedApi[], cookieSecure: boolean): HandlerMap {
  const userSchema = componentSchema(apis, 'identity', 'User');

  /** GET/DELETE /session answer for the cookie only (an API key is not a session). */
  const sessionOf = (ctx: RequestContext) => {
    const actor = requireOrganization(ctx.actor);
    if (!actor.session) throw forbidden('This operation is for a signed-in session (the gridlink_session cookie), not an API key or token');
    return { actor, session: actor.session };
  };

  /** `Secure` in production / with an https base URL (config), and on any request that came over https. */
  const setCookie = (ctx: RequestContext, value: string) => sessionCookieHeader(value, cookieSecure || ctx.secure);

  return operationHandlers<operations>({
    async createSession(ctx) {
      const body = ctx.body;
      // GW-2/GW-3: the audit row of a sign-in, failed ones included, says which address was tried.
      ctx.audit.detail = `sign-in as ${body.email.trim().toLowerCase().slice(0, 254)}`;
      const { cookie, session } = await service.signIn(body, ctx.ip);
      ctx.audit.resourceId = session.id;
      ctx.audit.actor = actorOfSession(session);
      return {
        status: 201,
        body: presentSession(session),
        headers: { 'Set-Cookie': setCookie(ctx, cookie), 'Cache-Control': 'no-store' },
      };
    },
    async retrieveSession(ctx) {
      const { session } = sessionOf(ctx);
      return { status: 200, body: presentSession(session), headers: { 'Cache-Control': 'no-store' } };
    },
    async deleteSession(ctx) {
      const { session } = sessionOf(ctx);
      await service.endSession(session);
      ctx.audit.resourceId = session.id;
      return { status: 204, headers: { 'Set-Cookie': setCookie(ctx, '') } };
    },

    async startOidcLogin() {
      return { status: 302, headers: { Location: await oidc.authorizationUrl(), 'Cache-Control': 'no-store' } };
    },
    async completeOidcLogin(ctx) {
      const { cookie, session } = await oidc.complete(ctx.query, ctx.ip);
      ctx.audit.resourceId = session.id;
      ctx.audit.actor = actorOfSession(session);
      return {
        status: 302,
        headers: { Location: '/console', 'Set-Cookie': setCookie(ctx, cookie), 'Cache-Control': 'no-store' },
      };
    },

    async listUser(ctx) {
      const items = (await service.listUsers(requireOrganization(ctx.actor))).map((u) => presentUser(u, ctx.href));
      const q = parseListQuery(ctx.query, userSchema, ['createdAt', 'name', 'email', 'role', 'status', 'lastSignInAt'], byCreation);
      const { page, total } = applyListQuery(items, q);
      return listResult(
        page.map((i) => selectFields(i, q.fields)),
        total,
      );
    },
    async createUser(ctx) {
      const u = await service.createUser(requireOrganization(ctx.actor), ctx.body);
      ctx.audit.resourceId = u.id;
      return created(presentUser(u, ctx.href));
    },
    async retrieveUser(ctx) {
      const u = presentUser(await service.getUser(requireOrganization(ctx.actor), ctx.params.id), ctx.href);
      const q = parseListQuery({ fields: ctx.query.fields }, userSchema, [], byCreation);
      return { status: 200, body: selectFields(u, q.fields) };
    },
    async patchUser(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const u = await service.updateUser(requireOrganization(ctx.actor), ctx.params.id, ctx.body);
      return { status: 200, body: presentUser(u, ctx.href) };
    },
    async deleteUser(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      await service.deleteUser(requireOrganization(ctx.actor), ctx.params.id);
      return { status: 204 };
    },
  });
}
