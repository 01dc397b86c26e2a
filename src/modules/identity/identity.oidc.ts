import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../../config.js';
import { createIdentityRepository } from './identity.repository.js';
import type { Database } from '../../db/client.js';
import { AppError, badRequest, messageOf, unauthorized } from '../../http/errors.js';
import { isJsonObject, stringIn } from '../../http/patch.js';
import type { ActiveSession } from '../../auth/sessions.js';
import type { IdentityService } from './identity.service.js';

/**
 * Optional OpenID Connect sign-in (issue 13): authorization code flow with PKCE (S256),
 * state and nonce, for a confidential client. The state, nonce and code verifier of a
 * sign-in in flight live in PostgreSQL (`oidc_login`, used once, 10 minutes at most), so
 * the callback may land on any instance. The ID token's signature (provider JWKS), issuer,
 * audience, expiry and nonce are checked; the user is the existing active Gridlink user
 * with the token's e-mail address (`email_verified` must not be false).
 */
export interface OidcSignIn {
  authorizationUrl(): Promise<string>;
  complete(
    query: Record<string, string | string[] | undefined>,
    ip: string | undefined,
  ): Promise<{ cookie: string; session: ActiveSession }>;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
}

/** The provider's discovery document, if it is one (the endpoints are checked by the caller). */
function discoveryOf(v: unknown): Discovery | undefined {
  if (!isJsonObject(v)) return undefined;
  const { issuer, authorization_endpoint, token_endpoint, jwks_uri, userinfo_endpoint } = v;
  const methods = v.token_endpoint_auth_methods_supported;
  if (typeof issuer !== 'string' || typeof authorization_endpoint !== 'string' || typeof token_endpoint !== 'string') return undefined;
  if (typeof jwks_uri !== 'string') return undefined;
  return {
    issuer,
    authorization_endpoint,
    token_endpoint,
    jwks_uri,
    ...(typeof userinfo_endpoint === 'string' ? { userinfo_endpoint } : {}),
    ...(Array.isArray(methods) ? { token_endpoint_auth_methods_supported: methods.filter((m) => typeof m === 'string') } : {}),
  };
}

/** The token endpoint's answer: its string members. */
function tokensOf(v: unknown): { id_token?: string; access_token?: string; error?: string } {
  const o = isJsonObject(v) ? v : {};
  const [id_token, access_token, error] = [stringIn(o.id_token), stringIn(o.access_token), stringIn(o.error)];
  return { ...(id_token ? { id_token } : {}), ...(access_token ? { access_token } : {}), ...(error ? { error } : {}) };
}

const FLIGHT_MS = 10 * 60_000;
const DISCOVERY_TTL_MS = 3_600_000;
const TIMEOUT_MS = 10_000;

const providerDown = (what: string) =>
  new AppError(
    502,
    'OIDC_PROVIDER_UNAVAILABLE',
    'Bad Gateway',
    `The OpenID Connect provider could not be reached or answered badly (${what})`,
  );
const b64url = (b: Buffer) => b.toString('base64url');

