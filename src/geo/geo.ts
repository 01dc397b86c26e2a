import { unprocessable } from '../http/errors.js';

/**
 * Outage areas (TS 28.318 `outageArea`) as GeoJSON: Polygon and MultiPolygon (with
 * holes), or a circle written as a Point with `radius` in metres. Coordinates are
 * [longitude, latitude] (WGS 84). Matching against sites runs in PostgreSQL on `point`
 * columns with GiST indexes: a bounding-box prefilter, then an exact test. A point on a
 * boundary counts as inside (affected).
 */
export type Position = [number, number];
export type Ring = Position[];

export type Area =
  | { type: 'Polygon'; coordinates: Ring[] }
  | { type: 'MultiPolygon'; coordinates: Ring[][] }
  | { type: 'Point'; coordinates: Position; radius: number };

export interface Box {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export const MAX_VERTICES = 20_000;
const EARTH_RADIUS_M = 6_371_008.8;

function fail(path: string, msg: string): never {
  throw unprocessable(`${path}: ${msg}`, 'INVALID_GEOMETRY');
}

const isCoordinate = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** [longitude, latitude] or [longitude, latitude, altitude], finite numbers. */
function isPosition(p: unknown): p is [number, number] | [number, number, number] {
  return Array.isArray(p) && p.length >= 2 && p.length <= 3 && p.every(isCoordinate);
}

function checkPosition(p: unknown, path: string): Position {
  if (!isPosition(p)) fail(path, 'a position is [longitude, latitude]');
  const [lon, lat] = p;
  if (lon < -180 || lon > 180) fail(path, `longitude ${lon} is outside -180..180`);
  if (lat < -90 || lat > 90) fail(path, `latitude ${lat} is outside -90..90`);
  return [lon, lat];
}

function checkRing(r: unknown, path: string): Ring {
  if (!Array.isArray(r) || r.length < 4) fail(path, 'a linear ring needs at least 4 positions (first = last)');
  const ring = r.map((p: unknown, i) => checkPosition(p, `${path}[${i}]`));
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) fail(path, 'a linear ring must be closed (last position = first)');
  const lons = ring.map((p) => p[0]);
  if (Math.max(...lons) - Math.min(...lons) > 180)
    fail(path, 'rings crossing the antimeridian are not supported; split the area in two polygons');
  return ring;
}

function checkPolygon(c: unknown, path: string): Ring[] {
  if (!Array.isArray(c) || c.length === 0) fail(path, 'a Polygon is a non-empty array of linear rings (outer ring first, then holes)');
  return c.map((r: unknown, i) => checkRing(r, `${path}[${i}]`));
}

/** Validates GeoJSON from a client; errors name the offending path. */
export function parseArea(raw: unknown, path = 'outageArea'): Area {
  if (!raw || typeof raw !== 'object') fail(path, 'must be a GeoJSON geometry object');
  const g: { type?: unknown; coordinates?: unknown; radius?: unknown } = raw;
  let area: Area;
  switch (g.type) {
    case 'Polygon':
      area = { type: 'Polygon', coordinates: checkPolygon(g.coordinates, `${path}.coordinates`) };
      break;
    case 'MultiPolygon':
      if (!Array.isArray(g.coordinates) || g.coordinates.length === 0)
        fail(`${path}.coordinates`, 'a MultiPolygon is a non-empty array of polygons');
      area = {
        type: 'MultiPolygon',
        coordinates: g.coordinates.map((p: unknown, i) => checkPolygon(p, `${path}.coordinates[${i}]`)),
      };
      break;
    case 'Point': {
      const radius = g.radius;
      if (typeof radius !== 'number' || !(radius > 0) || radius > 1_000_000)
        fail(`${path}.radius`, 'a circle is a Point with radius in metres (0 < radius <= 1,000,000)');
      area = { type: 'Point', coordinates: checkPosition(g.coordinates, `${path}.coordinates`), radius };
      break;
    }
    default:
      fail(`${path}.type`, `unsupported geometry type ${JSON.stringify(g.type)}; use Polygon, MultiPolygon or Point with radius`);
  }
  const vertices = polygonsOf(area).reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
  if (vertices > MAX_VERTICES) fail(path, `at most ${MAX_VERTICES} vertices are supported (got ${vertices})`);
  return area;
}

function polygonsOf(a: Area): Ring[][] {
  return a.type === 'Polygon' ? [a.coordinates] : a.type === 'MultiPolygon' ? a.coordinates : [];
}

export function boundingBox(a: Area): Box {
  if (a.type === 'Point') {
    const [lon, lat] = a.coordinates;
    const dLat = (a.radius / EARTH_RADIUS_M) * (180 / Math.PI);
    const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
    return {
      minLon: Math.max(-180, lon - dLon),
      minLat: Math.max(-90, lat - dLat),
      maxLon: Math.min(180, lon + dLon),
      maxLat: Math.min(90, lat + dLat),
    };
  }
  const pts = polygonsOf(a).flatMap((p) => p[0]!);
  return {
    minLon: Math.min(...pts.map((p) => p[0])),
    minLat: Math.min(...pts.map((p) => p[1])),
    maxLon: Math.max(...pts.map((p) => p[0])),
    maxLat: Math.max(...pts.map((p) => p[1])),
  };
}

