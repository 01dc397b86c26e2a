import type { GridlinkModule, ModuleContext } from '../types.js';
import { identityHandlers } from './identity.handlers.js';
import { createOidcSignIn } from './identity.oidc.js';

/** Issue 13: console users, password and OpenID Connect sign-in, sessions. No hub: nothing here is exchanged. */
export function identityModule(ctx: ModuleContext): GridlinkModule {
  const service = ctx.services.identity;
  const oidc = createOidcSignIn({ db: ctx.db, now: ctx.now, config: ctx.config, service });
  return {
    name: 'identity',
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
