import type { Reader, SqlTx, Tx } from '../../db/client.js';
import type { StoredDoc } from '../../db/resourceStore.js';
import { boxLiteral, type Box } from '../../geo/geo.js';
import type { ResourceEntry } from '../registry.js';

/**
 * Notices' data access (issue 15, one data-access style): the notice rows of one registry
 * entry (energyOutageNotice, networkStatusNotice) and the per-site impact rows of one impact
 * table, on the handle each function is given. Reads go through the entry's resource store
 * (tenancy); writes and the impact bookkeeping are here. Kind-specific queries (site
 * matching, impact summaries, the ETR watch) are in each kind's own repository.
 */

/** A notice's row besides the document's promoted columns: its parties and its area's bounding box. */
export interface NoticeRow {
  publisher: string;
  audience: string[];
  bbox: Box | null;
}

export type NoticeRepository = ReturnType<typeof createNoticeRepository>;

/** The notice table of a registry entry: its first tenancy column is the publisher's, its promoted columns follow the document. */
export function createNoticeRepository(resource: Pick<ResourceEntry, 'store'>) {
  const { def } = resource.store;
  const publisherColumn = def.tenancy[0]!;
  /** The promoted columns written (an update leaves `creationDate` as it was), the bbox and the document. */
  const columns = (doc: StoredDoc, bbox: Box | null, insert: boolean) => {
    const promoted = Object.entries(def.columns).filter(([attr]) => insert || attr !== 'creationDate');
    return {
      names: [...promoted.map(([, c]) => c.column), 'bbox', 'doc'],
      casts: [...promoted.map(([, c]) => (c.type === 'date' ? '::timestamptz' : '')), '::box', '::jsonb'],
      values: [
        ...promoted.map(([attr, c]) => (c.type === 'date' ? (doc[attr] ? new Date(doc[attr] as string) : null) : (doc[attr] ?? null))),
        bbox ? boxLiteral(bbox) : null,
        JSON.stringify(doc),
      ],
    };
  };
  return {
    async insert(tx: SqlTx, doc: StoredDoc, row: NoticeRow) {
      const { names, casts, values } = columns(doc, row.bbox, true);
      await tx.$executeRawUnsafe(
        `INSERT INTO ${def.table} (id, ${publisherColumn}, audience, ${names.join(', ')})
         VALUES ($1::uuid, $2::uuid, $3::uuid[], ${casts.map((c, i) => `$${i + 4}${c}`).join(', ')})`,
        doc.id,
        row.publisher,
        row.audience,
        ...values,
      );
    },
    /** Writes the document and its promoted columns, and moves the row version on. */
    async update(tx: SqlTx, doc: StoredDoc, bbox: Box | null) {
      const { names, casts, values } = columns(doc, bbox, false);
      await tx.$executeRawUnsafe(
        `UPDATE ${def.table} SET ${names.map((n, i) => `${n} = $${i + 2}${casts[i]}`).join(', ')}, version = version + 1 WHERE id = $1::uuid`,
        doc.id,
        ...values,
      );
    },
  };
}

/** An impact table: notice_id, site_id, the recipient column, matched_by, then `columns`. */
export interface ImpactTable {
  table: string;
  /** The column naming the audience member a site belongs to. */
  recipientColumn: string;
  /** Further stored columns with their SQL types. */
  columns: Record<string, 'text' | 'timestamptz'>;
}

/** The kind-specific columns of one impact row (exhaustion time, recommendation, ...). */
export type ImpactValues = Record<string, unknown>;

export type ImpactRow = ImpactValues & { site_id: string; recipient: string; matched_by: string };

/** A notice's stored impact rows. */
export const impactRows = (tx: Reader, t: ImpactTable, noticeId: string) =>
  tx.$queryRawUnsafe<ImpactRow[]>(
    `SELECT site_id::text, ${t.recipientColumn}::text AS recipient, matched_by, ${Object.keys(t.columns).join(', ')} FROM ${t.table} WHERE notice_id = $1::uuid`,
    noticeId,
  );

/** Replaces a notice's impact rows with `rows` (in one statement each: delete, then insert from arrays). */
export async function replaceImpact(
  tx: SqlTx,
  t: ImpactTable,
  noticeId: string,
  rows: { siteId: string; recipient: string; matchedBy: string; values: ImpactValues }[],
) {
  await tx.$executeRawUnsafe(`DELETE FROM ${t.table} WHERE notice_id = $1::uuid`, noticeId);
  if (!rows.length) return;
  const columns = Object.keys(t.columns);
  const names = ['site_id', t.recipientColumn, 'matched_by', ...columns];
  const types = ['uuid', 'uuid', 'text', ...columns.map((c) => t.columns[c]!)];
  await tx.$executeRawUnsafe(
    `INSERT INTO ${t.table} (notice_id, ${names.join(', ')})
     SELECT $1::uuid, ${names.map((n) => `x.${n}`).join(', ')}
       FROM unnest(${types.map((type, i) => `$${i + 2}::${type}[]`).join(', ')}) AS x(${names.join(', ')})`,
    noticeId,
    rows.map((r) => r.siteId),
    rows.map((r) => r.recipient),
    rows.map((r) => r.matchedBy),
    ...columns.map((c) => rows.map((r) => r.values[c])),
  );
}

/** The active partnerships of a publisher with the organisations of the other kind, with their names. */
export const activePartners = async (tx: Tx, orgId: string, publisher: 'DSO' | 'MNO') =>
  (
    await tx.partnership.findMany({
      where: publisher === 'DSO' ? { dsoId: orgId, status: 'active' } : { mnoId: orgId, status: 'active' },
      include: { dso: true, mno: true },
    })
  ).map((p) => (publisher === 'DSO' ? { id: p.mnoId, name: p.mno.name } : { id: p.dsoId, name: p.dso.name }));
