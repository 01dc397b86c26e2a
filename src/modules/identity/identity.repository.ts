import type { Database, SqlTx, Tx } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/**
 * Identity's data access (issue 15, one data-access style): users and organisations through
 * the Prisma model API (not a hot path), OpenID Connect logins in flight through raw SQL.
 * Every function takes the handle it runs on: a transaction's `tx`, or — outside one — what
 * `createIdentityRepository(db)` binds.
 */
export const organizationById = (q: Tx, id: string) => q.organization.findUniqueOrThrow({ where: { id } });

export const userByEmail = (q: Tx, email: string) => q.user.findUnique({ where: { email } });

export const emailTaken = async (q: Tx, email: string) => (await q.user.findUnique({ where: { email }, select: { id: true } })) !== null;

export const userOfOrganization = (q: Tx, organizationId: string, id: string) => q.user.findFirst({ where: { id, organizationId } });

export const usersOfOrganization = (q: Tx, organizationId: string) =>
  q.user.findMany({ where: { organizationId }, orderBy: { createdAt: 'asc' } });

export const insertUser = (q: Tx, data: Prisma.UserUncheckedCreateInput) => q.user.create({ data });

export const updateUser = (q: Tx, id: string, data: Prisma.UserUncheckedUpdateInput) => q.user.update({ where: { id }, data });

export const deleteUser = async (q: Tx, id: string) => {
  await q.user.delete({ where: { id } });
};

export interface OidcLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: Date;
}

/** Stores a login in flight, dropping those started before `staleBefore`. */
export const startOidcLogin = async (q: SqlTx, login: OidcLogin, staleBefore: Date) => {
  await q.$executeRawUnsafe('DELETE FROM oidc_login WHERE created_at < $1', staleBefore);
  await q.$executeRawUnsafe(
    'INSERT INTO oidc_login (state, nonce, code_verifier, created_at) VALUES ($1, $2, $3, $4)',
    login.state,
    login.nonce,
    login.codeVerifier,
    login.createdAt,
  );
};

/** Takes (deletes and returns) the login in flight with this state: each state is used once. */
export const takeOidcLogin = async (q: SqlTx, state: string) => {
  const rows = await q.$queryRawUnsafe<{ nonce: string; code_verifier: string; created_at: Date }[]>(
    'DELETE FROM oidc_login WHERE state = $1 RETURNING nonce, code_verifier, created_at',
    state,
  );
  return rows[0];
};

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;

/** The functions above bound to the database, for services working outside a transaction. */
export function createIdentityRepository(db: Database) {
  const q: Tx = db.prisma;
  return {
    organizationById: (id: string) => organizationById(q, id),
    userByEmail: (email: string) => userByEmail(q, email),
    emailTaken: (email: string) => emailTaken(q, email),
    userOfOrganization: (organizationId: string, id: string) => userOfOrganization(q, organizationId, id),
    usersOfOrganization: (organizationId: string) => usersOfOrganization(q, organizationId),
    insertUser: (data: Prisma.UserUncheckedCreateInput) => insertUser(q, data),
    updateUser: (id: string, data: Prisma.UserUncheckedUpdateInput) => updateUser(q, id, data),
    deleteUser: (id: string) => deleteUser(q, id),
    /** One transaction: the stale-login purge and the insert together. */
    startOidcLogin: (login: OidcLogin, staleBefore: Date) => db.transaction((tx) => startOidcLogin(tx, login, staleBefore)),
    takeOidcLogin: (state: string) => db.transaction((tx) => takeOidcLogin(tx, state)),
  };
}
