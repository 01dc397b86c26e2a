import type { Database, Reader, SqlTx, Tx } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/**
 * Party's data access (issue 15, one data-access style): organisations, partnerships and
 * API keys through the Prisma model API (not a hot path), the partner lookups of the hot
 * record paths and the partnership row lock through raw SQL. Every function takes the handle
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

export const insertOrganization = (q: Tx, data: Prisma.OrganizationUncheckedCreateInput) => q.organization.create({ data });

export const organizationById = (q: Tx, id: string) => q.organization.findUnique({ where: { id } });

/** An organisation's name. */
export const organizationName = async (q: Reader, id: string): Promise<string | undefined> => {
  const [row] = await q.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM organization WHERE id = $1::uuid', id);
  return row?.name;
};

/** Whether two organisations' partnership is active, and both names, in one statement (ids are UUIDs). */
export const partnerRow = async (q: Reader, actorOrg: string, partnerOrg: string) => {
  const [row] = await q.$queryRawUnsafe<{ active: boolean; actor_name: string | null; partner_name: string | null }[]>(
    `SELECT (SELECT name FROM organization WHERE id = $1::uuid) AS actor_name,
            (SELECT name FROM organization WHERE id = $2::uuid) AS partner_name,
            EXISTS (SELECT 1 FROM partnership WHERE status = 'active'
                     AND ((dso_id = $1::uuid AND mno_id = $2::uuid) OR (dso_id = $2::uuid AND mno_id = $1::uuid))) AS active`,
    actorOrg,
    partnerOrg,
  );
  return row;
};

export const partnershipByPair = (q: Tx, dsoId: string, mnoId: string) =>
  q.partnership.findUnique({ where: { dsoId_mnoId: { dsoId, mnoId } } });

export const insertPartnership = (q: Tx, data: Prisma.PartnershipUncheckedCreateInput) => q.partnership.create({ data, include: withOrgs });

export const updatePartnership = (q: Tx, id: string, data: Prisma.PartnershipUncheckedUpdateInput) =>
  q.partnership.update({ where: { id }, data, include: withOrgs });

/** Locks a partnership's row for the rest of the transaction and returns its status (the row must exist). */
export const lockPartnershipStatus = async <S extends string>(q: SqlTx, id: string): Promise<S> => {
  const rows = await q.$queryRawUnsafe<{ status: S }[]>('SELECT status FROM partnership WHERE id = $1::uuid FOR UPDATE', id);
  return rows[0]!.status;
};

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
