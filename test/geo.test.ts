import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_VERTICES,
  areaCondition,
  areaGrid,
  boundingBox,
  boxLiteral,
  containsPoint,
  haversineMetres,
  parseArea,
  parseLonLat,
  type Area,
  type Position,
} from '../src/geo/geo.js';
import { AppError } from '../src/http/errors.js';
import { OUTAGE, boxPolygon, boxRing, createHarness, createMnoSite, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 4, points 3 and 8: outage-area geometry (EO-1 `affectedArea.outageArea`) — GeoJSON
 * validation with errors naming the path, point-in-area in JavaScript and in PostgreSQL
 * (`polygon @> point`, holes, MultiPolygon parts, circles as Point + radius in metres;
 * a point on a boundary counts as inside), and the same edge cases through the API.
 */
const N = `${OUTAGE}/energyOutageNotice`;
const EARTH_RADIUS_M = 6_371_008.8;
const DEG_M = (Math.PI / 180) * EARTH_RADIUS_M;

/** The 422 a geometry error becomes, or fails. */
function geometryError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a geometry error');
}

const square = boxPolygon([10, 53, 11, 54], [10.4, 53.4, 10.6, 53.6]) as Area;
const triangle: Area = {
  type: 'Polygon',
  coordinates: [
    [
      [10, 53],
      [12, 53],
      [10, 55],
      [10, 53],
    ],
  ],
};
/** A U: the notch [10.3,53.3]-[10.7,54] is outside. */
const uShape: Area = {
  type: 'Polygon',
  coordinates: [
    [
      [10, 53],
      [11, 53],
      [11, 54],
      [10.7, 54],
      [10.7, 53.3],
      [10.3, 53.3],
      [10.3, 54],
      [10, 54],
      [10, 53],
    ],
  ],
};
const multi: Area = {
  type: 'MultiPolygon',
  coordinates: [[boxRing(12, 53, 12.5, 53.5)], [boxRing(13, 53, 13.5, 53.5), boxRing(13.2, 53.2, 13.3, 53.3).reverse()]],
};
const circle: Area = { type: 'Point', coordinates: [14, 53.5], radius: 1000 };

