import crypto from 'node:crypto';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { isUuid } from '../../db/resourceStore.js';
import type { Gateway } from '../../gateway/gateway.js';
import type { OrganizationActor, Role } from '../../http/context.js';
import { AppError, conflict, notFound, unauthorized } from '../../http/errors.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import type { ActiveSession, SessionStore, SessionUser } from '../../auth/sessions.js';
import type { User } from '../../generated/prisma/client.js';
import { createIdentityRepository } from './identity.repository.js';

export type IdentityService = ReturnType<typeof createIdentityService>;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** GW-3 source of failed sign-ins for one address (a digest: alarms never show the address). */
export function signInSource(email: string): string {
  return `signin:${crypto.createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 24)}`;
}

export function createIdentityService(deps: { db: Database; now: () => Date; config: Config; gateway: Gateway; sessions: SessionStore }) {
  const { now, config, gateway, sessions } = deps;
  const repo = createIdentityRepository(deps.db);
  const lockPolicy = {
    // recordRefusal alarms on the (threshold + 1)-th refusal: the N-th failure locks.
    threshold: config.identity.signInMaxFailures - 1,
    blockMinutes: config.identity.signInLockoutMinutes,
    reblock: true,
  };

  const locked = (seconds: number) =>
    new AppError(
      429,
      'SIGN_IN_LOCKED',
      'Too Many Requests',
      `Too many failed sign-ins for this e-mail address; it is locked for ${seconds} s. Try again later or ask your organisation's admin.`,
      { 'Retry-After': String(seconds) },
    );

  const sessionUserOf = async (u: User): Promise<SessionUser> => {
    const org = await repo.organizationById(u.organizationId);
    return {
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      organizationId: org.id,
      organizationName: org.name,
      organizationKind: org.kind,
    };
  };

  const ownUser = async (actor: OrganizationActor, id: string): Promise<User> => {
    const u = isUuid(id) ? await repo.userOfOrganization(actor.organizationId, id) : null;
    if (!u) throw notFound('User', id);
    return u;
  };

  return {
    /** Password sign-in with GW-3 lock-out per e-mail address. */
    async signIn(input: { email: string; password: string }, ip: string | undefined) {
      const email = normalizeEmail(input.email);
      const source = signInSource(email);
      const blocked = await gateway.blockedFor([source, `ip:${ip ?? 'unknown'}`]);
      if (blocked) throw locked(blocked);
      const user = await repo.userByEmail(email);
      const ok = await verifyPassword(user?.passwordHash, input.password);
      if (!ok || !user) {
        await gateway.recordRefusal(source, user?.organizationId, 'failed sign-in (wrong e-mail address or password)', lockPolicy);
        const nowBlocked = await gateway.blockedFor([source]);
        if (nowBlocked) throw locked(nowBlocked);
        throw unauthorized('Wrong e-mail address or password');
      }
      if (user.status !== 'active') throw unauthorized("This account is disabled; ask your organisation's admin");
      return sessions.create(await sessionUserOf(user), 'password', ip);
    },

    /** Starts a session for an existing active user found by e-mail (OpenID Connect). */
    async signInByEmail(email: string, ip: string | undefined) {
      const user = await repo.userByEmail(normalizeEmail(email));
      if (!user || user.status !== 'active') return undefined;
      return sessions.create(await sessionUserOf(user), 'oidc', ip);
    },

    endSession(session: ActiveSession) {
      return sessions.end(session.id);
    },

    listUsers(actor: OrganizationActor) {
      return repo.usersOfOrganization(actor.organizationId);
    },

    getUser: ownUser,

    async createUser(actor: OrganizationActor, input: { name: string; email: string; role: Role; password?: string }) {
      const email = normalizeEmail(input.email);
      if (await repo.emailTaken(email)) throw conflict('A user with this e-mail address already exists', 'DUPLICATE');
      const t = now();
      return repo.insertUser({
        id: crypto.randomUUID(),
        organizationId: actor.organizationId,
        name: input.name.trim(),
        email,
        role: input.role,
        passwordHash: input.password ? await hashPassword(input.password) : null,
        createdAt: t,
        lastUpdate: t,
      });
    },

    async updateUser(
      actor: OrganizationActor,
      id: string,
      patch: { name?: string; role?: Role; status?: 'active' | 'disabled'; password?: string },
    ) {
      await ownUser(actor, id);
      if (actor.session?.user.id === id && (patch.status === 'disabled' || (patch.role && patch.role !== 'admin')))
        throw conflict('You cannot disable your own account or take away your own admin role; ask another admin', 'SELF_LOCKOUT');
      const u = await repo.updateUser(id, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.password !== undefined ? { passwordHash: await hashPassword(patch.password) } : {}),
        lastUpdate: now(),
      });
      // A disabled user and an old password must not keep a browser signed in.
      if (patch.status === 'disabled' || patch.password !== undefined) {
        await sessions.endAllOf(id);
      }
      return u;
    },

    async deleteUser(actor: OrganizationActor, id: string) {
      await ownUser(actor, id);
      if (actor.session?.user.id === id) throw conflict('You cannot delete your own account; ask another admin', 'SELF_LOCKOUT');
      await repo.deleteUser(id);
    },
  };
}