export function boxLiteral(b: Box): string {
  return `(${b.maxLon},${b.maxLat}),(${b.minLon},${b.minLat})`;
}

function polygonLiteral(r: Ring): string {
  return (
    '(' +
    r
      .slice(0, -1)
      .map(([x, y]) => `(${x},${y})`)
      .join(',') +
    ')'
  );
}

function pathLiteral(r: Ring): string {
  return '[' + r.map(([x, y]) => `(${x},${y})`).join(',') + ']';
}

export function haversineMetres(a: Position, b: Position): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A SQL condition "column lies in the area" with its parameters appended to `params`.
 * Polygons: GiST-indexed box prefilter, then `polygon @> point` on the outer ring and
 * "not strictly inside" each hole (a point on a hole's edge is on the area's boundary).
 */
/**
 * Grid prefilter for polygon matching (issue 7). The area's bounding box is cut into n x n
 * cells: a cell that no edge passes through lies wholly inside (2) or outside (0) the area,
 * decided by its centre; a cell an edge passes through (1) needs the exact test. Points
 * then cost one cell lookup, and only those in boundary cells (a few percent for a
 * storm footprint) pay `polygon @> point`, which is linear in the number of vertices.
 * Edges are marked conservatively (every cell touched by the box of each short piece of
 * the edge, widened slightly), so a cell marked 0 or 2 has no boundary in or near it.
 */
export interface AreaGrid {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  n: number;
  /** cells[i * n + j]: column i (longitude), row j (latitude). */
  cells: number[];
}

export function areaGrid(area: Area, n = 64): AreaGrid | undefined {
  const polys = polygonsOf(area);
  if (polys.length === 0) return undefined;
  const b = boundingBox(area);
  const dx = (b.maxLon - b.minLon) / n;
  const dy = (b.maxLat - b.minLat) / n;
  if (!(dx > 0 && dy > 0)) return undefined;
  const cells = new Array<number>(n * n).fill(0);
  const col = (x: number) => Math.min(n - 1, Math.max(0, Math.floor((x - b.minLon) / dx)));
  const row = (y: number) => Math.min(n - 1, Math.max(0, Math.floor((y - b.minLat) / dy)));
  const epsX = dx * 1e-6;
  const epsY = dy * 1e-6;
  const step = Math.min(dx, dy) / 2;
  // Edges of each polygon (outer ring and holes) as flat coordinate arrays: this runs for
  // every outage notice save, so no destructuring in the loops.
  const edgesOf = polys.map((rings) => {
    const e: number[] = [];
    for (const ring of rings) for (let k = 0; k < ring.length - 1; k++) e.push(ring[k]![0], ring[k]![1], ring[k + 1]![0], ring[k + 1]![1]);
    return e;
  });
  for (const e of edgesOf)
    for (let k = 0; k < e.length; k += 4) {
      const ax = e[k]!;
      const ay = e[k + 1]!;
      const bx = e[k + 2]!;
      const by = e[k + 3]!;
      const pieces = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
      for (let q = 0; q < pieces; q++) {
        const x1 = ax + ((bx - ax) * q) / pieces;
        const y1 = ay + ((by - ay) * q) / pieces;
        const x2 = ax + ((bx - ax) * (q + 1)) / pieces;
        const y2 = ay + ((by - ay) * (q + 1)) / pieces;
        const i1 = col(Math.max(x1, x2) + epsX);
        const j0 = row(Math.min(y1, y2) - epsY);
        const j1 = row(Math.max(y1, y2) + epsY);
        for (let i = col(Math.min(x1, x2) - epsX); i <= i1; i++) for (let j = j0; j <= j1; j++) cells[i * n + j] = 1;
      }
    }
  // Cells no edge touches: inside if their centre is inside one of the polygons (even-odd
  // over the polygon's outer ring and holes, one scanline per row of centres).
  const xs: number[] = [];
  for (let j = 0; j < n; j++) {
    const y = b.minLat + (j + 0.5) * dy;
    for (const e of edgesOf) {
      xs.length = 0;
      for (let k = 0; k < e.length; k += 4) {
        const ay = e[k + 1]!;
        const by = e[k + 3]!;
        if (ay > y !== by > y) xs.push(e[k]! + ((y - ay) * (e[k + 2]! - e[k]!)) / (by - ay));
      }
      xs.sort((u, v) => u - v);
      for (let m = 0; m + 1 < xs.length; m += 2) {
        const from = Math.max(0, Math.ceil((xs[m]! - b.minLon) / dx - 0.5));
        const to = Math.min(n - 1, Math.floor((xs[m + 1]! - b.minLon) / dx - 0.5));
        for (let i = from; i <= to; i++) if (cells[i * n + j] === 0) cells[i * n + j] = 2;
      }
    }
  }
  return { x0: b.minLon, y0: b.minLat, dx, dy, n, cells };
}

