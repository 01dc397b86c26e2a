import type { GridlinkModule, ModuleContext } from '../types.js';
import { oauthHandlers } from './oauth.handlers.js';

/**
 * OAuth2 client credentials beside API keys: the token endpoint, JWKS and signing-key
 * rotation (documented in openapi/party.yaml). The service is also the authenticator's
 * token verifier (src/auth/authenticate.ts), which gets it from the composition root.
 */
export function oauthModule(ctx: ModuleContext): GridlinkModule {
  return { name: 'oauth', handlers: oauthHandlers(ctx.services.oauth), hubs: [] };
}
