import type { Reader } from '../../db/client.js';

/**
 * The mRID map of the IEC 61968 bridge (CIM-1): which Gridlink resource an organisation's
 * OMS knows by which mRID (`iec61968_object`, primary key organisation + kind + mRID).
 * Functions take the handle they run on: `db.reader` for reads, the command's transaction
 * for the write, so the mapping commits (or rolls back) with the resource it names.
 */

/**
 * Records that `orgId` knows `resourceId` as `mrid`. False when the mRID is already taken
 * (another create of the same mRID committed first): the caller rolls its create back.
 */
export async function rememberMrid(
  tx: Reader,
  row: { orgId: string; kind: string; mrid: string; resourceId: string; at: Date },
): Promise<boolean> {
  const inserted = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO iec61968_object (organization_id, kind, mrid, resource_id, created_at) VALUES ($1::uuid, $2, $3, $4::uuid, $5)
     ON CONFLICT DO NOTHING RETURNING mrid`,
    row.orgId,
    row.kind,
    row.mrid,
    row.resourceId,
    row.at,
  );
  return inserted.length === 1;
}

export async function resourceIdOfMrid(r: Reader, orgId: string, kind: string, mrid: string): Promise<string | undefined> {
  const rows = await r.$queryRawUnsafe<{ resource_id: string }[]>(
    'SELECT resource_id::text FROM iec61968_object WHERE organization_id = $1::uuid AND kind = $2 AND mrid = $3',
    orgId,
    kind,
    mrid,
  );
  return rows[0]?.resource_id;
}

/** resource id -> the mRID the organisation knows it by, for the resources it has one for. */
export async function mridsOfResources(
  r: Reader,
  orgId: string,
  kind: string,
  ids: string[],
): Promise<{ resource_id: string; mrid: string }[]> {
  return r.$queryRawUnsafe<{ resource_id: string; mrid: string }[]>(
    'SELECT resource_id::text, mrid FROM iec61968_object WHERE organization_id = $1::uuid AND kind = $2 AND resource_id = ANY($3::uuid[])',
    orgId,
    kind,
    ids,
  );
}
