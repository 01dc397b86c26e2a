import type { Database } from '../db/client.js';
import type { Actor } from '../http/context.js';
import { unauthorized } from '../http/errors.js';
import { digestOf, parseApiKey, sameDigest } from './apiKeys.js';
import type { OAuth } from './oauth.js';

export interface Authenticator {
  /** Resolves the bearer credential to an actor, or throws a 401 AppError. */
  authenticate(authorization: string | undefined): Promise<Actor>;
}

const LAST_USED_RESOLUTION_MS = 60_000;

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
      const row = await deps.db.prisma.apiKey.findUnique({
        where: { prefix: parsed.prefix },
        include: { organization: { select: { kind: true } } },
      });
      if (!row || !sameDigest(digestOf(token), Buffer.from(row.digest))) throw unauthorized('Invalid credentials');
      if (row.revokedAt) throw unauthorized('This API key has been revoked');
      const now = deps.now();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        // Best effort, off the request path: a usage timestamp never fails a request.
        void deps.db.prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => undefined);
      }
      return {
        kind: 'organization',
        organizationId: row.organizationId,
        organizationKind: row.organization.kind,
        role: row.role,
        credentialId: row.id,
      };
    },
  };
}
