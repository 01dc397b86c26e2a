/**
 * @gridlink/sdk: a typed client for every Gridlink API, generated from the OpenAPI
 * documents (openapi-typescript types in ./generated, not committed: run
 * `npm run sdk:generate`) and called through openapi-fetch.
 *
 *   const gl = createGridlinkClient({ baseUrl: 'https://gridlink.example.org', credential: apiKey('glk_...') });
 *   const { data, error } = await gl.troubleTicket.POST('/troubleTicket', { body: { ... } });
 *
 * Each API is one openapi-fetch client whose paths are those of its document, relative to
 * the API's base path (`/tmf-api/troubleTicket/v5`, ...): request bodies, parameters and
 * responses are typed, and `error` is the TMF Error body of a 4xx/5xx answer.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { basePaths, type ApiPaths } from './generated/apis.js';

export type { ApiPaths } from './generated/apis.js';
export { basePaths } from './generated/apis.js';

export type ApiName = keyof ApiPaths;
export type GridlinkClient = { readonly [K in ApiName]: Client<ApiPaths[K]> };

/**
 * What goes after `Authorization: Bearer`: an organisation API key or an OAuth access
 * token, or a function returning one (called before each request, so it may renew it).
 */
export type Credential = string | (() => string | Promise<string>);

export interface GridlinkOptions {
  /** The server, without the API base path, e.g. `https://gridlink.example.org`. */
  baseUrl: string;
  credential?: Credential;
  /** A fetch implementation (default: the global fetch). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request (e.g. `X-Request-ID`). */
  headers?: Record<string, string>;
}

/** An organisation API key (`glk_...`) as the credential. */
export function apiKey(key: string): Credential {
  if (!key) throw new Error('apiKey: the key is empty');
  return key;
}

/** Middleware that sets `Authorization: Bearer <credential>` on each request. */
export function bearerAuth(credential: Credential): Middleware {
  return {
    async onRequest({ request }) {
      const token = typeof credential === 'function' ? await credential() : credential;
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
}

export interface ClientCredentialsOptions {
  /** The server, as in GridlinkOptions. */
  baseUrl: string;
  /** The API key's id (`client_id`). */
  clientId: string;
  /** The API key itself (`client_secret`). */
  clientSecret: string;
  /** Scopes such as `troubleTicket:read troubleTicket:write` (default: all of the key's). */
  scope?: string | string[];
  /** Renew this many seconds before the token expires (default 30). */
  renewBeforeSeconds?: number;
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4) against the Party API's `/oauth/token`: a
 * credential function that obtains an access token, caches it and renews it shortly
 * before it expires (one token request at a time).
 */
export function oauthClientCredentials(opts: ClientCredentialsOptions): () => Promise<string> {
  const party = createClient<ApiPaths['party']>({
    baseUrl: joinUrl(opts.baseUrl, basePaths.party),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const renewMs = (opts.renewBeforeSeconds ?? 30) * 1000;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const obtain = async (): Promise<string> => {
    const scope = Array.isArray(opts.scope) ? opts.scope.join(' ') : opts.scope;
    const { data, error, response } = await party.POST('/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret, ...(scope ? { scope } : {}) },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    if (!data) throw new Error(`oauthClientCredentials: token refused (${response.status}): ${JSON.stringify(error)}`);
    cached = { token: data.access_token, renewAt: Date.now() + data.expires_in * 1000 - renewMs };
    return data.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    pending ??= obtain().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

function joinUrl(baseUrl: string, basePath: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${basePath}`;
}

/** One typed client per Gridlink API, sharing the base URL, credential and fetch. */
export function createGridlinkClient(opts: GridlinkOptions): GridlinkClient {
  const auth = opts.credential === undefined ? undefined : bearerAuth(opts.credential);
  const clients = Object.fromEntries(
    (Object.keys(basePaths) as ApiName[]).map((name) => {
      const client = createClient({
        baseUrl: joinUrl(opts.baseUrl, basePaths[name]),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.headers ? { headers: opts.headers } : {}),
      });
      if (auth) client.use(auth);
      return [name, client];
    }),
  );
  return clients as unknown as GridlinkClient;
}
