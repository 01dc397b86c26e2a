import type { Database, Tx } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/**
 * Party's data access (issue 15, one data-access style): organisations, partnerships and
 * API keys through the Prisma model API (not a hot path). Every function takes the handle
 * it runs on: a transaction's `tx`, or — outside one — what `createPartyRepository(db)`
 * binds.
 */
const withOrgs = { dso: true, mno: true } as const;

export const allOrganizations = (q: Tx) => q.organization.findMany({ orderBy: { createdAt: 'asc' } });

export const organizationsByIds = (q: Tx, ids: string[]) =>
  q.organization.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: 'asc' } });

/** Of these ids, those that name an MNO organisation (ids need not be UUIDs: others are dropped). */
export const mnoOrganizationIds = async (q: Tx, ids: string[]) =>
  (
    await q.organization.findMany({
      where: { id: { in: ids.filter((i) => /^[0-9a-f-]{36}$/i.test(i)) }, kind: 'MNO' },
      select: { id: true },
    })
  ).map((o) => o.id);

/** The partnerships an organisation is part of, or all of them (`organizationId` undefined), with both organisations. */
export const partnershipsOf = (q: Tx, organizationId: string | undefined) =>
  q.partnership.findMany({
    where: organizationId === undefined ? {} : { OR: [{ dsoId: organizationId }, { mnoId: organizationId }] },
    include: withOrgs,
    orderBy: { createdAt: 'asc' },
  });

/** The two organisation ids of each partnership an organisation is part of. */
export const partnerIdsOf = (q: Tx, organizationId: string) =>
  q.partnership.findMany({
    where: { OR: [{ dsoId: organizationId }, { mnoId: organizationId }] },
    select: { dsoId: true, mnoId: true },
  });

export const partnershipById = (q: Tx, id: string) => q.partnership.findUnique({ where: { id }, include: withOrgs });

export const insertApiKey = (q: Tx, data: Prisma.ApiKeyUncheckedCreateInput) => q.apiKey.create({ data });

export const apiKeysOf = (q: Tx, organizationId: string) => q.apiKey.findMany({ where: { organizationId }, orderBy: { createdAt: 'asc' } });

export const apiKeyOf = (q: Tx, organizationId: string, id: string) => q.apiKey.findFirst({ where: { id, organizationId } });

export const revokeApiKey = async (q: Tx, id: string, at: Date) => {
  await q.apiKey.update({ where: { id }, data: { revokedAt: at } });
};

export type PartyRepository = ReturnType<typeof createPartyRepository>;

/** The functions above bound to the database, for services working outside a transaction. */
export function createPartyRepository(db: Database) {
  const q: Tx = db.prisma;
  return {
    allOrganizations: () => allOrganizations(q),
    organizationsByIds: (ids: string[]) => organizationsByIds(q, ids),
    mnoOrganizationIds: (ids: string[]) => mnoOrganizationIds(q, ids),
    partnershipsOf: (organizationId: string | undefined) => partnershipsOf(q, organizationId),
    partnerIdsOf: (organizationId: string) => partnerIdsOf(q, organizationId),
    partnershipById: (id: string) => partnershipById(q, id),
    insertApiKey: (data: Prisma.ApiKeyUncheckedCreateInput) => insertApiKey(q, data),
    apiKeysOf: (organizationId: string) => apiKeysOf(q, organizationId),
    apiKeyOf: (organizationId: string, id: string) => apiKeyOf(q, organizationId, id),
    revokeApiKey: (id: string, at: Date) => revokeApiKey(q, id, at),
  };
}
