import type { Database, Reader, Tx } from '../../db/client.js';
import { tableExists } from '../../db/catalog.js';
import type { JsonObject } from '../../http/patch.js';

/**
 * The nightly export's data access (issue 15, one data-access style). Every function takes
 * the handle it runs on: a transaction's `tx`, or — outside one — what
 * `createExportRepository(db)` binds.
 */

/**
 * Stored documents of `table` visible to the organisation ($1 in `visible`) with either
 * date column in [start, end), oldest first.
 */
export const documentsOfDay = (
  q: Reader,
  source: { table: string; visible: string; dates: [string, string] },
  orgId: string,
  start: Date,
  end: Date,
) => {
  const { table, visible, dates } = source;
  return q.$queryRawUnsafe<{ doc: JsonObject }[]>(
    `SELECT doc FROM ${table}
        WHERE ${visible} AND ((${dates[0]} >= $2 AND ${dates[0]} < $3) OR (${dates[1]} >= $2 AND ${dates[1]} < $3))
        ORDER BY creation_date, id`,
    orgId,
    start,
    end,
  );
};

export const organizationIds = (q: Tx) => q.organization.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } });

/** The id of an organisation's export of `day`, if there is one. */
export const exportIdOf = async (q: Tx, organizationId: string, day: string) =>
  (await q.dataExport.findUnique({ where: { organizationId_day: { organizationId, day } }, select: { id: true } }))?.id;

/** Where an export's files are, relative to the export directory. */
export const exportDirectory = async (q: Tx, id: string) =>
  (await q.dataExport.findUnique({ where: { id }, select: { directory: true } }))?.directory;

/** Stores (or replaces, one more version) an organisation's export of `day` (inside the run's transaction). */
export const saveExport = async (
  q: Tx,
  key: { id: string; organizationId: string; day: string },
  data: { runId: string; creationDate: Date; directory: string; doc: object },
) => {
  const { id, organizationId, day } = key;
  await q.dataExport.upsert({
    where: { organizationId_day: { organizationId, day } },
    create: { id, organizationId, day, ...data },
    update: { ...data, version: { increment: 1 } },
  });
};

export type ExportRepository = ReturnType<typeof createExportRepository>;

/**
 * The functions above bound to the database, for work outside a transaction: the raw reads
 * on `db.reader` (node-postgres), the Prisma model reads on the client.
 */
export function createExportRepository(db: Database) {
  const q: Tx = db.prisma;
  return {
    tableExists: (table: string) => tableExists(db.reader, table),
    documentsOfDay: (source: { table: string; visible: string; dates: [string, string] }, orgId: string, start: Date, end: Date) =>
      documentsOfDay(db.reader, source, orgId, start, end),
    organizationIds: () => organizationIds(q),
    exportIdOf: (organizationId: string, day: string) => exportIdOf(q, organizationId, day),
    exportDirectory: (id: string) => exportDirectory(q, id),
  };
}