/** The index-friendly part of `areaCondition`: the point is within the area's bounding box (GiST). */
export function boxCondition(column: string, area: Area, params: unknown[]): string {
  params.push(boxLiteral(boundingBox(area)));
  return `${column} <@ $${params.length}::box`;
}

/** SQL condition: the point in `column` lies in the area (boundary included). `grid: false` skips the prefilter (tests compare both). */
export function areaCondition(column: string, area: Area, params: unknown[], opts: { grid?: boolean } = {}): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const bbox = `${column} <@ ${p(boxLiteral(boundingBox(area)))}::box`;
  if (area.type === 'Point') {
    const [lon, lat] = area.coordinates;
    const dist = `2 * ${EARTH_RADIUS_M} * asin(least(1, sqrt(power(sin(radians(${column}[1] - ${p(lat)}::float8) / 2), 2) + cos(radians(${p(lat)}::float8)) * cos(radians(${column}[1])) * power(sin(radians(${column}[0] - ${p(lon)}::float8) / 2), 2))))`;
    return `(${bbox} AND ${dist} <= ${p(area.radius)}::float8)`;
  }
  const polys = polygonsOf(area).map((rings) => {
    const [outer, ...holes] = rings;
    const conds = [`${p(polygonLiteral(outer!))}::polygon @> ${column}`];
    for (const h of holes)
      conds.push(`NOT (${p(polygonLiteral(h))}::polygon @> ${column} AND (${p(pathLiteral(h))}::path <-> ${column}) > 1e-12)`);
    return `(${conds.join(' AND ')})`;
  });
  const exact = `(${polys.join(' OR ')})`;
  const grid = opts.grid === false ? undefined : areaGrid(area);
  if (!grid) return `(${bbox} AND ${exact})`;
  const cellOf = (axis: 0 | 1, origin: number, size: number) =>
    `least(${grid.n - 1}, greatest(0, floor((${column}[${axis}] - ${p(origin)}::float8) / ${p(size)}::float8)::int))`;
  const cell = `${cellOf(0, grid.x0, grid.dx)} * ${grid.n} + ${cellOf(1, grid.y0, grid.dy)} + 1`;
  return `(${bbox} AND CASE (${p(grid.cells)}::smallint[])[${cell}] WHEN 2 THEN true WHEN 0 THEN false ELSE ${exact} END)`;
}

/**
 * Sites matched by an area or by identifiers (energy supply, cell ids), as one query over
 * `table`'s `location` column: `SELECT <columns>, matched_by` where `matched_by` is 'area',
 * `byLabel` or 'both'. Candidates come from the index-friendly parts (bounding box, the
 * identifier condition); the area test runs once per candidate (OFFSET 0 keeps the subquery
 * from being merged). `scope` and `by` add their own parameters to `params` ($1… are the
 * caller's). Returns undefined when there is neither an area nor identifiers.
 */
export function siteMatchQuery(q: {
  table: string;
  columns: string;
  scope: string;
  area: Area | undefined;
  by: ((params: unknown[]) => string) | undefined;
  byLabel: string;
  params: unknown[];
}): string | undefined {
  const prefilter: string[] = [];
  let areaSql = 'false';
  if (q.area) {
    prefilter.push(boxCondition('location', q.area, q.params));
    areaSql = areaCondition('location', q.area, q.params);
  }
  let bySql = 'false';
  if (q.by) {
    bySql = q.by(q.params);
    prefilter.push(bySql);
  }
  if (prefilter.length === 0) return undefined;
  return `SELECT ${q.columns},
            CASE WHEN in_area AND matched THEN 'both' WHEN in_area THEN 'area' ELSE '${q.byLabel}' END AS matched_by
       FROM (SELECT *, (${areaSql}) AS in_area, (${bySql}) AS matched
               FROM ${q.table} WHERE ${q.scope} AND (${prefilter.join(' OR ')}) OFFSET 0) AS candidate
      WHERE in_area OR matched ORDER BY site_id`;
}

/** Ray casting with boundary = inside, for notices' own geometry checks in JS. */
function inRing(ring: Ring, x: number, y: number): 'in' | 'out' | 'edge' {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    const cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi);
    if (
      Math.abs(cross) < 1e-12 &&
      x >= Math.min(xi, xj) - 1e-12 &&
      x <= Math.max(xi, xj) + 1e-12 &&
      y >= Math.min(yi, yj) - 1e-12 &&
      y <= Math.max(yi, yj) + 1e-12
    )
      return 'edge';
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 'in' : 'out';
}

export function containsPoint(area: Area, lon: number, lat: number): boolean {
  if (area.type === 'Point') return haversineMetres(area.coordinates, [lon, lat]) <= area.radius;
  return polygonsOf(area).some(
    ([outer, ...holes]) => inRing(outer!, lon, lat) !== 'out' && holes.every((h) => inRing(h, lon, lat) !== 'in'),
  );
}

export function parseLonLat(raw: string, name: string): Position {
  const parts = raw.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)))
    throw unprocessable(`${name} must be "longitude,latitude"`, 'INVALID_PARAMETER');
  return checkPosition(parts, name);
}
