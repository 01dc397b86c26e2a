import type { OrganizationKind } from '../../http/context.js';
import { unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { ResourceEntry } from '../registry.js';
import { dsoSite, mnoSite } from '../registry.js';
import type { components } from '../../generated/openapi/siteRegister.js';
import type { DsoSiteDoc, MnoSiteDoc, SiteDoc } from './site.types.js';

/** A site as a client sends it (create body, import row), validated against the kind's create schema. */
export type SiteBody = components['schemas']['MnoSite_FVO'] | components['schemas']['DsoSite_FVO'];

/** The MNOs serving a DSO site (none for an MNO site). */
export const servingMnoOf = (site: SiteBody | SiteDoc): { id: string }[] => ('servingMno' in site && site.servingMno) || [];

/** A site's position; `location` is a GeoJSON Point (the schema requires both coordinates). */
export const lonLat = (site: Pick<SiteDoc, 'location'>): [number, number] => [site.location.coordinates[0]!, site.location.coordinates[1]!];

/**
 * MNO and DSO site registers share one implementation; what differs is described here:
 * table, owner kind, promoted columns, and how a row (API body or import row) maps to them.
 */
export interface SiteKind<D extends SiteDoc = SiteDoc> {
  name: 'mnoSite' | 'dsoSite';
  /** The registry entry: the register's tenant-scoped store. */
  resource: ResourceEntry<D>;
  type: 'MnoSite' | 'DsoSite';
  table: 'mno_site' | 'dso_site';
  owner: OrganizationKind;
  /** Column values (besides org_id, site_id, location, doc, dates) from a site document. */
  columns(doc: D): Record<string, unknown>;
  /** CSV/GeoJSON row -> API body shape; throws messages for bad values. */
  fromRow(row: Record<string, string | number | boolean | null | undefined>, lonLat: [number, number]): JsonObject;
  csvColumns: string[];
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v).trim());
const bool = (v: unknown, name: string): boolean | undefined => {
  const s = str(v)?.toLowerCase();
  if (s === undefined) return undefined;
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  throw new Error(`${name}: '${String(v)}' is not true or false`);
};
const int = (v: unknown, name: string): number | undefined => {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) > 100000) throw new Error(`${name}: '${s}' is not a whole number of minutes (0..100000)`);
  return Number(s);
};
const list = (v: unknown) =>
  str(v)
    ?.split(/[;|]/)
    .map((x) => x.trim())
    .filter(Boolean);

export const MNO_SITE: SiteKind<MnoSiteDoc> = {
  name: 'mnoSite',
  resource: mnoSite,
  type: 'MnoSite',
  table: 'mno_site',
  owner: 'MNO',
  csvColumns: [
    'siteId',
    'name',
    'longitude',
    'latitude',
    'energySupplyId',
    'baseStationIds',
    'upsInstalled',
    'upsCapacityMinutes',
    'remainingMinutes',
    'generator',
    'priority',
  ],
  columns(doc) {
    const bp = doc.backupPower ?? {};
    return {
      name: doc.name ?? null,
      energy_supply_id: doc.energySupplyId ?? null,
      base_station_ids: doc.baseStationId ?? [],
      ups_installed: bp.upsInstalled ?? false,
      ups_capacity_minutes: bp.upsCapacityMinutes ?? null,
      remaining_minutes: bp.remainingMinutes ?? null,
      generator: bp.generator ?? false,
      priority: doc.priority ?? false,
    };
  },
  fromRow(r, location) {
    const backupPower: JsonObject = {};
    const ups = bool(r.upsInstalled, 'upsInstalled');
    if (ups !== undefined) backupPower.upsInstalled = ups;
    const cap = int(r.upsCapacityMinutes, 'upsCapacityMinutes');
    if (cap !== undefined) backupPower.upsCapacityMinutes = cap;
    const rem = int(r.remainingMinutes, 'remainingMinutes');
    if (rem !== undefined) backupPower.remainingMinutes = rem;
    const gen = bool(r.generator, 'generator');
    if (gen !== undefined) backupPower.generator = gen;
    const body: JsonObject = { siteId: str(r.siteId), location: { type: 'Point', coordinates: location }, backupPower };
    if (str(r.name)) body.name = str(r.name);
    if (str(r.energySupplyId)) body.energySupplyId = str(r.energySupplyId);
    const bs = list(r.baseStationIds ?? r.baseStationId);
    if (bs?.length) body.baseStationId = bs;
    const pr = bool(r.priority, 'priority');
    if (pr !== undefined) body.priority = pr;
    return body;
  },
};

export const DSO_SITE: SiteKind<DsoSiteDoc> = {
  name: 'dsoSite',
  resource: dsoSite,
  type: 'DsoSite',
  table: 'dso_site',
  owner: 'DSO',
  csvColumns: ['siteId', 'name', 'kind', 'longitude', 'latitude', 'servingMnoIds', 'cellIds', 'criticality'],
  columns(doc) {
    return {
      name: doc.name ?? null,
      kind: doc.kind,
      mno_org_ids: servingMnoOf(doc).map((m) => m.id),
      cell_ids: doc.cellId ?? [],
      criticality: doc.criticality ?? 'medium',
    };
  },
  fromRow(r, location) {
    const body: JsonObject = { siteId: str(r.siteId), kind: str(r.kind) ?? 'other', location: { type: 'Point', coordinates: location } };
    if (str(r.name)) body.name = str(r.name);
    const mnos = list(r.servingMnoIds ?? r.servingMno);
    if (mnos?.length) body.servingMno = mnos.map((id) => ({ id }));
    const cells = list(r.cellIds ?? r.cellId);
    if (cells?.length) body.cellId = cells;
    if (str(r.criticality)) body.criticality = str(r.criticality);
    return body;
  },
};

export function checkOwner(kind: Pick<SiteKind, 'owner' | 'name'>, orgKind: OrganizationKind): void {
  if (orgKind !== kind.owner)
    throw unprocessable(`Only ${kind.owner} organisations keep a ${kind.name} register`, 'WRONG_ORGANIZATION_KIND');
}