// ---------------------------------------------------------------------------------------
describe('EO-1 geometry: GeoJSON validation (parseArea) names the offending path', () => {
  it('accepts Polygon (with holes), MultiPolygon and a circle; drops altitudes', () => {
    expect(parseArea(square)).toEqual(square);
    expect(parseArea(multi)).toEqual(multi);
    expect(parseArea(circle)).toEqual(circle);
    const withAltitude = {
      type: 'Polygon',
      coordinates: [
        [
          [10, 53, 12],
          [11, 53, 12],
          [11, 54, 12],
          [10, 53, 12],
        ],
      ],
    };
    expect(parseArea(withAltitude)).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [10, 53],
          [11, 53],
          [11, 54],
          [10, 53],
        ],
      ],
    });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'Hamburg', 'outageArea: must be a GeoJSON geometry object'],
    ['null', null, 'outageArea: must be a GeoJSON geometry object'],
    [
      'an unsupported type',
      {
        type: 'LineString',
        coordinates: [
          [10, 53],
          [11, 54],
        ],
      },
      'outageArea.type: unsupported geometry type "LineString"',
    ],
    [
      'a GeometryCollection',
      { type: 'GeometryCollection', geometries: [] },
      'outageArea.type: unsupported geometry type "GeometryCollection"',
    ],
    ['no type', { coordinates: [] }, 'outageArea.type: unsupported geometry type undefined'],
    ['Polygon coordinates not an array', { type: 'Polygon', coordinates: 'x' }, 'outageArea.coordinates: a Polygon is a non-empty array'],
    [
      'an unclosed ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [11, 53],
            [11, 54],
            [10, 54],
          ],
        ],
      },
      'outageArea.coordinates[0]: a linear ring must be closed',
    ],
    [
      'a ring of three positions',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [11, 53],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0]: a linear ring needs at least 4 positions',
    ],
    [
      'a bad hole',
      {
        type: 'Polygon',
        coordinates: [
          boxRing(10, 53, 11, 54),
          [
            [10.4, 53.4],
            [10.6, 53.4],
            [10.4, 53.4],
          ],
        ],
      },
      'outageArea.coordinates[1]: a linear ring needs at least 4 positions',
    ],
    [
      'a latitude out of range',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [11, 53],
            [11, 91],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0][2]: latitude 91 is outside -90..90',
    ],
    [
      'a longitude out of range',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [-181, 53],
            [11, 54],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0][1]: longitude -181 is outside -180..180',
    ],
    [
      'a position with text',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [11, '53'],
            [11, 54],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0][1]: a position is [longitude, latitude]',
    ],
    [
      'a position with one number',
      { type: 'Polygon', coordinates: [[[10, 53], [11], [11, 54], [10, 53]]] },
      'outageArea.coordinates[0][1]: a position is [longitude, latitude]',
    ],
    [
      'a position with four numbers',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [11, 53, 0, 0],
            [11, 54],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0][1]: a position is [longitude, latitude]',
    ],
    [
      'a NaN coordinate',
      {
        type: 'Polygon',
        coordinates: [
          [
            [10, 53],
            [NaN, 53],
            [11, 54],
            [10, 53],
          ],
        ],
      },
      'outageArea.coordinates[0][1]',
    ],
    ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, 'outageArea.coordinates: a MultiPolygon is a non-empty array'],
    [
      'a bad MultiPolygon part',
      {
        type: 'MultiPolygon',
        coordinates: [
          [boxRing(10, 53, 11, 54)],
          [
            [
              [12, 53],
              [13, 53],
              [13, 54],
              [12, 54],
            ],
          ],
        ],
      },
      'outageArea.coordinates[1][0]: a linear ring must be closed',
    ],
    ['a Point without radius', { type: 'Point', coordinates: [10, 53] }, 'outageArea.radius: a circle is a Point with radius in metres'],
    ['a zero radius', { type: 'Point', coordinates: [10, 53], radius: 0 }, 'outageArea.radius'],
    ['a radius over 1,000 km', { type: 'Point', coordinates: [10, 53], radius: 1_000_001 }, 'outageArea.radius'],
    ['a radius as text', { type: 'Point', coordinates: [10, 53], radius: '500' }, 'outageArea.radius'],
    [
      'a circle centre out of range',
      { type: 'Point', coordinates: [10, 90.5], radius: 100 },
      'outageArea.coordinates: latitude 90.5 is outside -90..90',
    ],
    [
      'a ring crossing the antimeridian',
      {
        type: 'Polygon',
        coordinates: [
          [
            [179, -17],
            [-179, -17],
            [-179, -16],
            [179, -16],
            [179, -17],
          ],
        ],
      },
      'outageArea.coordinates[0]: rings crossing the antimeridian are not supported',
    ],
  ])('%s → 422 INVALID_GEOMETRY', (_what, raw, message) => {
    const e = geometryError(() => parseArea(raw));
    expect(e.status).toBe(422);
    expect(e.code).toBe('INVALID_GEOMETRY');
    expect(e.message).toContain(message);
  });

  it('the path prefix is the caller\u2019s (affectedArea.outageArea for notices)', () => {
    const e = geometryError(() => parseArea({ type: 'Point', coordinates: [10, 53] }, 'affectedArea.outageArea'));
    expect(e.message.startsWith('affectedArea.outageArea.radius: ')).toBe(true);
  });

  it(`more than ${MAX_VERTICES} vertices are refused`, () => {
    // Exactly MAX_VERTICES positions (the last repeats the first) is the largest accepted ring.
    const ring: Position[] = Array.from({ length: MAX_VERTICES - 1 }, (_, i) => [
      10 + Math.cos((2 * Math.PI * i) / MAX_VERTICES) / 10,
      53 + Math.sin((2 * Math.PI * i) / MAX_VERTICES) / 10,
    ]);
    ring.push(ring[0]!);
    expect(parseArea({ type: 'Polygon', coordinates: [ring] }).type).toBe('Polygon');
    const e = geometryError(() => parseArea({ type: 'MultiPolygon', coordinates: [[ring], [boxRing(12, 53, 13, 54)]] }));
    expect(e.message).toBe(`outageArea: at most ${MAX_VERTICES} vertices are supported (got ${MAX_VERTICES + 5})`);
  });

  it('a ring spanning almost 180 degrees of longitude without crossing the antimeridian is fine', () => {
    expect(parseArea({ type: 'Polygon', coordinates: [boxRing(-89.9, -10, 89.9, 10)] }).type).toBe('Polygon');
  });

  it('parseLonLat reads "lon,lat" for atPoint and checks ranges', () => {
    expect(parseLonLat('10.5,53.5', 'atPoint')).toEqual([10.5, 53.5]);
    expect(parseLonLat(' -70.65 , -33.45 ', 'atPoint')).toEqual([-70.65, -33.45]);
    for (const bad of ['10.5', '10.5,53.5,1', 'a,b', '', '10.5;53.5']) {
      const e = geometryError(() => parseLonLat(bad, 'atPoint'));
      expect(e.status, bad).toBe(422);
      expect(e.message).toMatch(/^atPoint/);
    }
    expect(geometryError(() => parseLonLat('10,95', 'atPoint')).message).toBe('atPoint: latitude 95 is outside -90..90');
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 geometry: point in area (JavaScript), boundary counts as inside', () => {
  it.each<[string, Area, Position, boolean]>([
    ['inside the square', square, [10.2, 53.2], true],
    ['outside the square', square, [11.2, 53.5], false],
    ['just outside the east edge', square, [11.000001, 53.5], false],
    ['on the south edge', square, [10.5, 53], true],
    ['on the east edge', square, [11, 53.7], true],
    ['on a vertex', square, [11, 54], true],
    ['inside the hole', square, [10.5, 53.5], false],
    ['on the hole\u2019s edge', square, [10.4, 53.5], true],
    ['on the hole\u2019s corner', square, [10.6, 53.6], true],
    ['inside the triangle', triangle, [10.5, 53.5], true],
    ['on the triangle\u2019s diagonal edge', triangle, [11, 54], true],
    ['on the diagonal, halfway up', triangle, [10.5, 54.5], true],
    ['just beyond the diagonal', triangle, [11.01, 54], false],
    ['in the U\u2019s left arm', uShape, [10.1, 53.9], true],
    ['in the U\u2019s notch', uShape, [10.5, 53.9], false],
    ['on the notch\u2019s edge', uShape, [10.5, 53.3], true],
    ['in the U\u2019s base', uShape, [10.5, 53.1], true],
    ['in the first MultiPolygon part', multi, [12.25, 53.25], true],
    ['in the second MultiPolygon part', multi, [13.1, 53.1], true],
    ['between the parts', multi, [12.75, 53.25], false],
    ['in the second part\u2019s hole', multi, [13.25, 53.25], false],
    ['at the circle centre', circle, [14, 53.5], true],
    ['989.6 m north of the centre', circle, [14, 53.5089], true],
    ['1011.9 m north of the centre', circle, [14, 53.5091], false],
    ['978.9 m east of the centre', circle, [14.0148, 53.5], true],
    ['1005.3 m east of the centre', circle, [14.0152, 53.5], false],
  ])('%s', (_what, area, [lon, lat], inside) => {
    expect(containsPoint(area, lon, lat)).toBe(inside);
  });

  it('haversine distances on real coordinates', () => {
    expect(haversineMetres([0, 0], [0, 1])).toBeCloseTo(DEG_M, 3);
    expect(haversineMetres([14, 53.5], [14, 53.5089])).toBeCloseTo(989.64, 1);
    // Hamburg Rathaus -> Berlin Alexanderplatz, about 255 km.
    expect(haversineMetres([9.9937, 53.5511], [13.405, 52.52]) / 1000).toBeCloseTo(255.25, 1);
    expect(haversineMetres([-70.65, -33.45], [-70.65, -33.45])).toBe(0);
  });

  it('bounding boxes: outer rings only, the union of MultiPolygon parts, a circle\u2019s extent in degrees', () => {
    expect(boundingBox(square)).toEqual({ minLon: 10, minLat: 53, maxLon: 11, maxLat: 54 });
    expect(boundingBox(multi)).toEqual({ minLon: 12, minLat: 53, maxLon: 13.5, maxLat: 53.5 });
    const b = boundingBox(circle);
    const dLat = 1000 / DEG_M;
    const dLon = dLat / Math.cos((53.5 * Math.PI) / 180);
    expect(b.minLat).toBeCloseTo(53.5 - dLat, 9);
    expect(b.maxLat).toBeCloseTo(53.5 + dLat, 9);
    expect(b.minLon).toBeCloseTo(14 - dLon, 9);
    expect(b.maxLon).toBeCloseTo(14 + dLon, 9);
    // Every point of the circle lies in its box (checked on the circle's edge).
    for (let i = 0; i < 36; i++) {
      const a = (i * Math.PI) / 18;
      const p: Position = [14 + 0.999 * dLon * Math.cos(a), 53.5 + 0.999 * dLat * Math.sin(a)];
      expect(p[0] >= b.minLon && p[0] <= b.maxLon && p[1] >= b.minLat && p[1] <= b.maxLat).toBe(true);
    }
    // Clamped at the poles and the antimeridian.
    expect(boundingBox({ type: 'Point', coordinates: [179.99, 89.99], radius: 50_000 })).toMatchObject({ maxLon: 180, maxLat: 90 });
    expect(boxLiteral({ minLon: 10, minLat: 53, maxLon: 11, maxLat: 54 })).toBe('(11,54),(10,53)');
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 geometry in PostgreSQL (areaCondition) agrees with JavaScript, boundaries included', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  /** The indexes (into `pts`) that the SQL condition matches. */
  async function sqlMatches(area: Area, pts: Position[], opts?: { grid?: boolean }): Promise<number[]> {
    const params: unknown[] = [pts.map((p) => p[0]), pts.map((p) => p[1])];
    const cond = areaCondition('location', area, params, opts);
    const { rows } = await h.db.pool.query<{ i: string }>(
      `SELECT i FROM (SELECT t.i, point(t.x, t.y) AS location FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, i)) s WHERE ${cond} ORDER BY i`,
      params,
    );
    return rows.map((r) => Number(r.i) - 1);
  }
  const jsMatches = (area: Area, pts: Position[]) => pts.flatMap((p, i) => (containsPoint(area, p[0], p[1]) ? [i] : []));
  /** A grid in steps of 0.05 degrees, exactly on every edge and vertex of the test shapes. */
  const grid = (lon0: number, lat0: number, lon1: number, lat1: number): Position[] => {
    const pts: Position[] = [];
    for (let x = Math.round(lon0 * 20); x <= Math.round(lon1 * 20); x++)
      for (let y = Math.round(lat0 * 20); y <= Math.round(lat1 * 20); y++) pts.push([x / 20, y / 20]);
    return pts;
  };

  it.each<[string, Area, Position[]]>([
    ['a square with a hole', square, grid(9.9, 52.9, 11.1, 54.1)],
    ['a triangle with a diagonal edge', triangle, grid(9.9, 52.9, 12.1, 55.1)],
    ['a concave U', uShape, grid(9.9, 52.9, 11.1, 54.1)],
    ['a MultiPolygon with a hole in one part', multi, grid(11.9, 52.9, 13.6, 53.6)],
  ])('%s: SQL and JavaScript select the same grid points, edges and vertices included', async (_what, area, pts) => {
    const js = jsMatches(area, pts);
    expect(js.length).toBeGreaterThan(0);
    expect(js.length).toBeLessThan(pts.length);
    expect(await sqlMatches(area, pts)).toEqual(js);
  });

  it('specific points: hole excluded, hole edge and outer edge included', async () => {
    const pts: Position[] = [
      [10.2, 53.2],
      [10.5, 53],
      [11, 54],
      [10.5, 53.5],
      [10.4, 53.5],
      [11.0001, 53.5],
      [10.55, 53.45],
    ];
    expect(await sqlMatches(square, pts)).toEqual([0, 1, 2, 4]);
  });

  it('a circle: SQL and JavaScript agree around the radius (within a few metres of it)', async () => {
    const pts: Position[] = [];
    for (let i = 0; i < 72; i++) {
      const bearing = (i * Math.PI) / 36;
      for (const d of [0, 500, 990, 995, 1005, 1010, 1500]) {
        const dLat = (d * Math.cos(bearing)) / DEG_M;
        const dLon = (d * Math.sin(bearing)) / (DEG_M * Math.cos((53.5 * Math.PI) / 180));
        pts.push([14 + dLon, 53.5 + dLat]);
      }
    }
    const js = jsMatches(circle, pts);
    expect(await sqlMatches(circle, pts)).toEqual(js);
    // The flat-earth offsets above are within 1 % of the great-circle distance here.
    for (const [i, p] of pts.entries()) {
      const d = haversineMetres(circle.coordinates as Position, p);
      if (d < 995) expect(js).toContain(i);
      if (d > 1005) expect(js).not.toContain(i);
    }
  });

  it('issue 7 grid prefilter: random many-vertex polygons with holes select exactly what the plain polygon test selects', async () => {
    // Star-shaped rings (3–400 vertices) with an optional hole; points drawn inside the box,
    // on vertices and on edge midpoints. The grid only decides cells no edge touches.
    const ring = (cx: number, cy: number, r: number, n: number, rnd: () => number): Position[] => {
      const pts: Position[] = [];
      for (let k = 0; k < n; k++) {
        const a = (2 * Math.PI * k) / n;
        const rr = r * (0.4 + 0.6 * rnd());
        pts.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
      }
      return [...pts, pts[0]!];
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 400 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        async (n, withHole, seed) => {
          let state = seed;
          const rnd = () => (state = (state * 48271) % 2147483647) / 2147483647;
          const outer = ring(10, 53.5, 0.5, n, rnd);
          const rings = withHole ? [outer, ring(10, 53.5, 0.08, 5, rnd).reverse()] : [outer];
          const area = parseArea({ type: 'Polygon', coordinates: rings });
          const b = boundingBox(area);
          const pts: Position[] = [
            ...outer.slice(0, -1),
            ...outer.slice(0, -1).map((p, k) => {
              const q = outer[k + 1]!;
              return [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] as Position;
            }),
          ];
          for (let k = 0; k < 300; k++) pts.push([b.minLon + rnd() * (b.maxLon - b.minLon), b.minLat + rnd() * (b.maxLat - b.minLat)]);
          const withGrid = await sqlMatches(area, pts);
          expect(withGrid).toEqual(await sqlMatches(area, pts, { grid: false }));
        },
      ),
      { numRuns: 40 },
    );
    // The grid does decide most of a storm footprint without the polygon test.
    const g = areaGrid(parseArea({ type: 'Polygon', coordinates: [ring(10, 53.5, 0.5, 1000, () => 0.7)] }))!;
    const counts = [0, 1, 2].map((c) => g.cells.filter((x) => x === c).length);
    expect(counts[2]).toBeGreaterThan(counts[1]!);
    expect(counts[0]).toBeGreaterThan(0);
  });

  it('real coordinates in the southern and western hemispheres', async () => {
    const santiago = boxPolygon([-70.8, -33.6, -70.5, -33.3], [-70.7, -33.5, -70.6, -33.4]) as Area;
    const pts: Position[] = [
      [-70.75, -33.55],
      [-70.65, -33.45],
      [-70.7, -33.45],
      [-70.4, -33.45],
      [-70.8, -33.3],
    ];
    expect(jsMatches(santiago, pts)).toEqual([0, 2, 4]);
    expect(await sqlMatches(santiago, pts)).toEqual([0, 2, 4]);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 geometry through the API: impact matching and atPoint on the same edge cases', () => {
  let h: Harness;
  let dso: TestOrg;
  let mno: TestOrg;
  beforeAll(async () => {
    h = await createHarness();
    ({ dso, mno } = await h.partners({ dso: 'Geo Netz', mno: 'Geo Mobil' }));
    const sites: [string, Position][] = [
      ['SQ-IN', [10.2, 53.2]],
      ['SQ-SOUTH-EDGE', [10.5, 53]],
      ['SQ-VERTEX', [11, 54]],
      ['SQ-HOLE', [10.5, 53.5]],
      ['SQ-HOLE-EDGE', [10.4, 53.5]],
      ['SQ-OUT', [11.0001, 53.5]],
      ['TRI-DIAGONAL', [10.5, 54.5]],
      ['TRI-BEYOND', [10.51, 54.5]],
      ['MP-1', [12.25, 53.25]],
      ['MP-GAP', [12.75, 53.25]],
      ['MP-2', [13.1, 53.1]],
      ['MP-2-HOLE', [13.25, 53.25]],
      ['C-CENTRE', [14, 53.5]],
      ['C-IN-N', [14, 53.5089]],
      ['C-OUT-N', [14, 53.5091]],
      ['C-IN-E', [14.0148, 53.5]],
      ['C-OUT-E', [14.0152, 53.5]],
      ['SCL-IN', [-70.75, -33.55]],
      ['SCL-HOLE', [-70.65, -33.45]],
    ];
    for (const [siteId, at] of sites)
      await createMnoSite(h, mno, siteId, at, { backupPower: { upsInstalled: true, remainingMinutes: 60 } });
  });
  afterAll(async () => h?.close());

  async function impactedBy(outageArea: unknown): Promise<{ id: string; sites: string[] }> {
    const res = await h.call('POST', N, { key: dso.keys.operator, body: { outageKind: 'unplanned', affectedArea: { outageArea } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const imp = await h.call('GET', `${N}/${res.body.id}/impact`, { key: mno.keys.viewer });
    expect(imp.status).toBe(200);
    return { id: res.body.id as string, sites: (imp.body.sites as { siteId: string; matchedBy: string }[]).map((s) => s.siteId) };
  }

  it('a Polygon with a hole: inside, on the outer boundary and on the hole\u2019s edge are impacted; in the hole and outside are not', async () => {
    const { id, sites } = await impactedBy(square);
    expect(sites).toEqual(['SQ-HOLE-EDGE', 'SQ-IN', 'SQ-SOUTH-EDGE', 'SQ-VERTEX']);
    for (const [p, hit] of [
      ['10.2,53.2', true],
      ['10.5,53', true],
      ['10.4,53.5', true],
      ['10.5,53.5', false],
      ['11.0001,53.5', false],
    ] as const) {
      const res = await h.call('GET', `${N}?atPoint=${p}`, { key: mno.keys.viewer });
      expect((res.body as { id: string }[]).map((n) => n.id).includes(id), `atPoint=${p}`).toBe(hit);
    }
  });

  it('a triangle: a site exactly on the diagonal edge is impacted', async () => {
    // (10,53) (12,53) (10,55): lon + lat <= 65. SQ-VERTEX (11,54) is on the diagonal too.
    expect((await impactedBy(triangle)).sites).toEqual([
      'SQ-HOLE',
      'SQ-HOLE-EDGE',
      'SQ-IN',
      'SQ-OUT',
      'SQ-SOUTH-EDGE',
      'SQ-VERTEX',
      'TRI-DIAGONAL',
    ]);
  });

  it('a MultiPolygon: sites in either part, not between them, not in a part\u2019s hole', async () => {
    expect((await impactedBy(multi)).sites).toEqual(['MP-1', 'MP-2']);
  });

  it('a circle (Point + radius in metres): inside the radius impacted, just outside not', async () => {
    expect((await impactedBy(circle)).sites).toEqual(['C-CENTRE', 'C-IN-E', 'C-IN-N']);
    expect((await impactedBy({ type: 'Point', coordinates: [14, 53.5], radius: 1020 })).sites).toEqual([
      'C-CENTRE',
      'C-IN-E',
      'C-IN-N',
      'C-OUT-E',
      'C-OUT-N',
    ]);
  });

  it('real coordinates in the southern and western hemispheres', async () => {
    expect((await impactedBy(boxPolygon([-70.8, -33.6, -70.5, -33.3], [-70.7, -33.5, -70.6, -33.4]))).sites).toEqual(['SCL-IN']);
  });

  it('a 1,000-vertex polygon (the bench shape) matches exactly', async () => {
    // A circle of radius 0.2 degrees around the square's centre, as a 1,000-vertex ring.
    const ring: Position[] = Array.from({ length: 1000 }, (_, i) => [
      10.5 + 0.2 * Math.cos((2 * Math.PI * i) / 1000),
      53.5 + 0.2 * Math.sin((2 * Math.PI * i) / 1000),
    ]);
    ring.push(ring[0]!);
    expect((await impactedBy({ type: 'Polygon', coordinates: [ring] })).sites).toEqual(['SQ-HOLE', 'SQ-HOLE-EDGE']);
  });
});
