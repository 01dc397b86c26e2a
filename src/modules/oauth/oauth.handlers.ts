import type { OAuth } from './oauth.service.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/party.js';
import type { HandlerMap } from '../../http/context.js';

/** Token endpoint, JWKS and signing-key rotation (documented in openapi/party.yaml). */
export function oauthHandlers(oauth: OAuth): HandlerMap {
  return operationHandlers<operations>({
    async issueToken(ctx) {
      let basic: { id: string; secret: string } | undefined;
      const auth = ctx.headers.authorization;
      if (auth?.startsWith('Basic ')) {
        const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
        if (id && secret) basic = { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
      }
      const token = await oauth.issue(ctx.body, basic);
      ctx.audit.detail = `token issued, scope: ${token.scope}`;
      return { status: 200, body: token, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
    },
    async getJwks() {
      return { status: 200, body: await oauth.jwks() };
    },
    async rotateSigningKey(ctx) {
      const kid = await oauth.rotate();
      ctx.audit.detail = `signing key rotated to ${kid}`;
      return { status: 200, body: { kid, '@type': 'SigningKeyRotation' } };
    },
  });
}
