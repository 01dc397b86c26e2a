import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Database } from '../../db/client.js';
import type { OrganizationActor, Role } from '../../http/context.js';
import { AppError, codeOf, unauthorized } from '../../http/errors.js';
import { digestOf, parseApiKey, sameDigest } from '../../auth/apiKeys.js';
import * as repo from './oauth.repository.js';

/**
 * OAuth2 client credentials (RFC 6749 §4.4) beside API keys. A client authenticates with
 * client_id = API key id and client_secret = the API key, and receives a short-lived
 * ES256-signed JWT whose scopes name APIs and access (`troubleTicket:read`,
 * `energyOutage:write`, …), never more than the key's role allows. Signing keys live in
 * PostgreSQL: the newest signs, retired ones keep verifying until the tokens they signed
 * have expired, so rotation needs no downtime and every instance agrees.
 */
export const ISSUER = 'gridlink';
export const AUDIENCE = 'gridlink-api';
const ALG = 'ES256';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export type OAuth = ReturnType<typeof createOAuth>;

export function createOAuth(deps: { db: Database; now: () => Date; ttlSeconds: number; apiNames: () => string[] }) {
  const { db, now } = deps;
  let verifyCache: { at: number; keys: Map<string, Awaited<ReturnType<typeof importJWK>>> } | undefined;

  const allScopes = (role: Role) => deps.apiNames().flatMap((a) => (role === 'viewer' ? [`${a}:read`] : [`${a}:read`, `${a}:write`]));

  const currentSigningKey = async () => {
    return (await repo.currentSigningKey(db.reader)) ?? rotate();
  };

  const rotate = async () => {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = crypto.randomUUID();
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    await db.transaction((tx) => repo.replaceSigningKey(tx, { kid, alg: ALG, privateJwk, publicJwk, at: now() }));
    verifyCache = undefined;
    return { kid, private_jwk: privateJwk };
  };

  /** Retired keys keep verifying for a token lifetime (and a minute of clock skew). */
  const verifiableSince = () => new Date(now().getTime() - deps.ttlSeconds * 1000 - 60_000);

  /** Keys that may verify: current ones and those retired less than a token lifetime ago. */
  const verificationKeys = async (refresh = false) => {
    // A kid this instance does not know may come from a rotation on another instance:
    // reload then, so tokens of the new key verify at once (refused sources are blocked by GW-3).
    if (!refresh && verifyCache && Date.now() - verifyCache.at < 30_000) return verifyCache.keys;
    const rows = await repo.verificationKeys(db.reader, verifiableSince());
    const keys = new Map<string, Awaited<ReturnType<typeof importJWK>>>();
    for (const r of rows) keys.set(r.kid, await importJWK(r.public_jwk, ALG));
    verifyCache = { at: Date.now(), keys };
    return keys;
  };

  const tokenError = (status: number, code: string, message: string) =>
    new AppError(status, code, status === 401 ? 'Unauthorized' : 'Bad Request', message);

  return {
    rotate: async () => (await rotate()).kid,

    async jwks() {
      const rows = await repo.verificationKeys(db.reader, verifiableSince());
      return { keys: rows.map((r) => r.public_jwk) };
    },

    /** The token endpoint: grant_type=client_credentials, client_id, client_secret, scope. */
    async issue(form: Record<string, unknown>, basic: { id: string; secret: string } | undefined): Promise<TokenResponse> {
      if (form.grant_type !== 'client_credentials')
        throw tokenError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
      const clientId = basic?.id ?? (typeof form.client_id === 'string' ? form.client_id : '');
      const secret = basic?.secret ?? (typeof form.client_secret === 'string' ? form.client_secret : '');
      const parsed = parseApiKey(secret);
      if (!clientId || !parsed)
        throw tokenError(401, 'invalid_client', 'client_id (API key id) and client_secret (the API key) are required');
      const key = await repo.apiKeyByPrefix(db.reader, parsed.prefix);
      if (!key || key.id !== clientId || !sameDigest(digestOf(secret), new Uint8Array(key.digest)) || key.revoked_at) {
        throw tokenError(401, 'invalid_client', 'Invalid client credentials');
      }
      const allowed = allScopes(key.role);
      const requested = typeof form.scope === 'string' && form.scope.trim() ? form.scope.trim().split(/\s+/) : allowed;
      const denied = requested.filter((s) => !allowed.includes(s));
      if (denied.length) throw tokenError(400, 'invalid_scope', `Scopes not available to this ${key.role} key: ${denied.join(' ')}`);
      const signing = await currentSigningKey();
      const iat = Math.floor(now().getTime() / 1000);
      const token = await new SignJWT({ scope: requested.join(' '), org: key.organization_id, role: key.role })
        .setProtectedHeader({ alg: ALG, kid: signing.kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(key.id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + deps.ttlSeconds)
        .setJti(crypto.randomUUID())
        .sign(await importJWK(signing.private_jwk, ALG));
      return { access_token: token, token_type: 'Bearer', expires_in: deps.ttlSeconds, scope: requested.join(' ') };
    },

    /** Verifies a bearer JWT; the API key behind it must still exist and not be revoked. */
    async verify(token: string): Promise<OrganizationActor & { scopes: string[] }> {
      const keys = await verificationKeys();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header) => {
            const k = keys.get(header.kid ?? '') ?? (await verificationKeys(true)).get(header.kid ?? '');
            if (!k) throw new Error('unknown signing key');
            return k;
          },
          { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALG], currentDate: now() },
        ));
      } catch (e) {
        const code = codeOf(e);
        throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'The access token has expired; request a new one' : 'Invalid access token');
      }
      const key = await repo.tokenSubject(db.reader, String(payload.sub));
      if (!key || key.revoked_at) throw unauthorized('The API key behind this token has been revoked');
      return {
        kind: 'organization',
        organizationId: key.organization_id,
        organizationKind: key.kind,
        role: key.role,
        credentialId: String(payload.sub),
        scopes: String(payload.scope ?? '')
          .split(' ')
          .filter(Boolean),
      };
    },
  };
}
