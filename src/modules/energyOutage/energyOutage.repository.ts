import type { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../db/client.js';

/**
 * Outage site reports' data access (issue 15, one data-access style): the Prisma model API
 * (reports are not a hot path) on the transaction each function is given. Services never
 * reach for the Prisma client themselves; a read outside a command runs in `db.transaction` too.
 */

export type RegisteredSite = { id: string; site_id: string; name: string | null };

/**
 * A site of the MNO's own register, by register id or by its own siteId, locked for the rest
 * of the transaction: reports on one site are serialised (two first reports at once would
 * both try to insert it; two updates would each drop the other's history entry).
 */
export const registeredSite = async (q: Tx, orgId: string, ref: { id?: string; siteId?: string }) =>
  (
    await q.$queryRawUnsafe<RegisteredSite[]>(
      `SELECT id::text, site_id, name FROM mno_site WHERE org_id = $1::uuid AND (${ref.id ? 'id::text = $2' : 'site_id = $2'}) FOR NO KEY UPDATE`,
      orgId,
      ref.id ?? ref.siteId,
    )
  )[0];

export const reportById = (q: Tx, id: string) => q.outageSiteReport.findUnique({ where: { id } });

/**
 * The report, read after locking its row for the rest of the transaction: a decision and a
 * report on it (which carries the priority request forward) never both read the old state.
 */
export const lockedReport = async (q: Tx, id: string) => {
  await q.$queryRawUnsafe(`SELECT 1 FROM outage_site_report WHERE id = $1::uuid FOR NO KEY UPDATE`, id);
  return reportById(q, id);
};

export const reportOfSite = (q: Tx, noticeId: string, siteId: string) =>
  q.outageSiteReport.findUnique({ where: { noticeId_siteId: { noticeId, siteId } } });

/** The reports on a notice, oldest first; only one MNO's when `mnoOrgId` is given. */
export const reportsOfNotice = (q: Tx, noticeId: string, mnoOrgId?: string) =>
  q.outageSiteReport.findMany({ where: { noticeId, ...(mnoOrgId ? { mnoOrgId } : {}) }, orderBy: { createdAt: 'asc' } });

export const insertReport = async (q: Tx, data: Prisma.OutageSiteReportUncheckedCreateInput) => {
  await q.outageSiteReport.create({ data });
};

export const updateReport = async (q: Tx, id: string, data: Prisma.OutageSiteReportUncheckedUpdateInput) => {
  await q.outageSiteReport.update({ where: { id }, data });
};
