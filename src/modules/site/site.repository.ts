import type { SqlTx } from '../../db/client.js';
import type { StoredDoc } from '../../db/resourceStore.js';
import type { SiteKind } from './site.kinds.js';

/**
 * The site registers' writes (issue 15, one data-access style), in raw SQL on the
 * transaction each function is given; reads go through the registry entry's resource store
 * (tenancy). The MNO-organisation check uses the party repository.
 */

export interface SiteRow<D extends StoredDoc = StoredDoc> {
  id: string;
  orgId: string;
  siteId: string;
  lon: number;
  lat: number;
  /** ISO time: `created_at` of a new row, `last_update` of every write. */
  t: string;
  doc: D;
  /** The kind's promoted columns (`SiteKind.columns`). */
  columns: Record<string, unknown>;
}

/**
 * Inserts a site, or — `upsert` — replaces the one with the same siteId in the owner's
 * register (keeping its id and `createdAt`). Returns the stored document and whether the row
 * is new; nothing when `create` meets an existing siteId.
 */
export async function writeSite<D extends StoredDoc>(
  tx: SqlTx,
  table: SiteKind['table'],
  row: SiteRow<D>,
  mode: 'create' | 'upsert',
): Promise<{ doc: D; created: boolean } | undefined> {
  const names = Object.keys(row.columns);
  const placeholders = names.map((_, i) => `$${i + 9}`);
  const update = names.map((n) => `${n} = EXCLUDED.${n}`).join(', ');
  const rows = await tx.$queryRawUnsafe<{ id: string; created: boolean; doc: D }[]>(
    `INSERT INTO ${table} (id, org_id, site_id, location, created_at, last_update, doc, ${names.join(', ')})
     VALUES ($1::uuid, $2::uuid, $3, point($4::float8, $5::float8), $6::timestamptz, $7::timestamptz, $8::jsonb, ${placeholders.join(', ')})
     ON CONFLICT (org_id, site_id) DO ${
       mode === 'create'
         ? 'NOTHING'
         : `UPDATE SET location = EXCLUDED.location, last_update = EXCLUDED.last_update, ${update},
       doc = EXCLUDED.doc || jsonb_build_object('id', ${table}.id::text, 'createdAt', ${table}.doc->'createdAt')`
     }
     RETURNING id::text AS id, (xmax = 0) AS created, doc`,
    row.id,
    row.orgId,
    row.siteId,
    row.lon,
    row.lat,
    row.t,
    row.t,
    JSON.stringify(row.doc),
    ...Object.values(row.columns),
  );
  return rows[0] && { doc: rows[0].doc, created: rows[0].created };
}

export const deleteSite = (tx: SqlTx, table: SiteKind['table'], id: string) =>
  tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE id = $1::uuid`, id);
