import crypto from 'node:crypto';
import type { Reader, SqlTx } from '../../db/client.js';
import type { ResourceStore } from '../../db/resourceStore.js';

/**
 * The links' data access (issue 15, one data-access style): the `resource_link` rows and the
 * visibility of link targets. Every function takes the handle it runs on: the command's
 * transaction, or `db.reader` outside one (what a reader is shown).
 */
export type LinkableType = 'troubleTicket' | 'serviceProblem' | 'incident' | 'energyOutageNotice';

export interface LinkRow {
  id: string;
  from_type: LinkableType;
  from_id: string;
  to_type: LinkableType;
  to_id: string;
  relation: string;
  origin: string;
}

export interface NewLink {
  fromType: LinkableType;
  fromId: string;
  toType: LinkableType;
  toId: string;
  relation: string;
  origin: string;
}

const LINK_COLUMNS = `id::text AS id, from_type, from_id::text AS from_id, to_type, to_id::text AS to_id, relation, origin`;

/** Of `ids` (UUIDs) in a store's table, those `orgId` may see, with their names. */
export const visibleNames = (q: Reader, store: ResourceStore, orgId: string, ids: string[]) =>
  q.$queryRawUnsafe<{ id: string; name: string | null }[]>(
    `SELECT id::text AS id, doc->>'name' AS name FROM ${store.def.table} WHERE id = ANY($2::uuid[]) AND ${store.visibleTo('$1')}`,
    orgId,
    ids,
  );

/** Adds a link (nothing when the same link exists). */
export async function insertLink(q: SqlTx, l: NewLink, actorOrgId: string, t: Date): Promise<void> {
  await q.$executeRawUnsafe(
    `INSERT INTO resource_link (id, from_type, from_id, to_type, to_id, relation, origin, created_by_org_id, created_at)
       VALUES ($1::uuid, $2, $3::uuid, $4, $5::uuid, $6, $7, $8::uuid, $9)
       ON CONFLICT (from_type, from_id, to_type, to_id, relation) DO NOTHING`,
    crypto.randomUUID(),
    l.fromType,
    l.fromId,
    l.toType,
    l.toId,
    l.relation,
    l.origin,
    actorOrgId,
    t,
  );
}

/** The links a resource's document references made (origin `document`). */
export const documentLinksOf = (q: Reader, fromType: LinkableType, fromId: string) =>
  q.$queryRawUnsafe<LinkRow[]>(
    `SELECT ${LINK_COLUMNS} FROM resource_link WHERE from_type = $1 AND from_id = $2::uuid AND origin = 'document'`,
    fromType,
    fromId,
  );

/** Every link from or to resources of one type, oldest first. */
export const linksOfMany = (q: Reader, type: LinkableType, ids: string[]) =>
  q.$queryRawUnsafe<LinkRow[]>(
    `SELECT ${LINK_COLUMNS} FROM resource_link
      WHERE (from_type = $1 AND from_id = ANY($2::uuid[])) OR (to_type = $1 AND to_id = ANY($2::uuid[]))
      ORDER BY created_at, id`,
    type,
    ids,
  );

export async function deleteLinksById(q: SqlTx, ids: string[]): Promise<void> {
  await q.$executeRawUnsafe(`DELETE FROM resource_link WHERE id = ANY($1::uuid[])`, ids);
}

export async function deleteLink(q: SqlTx, l: Omit<NewLink, 'origin'>): Promise<void> {
  await q.$executeRawUnsafe(
    `DELETE FROM resource_link WHERE from_type = $1 AND from_id = $2::uuid AND to_type = $3 AND to_id = $4::uuid AND relation = $5`,
    l.fromType,
    l.fromId,
    l.toType,
    l.toId,
    l.relation,
  );
}

/** Every link from or to one resource (it is being deleted). */
export async function deleteLinksOf(q: SqlTx, type: LinkableType, id: string): Promise<void> {
  await q.$executeRawUnsafe(
    `DELETE FROM resource_link WHERE (from_type = $1 AND from_id = $2::uuid) OR (to_type = $1 AND to_id = $2::uuid)`,
    type,
    id,
  );
}

/** Ids of resources of `otherType` linked (either way) to a resource. */
export async function linkedIds(q: Reader, type: LinkableType, id: string, otherType: LinkableType): Promise<string[]> {
  const rows = await q.$queryRawUnsafe<{ id: string }[]>(
    `SELECT to_id::text AS id FROM resource_link WHERE from_type = $1 AND from_id = $2::uuid AND to_type = $3
     UNION SELECT from_id::text FROM resource_link WHERE to_type = $1 AND to_id = $2::uuid AND from_type = $3`,
    type,
    id,
    otherType,
  );
  return rows.map((r) => r.id);
}
