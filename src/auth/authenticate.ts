import type { Database } from '../db/client.js';
import type { Actor, Role } from '../http/context.js';
import { unauthorized } from '../http/errors.js';
import { digestOf, parseApiKey, sameDigest } from './apiKeys.js';
import type { OAuth } from './oauth.js';

export interface Authenticator {
  /** Resolves the bearer credential to an actor, or throws a 401 AppError. */
  authenticate(authorization: string | undefined): Promise<Actor>;
}

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

export function createAuthenticator(deps: { db: Database; adminToken: string | undefined; now: () => Date; oauth: OAuth }): Authenticator {
  const adminDigest = deps.adminToken ? digestOf(deps.adminToken) : undefined;
  return {
    async authenticate(authorization) {
      if (!authorization) throw unauthorized('Missing credentials: send Authorization: Bearer <API key>');
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
