import type { Database } from '../db/client.js';
import type { Actor, Role } from '../http/context.js';
import { AppError, unauthorized } from '../http/errors.js';
import { digestOf, parseApiKey, sameDigest } from './apiKeys.js';
import type { OAuth } from '../modules/oauth/oauth.service.js';
import { actorOfSession, sameToken, sessionCookieOf, type SessionStore } from './sessions.js';

/** What a request offers as credentials. */
export interface Credentials {
  /** `Authorization` header: an API key, an OAuth token or the platform-admin token. */
  authorization?: string | undefined;
  /** `Cookie` header: the console's session cookie (used only without `Authorization`). */
  cookie?: string | undefined;
  /** HTTP method: unsafe methods authenticated by the cookie need the CSRF token. */
  method?: string;
  /** `X-CSRF-Token` header. */
  csrfToken?: string | undefined;
}

export interface Authenticator {
  /**
   * Resolves the credentials to an actor, or throws a 401 AppError (403 for a session
   * cookie on an unsafe request without the right CSRF token). A bearer credential wins
   * over a cookie; a string is taken as the Authorization header.
   */
  authenticate(credentials: Credentials | string | undefined): Promise<Actor>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
  id: string;
  organizationId: string;
  kind: 'DSO' | 'MNO';
  role: Role;
  digest: Buffer;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
const KEY_LOOKUP = `SELECT k.id::text AS id, k.organization_id::text AS "organizationId", o.kind::text AS kind, k.role::text AS role,
       k.digest, k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
  FROM api_key k JOIN organization o ON o.id = k.organization_id WHERE k.prefix = $1`;

export function createAuthenticator(deps: {
  db: Database;
  adminToken: string | undefined;
  now: () => Date;
  oauth: OAuth;
  sessions: SessionStore;
}): Authenticator {
  const adminDigest = deps.adminToken ? digestOf(deps.adminToken) : undefined;

  /** Issue 13: the console's session cookie acts as an API key of the user's role and organisation. */
  const bySession = async (cookie: string, c: Credentials): Promise<Actor> => {
    const session = await deps.sessions.resolve(cookie);
    if (!session) throw unauthorized('Your session has ended or expired; sign in again');
    if (!SAFE_METHODS.has((c.method ?? 'GET').toUpperCase()) && !sameToken(c.csrfToken, session.csrfToken)) {
      throw new AppError(
        403,
        'CSRF_TOKEN_INVALID',
        'Forbidden',
        'A request authenticated by the session cookie must carry the X-CSRF-Token header with the csrfToken of the session',
      );
    }
    return actorOfSession(session);
  };

  return {
    async authenticate(credentials) {
      const c: Credentials = typeof credentials === 'object' ? credentials : { authorization: credentials };
      const authorization = c.authorization;
      if (!authorization) {
        const cookie = sessionCookieOf(c.cookie);
        if (cookie) return bySession(cookie, c);
        throw unauthorized('Missing credentials: send Authorization: Bearer <API key>, or sign in');
      }
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m) throw unauthorized('Malformed Authorization header: expected "Bearer <API key>"');
      const token = m[1]!;
      if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return deps.oauth.verify(token);
      const parsed = parseApiKey(token);
      if (!parsed) {
        if (adminDigest && sameDigest(digestOf(token), adminDigest)) {
          return { kind: 'platform', credentialId: 'platform-admin' };
        }
        throw unauthorized('Invalid credentials');
      }
      // One round trip on the hot path (this runs for every request): key and organisation kind.
      const { rows } = await deps.db.pool.query<KeyRow>(KEY_LOOKUP, [parsed.prefix]);
      const row = rows[0];
      if (!row || !sameDigest(digestOf(token), row.digest)) throw unauthorized('Invalid credentials');
      if (row.revokedAt) throw unauthorized('This API key has been revoked');
      const now = deps.now();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        // Best effort, off the request path: a usage timestamp never fails a request.
        void deps.db.pool.query('UPDATE api_key SET last_used_at = $2 WHERE id = $1::uuid', [row.id, now]).catch(() => undefined);
      }
      return {
        kind: 'organization',
        organizationId: row.organizationId,
        organizationKind: row.kind,
        role: row.role,
        credentialId: row.id,
      };
    },
  };
}
