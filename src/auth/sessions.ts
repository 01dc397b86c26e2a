import crypto from 'node:crypto';
import type { Database } from '../db/client.js';
import type { ActiveSession, OrganizationActor, OrganizationKind, Role, SessionUser } from '../http/context.js';
import { digestOf } from './apiKeys.js';

/**
 * Console sessions (issue 13). The cookie value is 256 random bits; PostgreSQL keeps only
 * its SHA-256 digest (like API keys: a secret this strong needs no slow hash). A session
 * ends at its absolute expiry, after the idle timeout, at sign-out, or when its user is
 * disabled, deleted or gets a new password.
 */
export const SESSION_COOKIE = 'gridlink_session';
export const CSRF_HEADER = 'x-csrf-token';

// The session types live with the actor that carries them (http/context.ts), which imports nothing from here.
export type { ActiveSession, SessionUser } from '../http/context.js';

interface Row {
  id: string;
  csrfToken: string;
  method: string;
  lastSeenAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  userId: string;
  name: string;
  email: string;
  role: Role;
  status: string;
  organizationId: string;
  organizationName: string;
  organizationKind: OrganizationKind;
}

const LOOKUP = `SELECT s.id::text AS id, s.csrf_token AS "csrfToken", s.method, s.last_seen_at AS "lastSeenAt", s.expires_at AS "expiresAt",
       s.ended_at AS "endedAt", u.id::text AS "userId", u.name, u.email, u.role::text AS role, u.status::text AS status,
       o.id::text AS "organizationId", o.name AS "organizationName", o.kind::text AS "organizationKind"
  FROM user_session s JOIN app_user u ON u.id = s.user_id JOIN organization o ON o.id = u.organization_id
 WHERE s.digest = $1`;

export type SessionStore = ReturnType<typeof createSessionStore>;

export function createSessionStore(deps: { db: Database; now: () => Date; idleMs: number; maxMs: number }) {
  const { db, now, idleMs, maxMs } = deps;
  // last_seen_at is written at most this often (a write per request would cost more than the lookup).
  const touchEveryMs = Math.min(60_000, Math.max(1_000, idleMs / 10));
  const endOf = (lastSeen: Date, absolute: Date) => new Date(Math.min(lastSeen.getTime() + idleMs, absolute.getTime()));

  return {
    /** Starts a session; returns the cookie value (exists nowhere else) and the session. */
    async create(
      user: SessionUser,
      method: 'password' | 'oidc',
      remoteAddress: string | undefined,
    ): Promise<{ cookie: string; session: ActiveSession }> {
      const cookie = crypto.randomBytes(32).toString('base64url');
      const csrfToken = crypto.randomBytes(32).toString('base64url');
      const id = crypto.randomUUID();
      const t = now();
      const absolute = new Date(t.getTime() + maxMs);
      await db.pool.query(
        `INSERT INTO user_session (id, user_id, digest, csrf_token, method, created_at, last_seen_at, expires_at, remote_address)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $6, $7, $8)`,
        [id, user.id, digestOf(cookie), csrfToken, method, t, absolute, remoteAddress?.slice(0, 100) ?? null],
      );
      await db.pool.query('UPDATE app_user SET last_sign_in_at = $2 WHERE id = $1::uuid', [user.id, t]);
      return { cookie, session: { id, csrfToken, method, expiresAt: endOf(t, absolute), user } };
    },

    /** The live session behind a cookie value, or undefined (unknown, ended, expired, user disabled). */
    async resolve(cookie: string): Promise<ActiveSession | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return undefined;
      const { rows } = await db.pool.query<Row>(LOOKUP, [digestOf(cookie)]);
      const r = rows[0];
      const t = now();
      if (!r || r.endedAt || r.status !== 'active') return undefined;
      if (t >= r.expiresAt || t.getTime() >= r.lastSeenAt.getTime() + idleMs) return undefined;
      let lastSeen = r.lastSeenAt;
      if (t.getTime() - lastSeen.getTime() >= touchEveryMs) {
        lastSeen = t;
        await db.pool.query('UPDATE user_session SET last_seen_at = greatest(last_seen_at, $2) WHERE id = $1::uuid', [r.id, t]);
      }
      return {
        id: r.id,
        csrfToken: r.csrfToken,
        method: r.method,
        expiresAt: endOf(lastSeen, r.expiresAt),
        user: {
          id: r.userId,
          name: r.name,
          email: r.email,
          role: r.role,
          organizationId: r.organizationId,
          organizationName: r.organizationName,
          organizationKind: r.organizationKind,
        },
      };
    },

    async end(sessionId: string): Promise<void> {
      await db.pool.query('UPDATE user_session SET ended_at = $2 WHERE id = $1::uuid AND ended_at IS NULL', [sessionId, now()]);
    },

    /** Ends every session of a user (disabled, new password). */
    async endAllOf(userId: string): Promise<void> {
      await db.pool.query('UPDATE user_session SET ended_at = $2 WHERE user_id = $1::uuid AND ended_at IS NULL', [userId, now()]);
    },

    /** Deletes sessions that ended or expired more than a day ago (housekeeping job). */
    async prune(): Promise<number> {
      const cutoff = new Date(now().getTime() - 86_400_000);
      const r = await db.pool.query(`DELETE FROM user_session WHERE coalesce(ended_at, expires_at) < $1 OR last_seen_at < $2`, [
        cutoff,
        new Date(cutoff.getTime() - idleMs),
      ]);
      return r.rowCount ?? 0;
    },
  };
}

/** The session cookie's value from a Cookie header, if any. */
export function sessionCookieOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Set-Cookie value that stores (or, with an empty value, clears) the session cookie. */
export function sessionCookieHeader(value: string, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (!value) attrs.push('Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The actor a session stands for: an API key of the user's role and organisation, naming the person. */
export function actorOfSession(session: ActiveSession): OrganizationActor {
  return {
    kind: 'organization',
    organizationId: session.user.organizationId,
    organizationKind: session.user.organizationKind,
    role: session.user.role,
    credentialId: session.id,
    session,
  };
}