export function createOidcSignIn(deps: { db: Database; now: () => Date; config: Config; service: IdentityService }): OidcSignIn {
  const settings = deps.config.identity.oidc;
  const logins = createIdentityRepository(deps.db);
  let discovered: { doc: Discovery; jwks: JWTVerifyGetKey; at: number } | undefined;

  const configured = () => {
    if (!settings) throw new AppError(404, 'OIDC_NOT_CONFIGURED', 'Not Found', 'OpenID Connect sign-in is not configured on this platform');
    return settings;
  };

  const discover = async () => {
    const s = configured();
    if (discovered && Date.now() - discovered.at < DISCOVERY_TTL_MS) return discovered;
    let doc: Discovery | undefined;
    try {
      const r = await fetch(`${s.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!r.ok) throw new Error(`status ${r.status}`);
      doc = discoveryOf(await r.json());
    } catch (e) {
      throw providerDown(`discovery: ${messageOf(e)}`);
    }
    if (!doc || doc.issuer !== s.issuer || !doc.authorization_endpoint || !doc.token_endpoint || !doc.jwks_uri)
      throw providerDown('the discovery document does not match GRIDLINK_OIDC_ISSUER');
    discovered = { doc, jwks: createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: TIMEOUT_MS }), at: Date.now() };
    return discovered;
  };

  return {
    async authorizationUrl() {
      const s = configured();
      const { doc } = await discover();
      const state = b64url(crypto.randomBytes(32));
      const nonce = b64url(crypto.randomBytes(32));
      const verifier = b64url(crypto.randomBytes(48));
      const t = deps.now();
      await logins.startOidcLogin({ state, nonce, codeVerifier: verifier, createdAt: t }, new Date(t.getTime() - FLIGHT_MS));
      const url = new URL(doc.authorization_endpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', s.clientId);
      url.searchParams.set('redirect_uri', s.redirectUri);
      url.searchParams.set('scope', s.scopes);
      url.searchParams.set('state', state);
      url.searchParams.set('nonce', nonce);
      url.searchParams.set('code_challenge', b64url(crypto.createHash('sha256').update(verifier).digest()));
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },

    async complete(query, ip) {
      const s = configured();
      const one = (k: string) => stringIn(query[k]);
      if (one('error'))
        throw unauthorized(`The identity provider refused the sign-in: ${one('error')} ${one('error_description') ?? ''}`.trim());
      const state = one('state');
      const code = one('code');
      if (!state || !code) throw badRequest('The sign-in callback needs the code and state parameters', 'INVALID_PARAMETER');
      const t = deps.now();
      const flight = await logins.takeOidcLogin(state);
      if (!flight || t.getTime() - flight.created_at.getTime() > FLIGHT_MS)
        throw badRequest('Unknown or expired sign-in attempt; start again from the sign-in page', 'INVALID_STATE');
      const { doc, jwks } = await discover();
      // RFC 9207: a provider that names itself in the response must be ours (mix-up attacks).
      if (one('iss') !== undefined && one('iss') !== doc.issuer) throw unauthorized('The sign-in response comes from another issuer');

      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: s.redirectUri,
        code_verifier: flight.code_verifier,
      });
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
      const methods = doc.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
      if (s.clientSecret && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
        form.set('client_id', s.clientId);
        form.set('client_secret', s.clientSecret);
      } else if (s.clientSecret) {
        const basic = `${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`;
        headers.Authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
      } else {
        form.set('client_id', s.clientId);
      }
      let tokens: ReturnType<typeof tokensOf>;
      let status: number;
      try {
        const r = await fetch(doc.token_endpoint, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(TIMEOUT_MS) });
        status = r.status;
        tokens = tokensOf(await r.json());
      } catch (e) {
        throw providerDown(`token endpoint: ${messageOf(e)}`);
      }
      if (status >= 400 || !tokens.id_token)
        throw unauthorized(`The identity provider did not issue an ID token (${tokens.error ?? status})`);

      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(tokens.id_token, jwks, {
          issuer: doc.issuer,
          audience: s.clientId,
          currentDate: t,
          clockTolerance: 60,
        }));
      } catch (e) {
        throw unauthorized(`The ID token is not valid: ${messageOf(e)}`);
      }
      if (claims.nonce !== flight.nonce) throw unauthorized('The ID token was not issued for this sign-in (nonce mismatch)');
      if (claims.email === undefined && doc.userinfo_endpoint && tokens.access_token) {
        // Providers that conform ID token claims put `email` in UserInfo only (OIDC Core §5.4).
        try {
          const r = await fetch(doc.userinfo_endpoint, {
            headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/json' },
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
          const info: unknown = r.ok ? await r.json() : undefined;
          // §5.3.2: the UserInfo `sub` must be the ID token's.
          if (isJsonObject(info) && info.sub === claims.sub) claims = { ...claims, email: info.email, email_verified: info.email_verified };
        } catch (e) {
          throw providerDown(`userinfo endpoint: ${messageOf(e)}`);
        }
      }
      if (typeof claims.email !== 'string' || claims.email_verified === false)
        throw unauthorized('The ID token carries no verified e-mail address');
      const signedIn = await deps.service.signInByEmail(claims.email, ip);
      if (!signedIn) throw unauthorized("No active Gridlink user has the e-mail address of this identity; ask your organisation's admin");
      return signedIn;
    },
  };
}
