import type { Reader } from '../../db/client.js';
import type { ResourceStore } from '../../db/resourceStore.js';
import { containsPoint, parseLonLat, type Area } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { badRequest } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import { matchesFilters, type ListQuery } from '../../http/tmfQuery.js';

/** Candidates read when exact tests run in memory (atPoint, view filters) before paging. */
const MAX_IN_MEMORY_CANDIDATES = 10_000;

export interface NoticeListOptions<D> {
  store: ResourceStore<D>;
  /** The notice's GeoJSON area, if it has one. */
  areaOf: (doc: D) => Area | undefined;
  /** Statuses of `active=true` (the parameter exists only when given). */
  activeStatuses?: readonly string[];
  /** Attributes an audience member sees only in part: it filters on its view, not the stored notice. */
  viewFiltered: readonly string[];
  viewFor: (orgId: string, doc: D) => JsonObject;
  isPublisherKind: (actor: OrganizationActor) => boolean;
}

/** The list operation's parameters that are not attributes. */
export const listParamsOf = (o: Pick<NoticeListOptions<unknown>, 'activeStatuses'>) => [
  'atPoint',
  'intersects',
  ...(o.activeStatuses ? ['active'] : []),
];

/** SQL conditions of the geographic and status parameters (the bounding box serves the index). */
function conditions(o: Pick<NoticeListOptions<unknown>, 'activeStatuses'>, params: Record<string, string | undefined>, values: unknown[]) {
  const add = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const extra: string[] = [];
  if (o.activeStatuses) {
    if (params.active === 'true') extra.push(`status = ANY(${add([...o.activeStatuses])}::text[])`);
    else if (params.active === 'false') extra.push(`NOT (status = ANY(${add([...o.activeStatuses])}::text[]))`);
    else if (params.active !== undefined) throw badRequest("active must be 'true' or 'false'", 'INVALID_PARAMETER');
  }
  if (params.atPoint) {
    const [lon, lat] = parseLonLat(params.atPoint, 'atPoint');
    extra.push(`bbox @> point(${add(lon)}::float8, ${add(lat)}::float8)`);
  }
  if (params.intersects) {
    const n = params.intersects.split(',').map(Number);
    if (n.length !== 4 || n.some((x) => !Number.isFinite(x)) || n[0]! > n[2]! || n[1]! > n[3]!) {
      throw badRequest('intersects must be "minLon,minLat,maxLon,maxLat"', 'INVALID_PARAMETER');
    }
    extra.push(`bbox && ${add(`(${n[2]},${n[3]}),(${n[0]},${n[1]})`)}::box`);
  }
  return extra.length ? extra.join(' AND ') : 'true';
}

/**
 * A notice list: attribute filters and the bounding box in SQL; where an exact test is
 * needed (the area's shape under `atPoint`, an audience member's filter on what it may see)
 * the candidates are tested in memory before paging, so a page never loses a real match to
 * a candidate that only the bounding box matched, and a filter cannot reveal which other
 * audience members received or answered a notice.
 */
export async function listNotices<D>(
  o: NoticeListOptions<D>,
  readers: { reader: Reader; candidates: Reader },
  actor: OrganizationActor,
  q: ListQuery,
  params: Record<string, string | undefined>,
) {
  const where = (values: unknown[]) => conditions(o, params, values);
  const inMemory = o.isPublisherKind(actor) ? [] : q.filters.filter((f) => o.viewFiltered.includes(f.path[0]!));
  if (!params.atPoint && inMemory.length === 0) return o.store.list(readers.reader, actor, q, where);
  const sqlFilters = q.filters.filter((f) => !inMemory.includes(f));
  const candidates = await o.store.list(
    readers.candidates,
    actor,
    { ...q, filters: sqlFilters, offset: 0, limit: MAX_IN_MEMORY_CANDIDATES },
    where,
  );
  const point = params.atPoint ? parseLonLat(params.atPoint, 'atPoint') : undefined;
  const rows = candidates.rows.filter((r) => {
    if (point) {
      const area = o.areaOf(r.doc);
      if (!area || !containsPoint(area, point[0], point[1])) return false;
    }
    return matchesFilters(o.viewFor(actor.organizationId, r.doc), inMemory);
  });
  return { rows: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
}
