import type { GridlinkModule, ModuleContext } from '../index.js';
import { identityHandlers } from './identity.handlers.js';
import { createOidcSignIn } from './identity.oidc.js';
import { createIdentityService, type IdentityService } from './identity.service.js';

/** Issue 13: console users, password and OpenID Connect sign-in, sessions. No hub: nothing here is exchanged. */
export function identityModule(ctx: ModuleContext): GridlinkModule & { service: IdentityService } {
  const service = createIdentityService({ db: ctx.db, now: ctx.now, config: ctx.config, gateway: ctx.gateway, sessions: ctx.sessions });
  const oidc = createOidcSignIn({ db: ctx.db, now: ctx.now, config: ctx.config, service });
  return {
    name: 'identity',
    service,
    handlers: identityHandlers(service, oidc, ctx.apis, ctx.config.identity.cookieSecure),
    hubs: [],
    jobs: [
      {
        name: 'session-prune',
        schedule: '17 * * * *',
        timeoutMs: 60_000,
        description: 'Deletes console sessions that ended or expired more than a day ago',
        run: async () => `${await ctx.sessions.prune()} session(s) deleted`,
      },
    ],
  };
}
