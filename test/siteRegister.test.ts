import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITES, createHarness, createMnoSite, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 4, point 2 (and 8): the MNO and DSO site registers (EO-1, NS-1) with bulk import
 * of CSV and GeoJSON and a per-row validation report (ETL-1). Registers are private to
 * their owner: another organisation's site is a 404 and never appears in a list.
 */
const MNO_SITE = `${SITES}/mnoSite`;
const DSO_SITE = `${SITES}/dsoSite`;
const MNO_HEADER =
  'siteId,name,longitude,latitude,energySupplyId,baseStationIds,upsInstalled,upsCapacityMinutes,remainingMinutes,generator,priority';
const DSO_HEADER = 'siteId,name,kind,longitude,latitude,servingMnoIds,cellIds,criticality';

interface MnoSite {
  id: string;
  href: string;
  siteId: string;
  name?: string;
  location: { type: 'Point'; coordinates: [number, number] };
  energySupplyId?: string;
  baseStationId?: string[];
  backupPower: { upsInstalled?: boolean; upsCapacityMinutes?: number; remainingMinutes?: number; generator?: boolean };
  priority: boolean;
  createdAt: string;
  lastUpdate: string;
  [k: string]: unknown;
}
interface DsoSite {
  id: string;
  siteId: string;
  kind: string;
  servingMno: { id: string; '@referredType'?: string }[];
  cellId?: string[];
  criticality: string;
  [k: string]: unknown;
}
interface ImportReport {
  received: number;
  created: number;
  updated: number;
  rejected: number;
  errors: { row: number; siteId?: string; messages: string[] }[];
}

let h: Harness;
let mno: TestOrg;
let mno2: TestOrg;
let dso: TestOrg;
let dso2: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  mno = await h.createOrg('MNO', 'Funkwerk Mobil');
  mno2 = await h.createOrg('MNO', 'Zweitnetz Mobil');
  dso = await h.createOrg('DSO', 'Nordnetz Verteilung');
  dso2 = await h.createOrg('DSO', 'Anderer Verteiler');
});
afterAll(async () => h?.close());

const nowIso = () => h.clock.now().toISOString();
const point = (lon: number, lat: number) => ({ type: 'Point', coordinates: [lon, lat] });

async function mnoRows(org: TestOrg) {
  return (await h.db.pool.query<{ site_id: string }>('SELECT site_id FROM mno_site WHERE org_id = $1 ORDER BY site_id', [org.id])).rows.map(
    (r) => r.site_id,
  );
}
async function dsoRows(org: TestOrg) {
  return (await h.db.pool.query<{ site_id: string }>('SELECT site_id FROM dso_site WHERE org_id = $1 ORDER BY site_id', [org.id])).rows.map(
    (r) => r.site_id,
  );
}
const importCsv = (org: TestOrg, url: string, csv: string) =>
  h.call('POST', `${url}/import`, { key: org.keys.operator, body: csv, contentType: 'text/csv' });
const importGeo = (org: TestOrg, url: string, fc: unknown) =>
  h.call('POST', `${url}/import`, { key: org.keys.operator, body: fc, contentType: 'application/geo+json' });
const list = async (org: TestOrg, url: string, query = '') => {
  const res = await h.call('GET', `${url}${query ? `?${query}` : ''}`, { key: org.keys.viewer });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};

// ---------------------------------------------------------------------------------------
describe('EO-1 MNO site register: create, read, update, delete', () => {
  it('an MNO registers a site with supply id, base stations, backup power and priority: 201 with Location', async () => {
    const body = {
      siteId: 'HH-0417',
      name: 'Funkturm Altona',
      location: point(9.935, 53.55),
      energySupplyId: 'DE-MTR-4711',
      baseStationId: ['eNB-4711', 'gNB-4711'],
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 130, generator: false },
      priority: true,
    };
    const res = await h.call('POST', MNO_SITE, { key: mno.keys.operator, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const s = res.body as MnoSite;
    expect(res.headers.location).toBe(s.href);
    expect(s.href).toMatch(new RegExp(`${MNO_SITE}/${s.id}$`));
    expect(s).toMatchObject({ '@type': 'MnoSite', ...body, createdAt: nowIso(), lastUpdate: nowIso() });
    const again = await h.call('GET', `${MNO_SITE}/${s.id}`, { key: mno.keys.viewer });
    expect(again.body).toEqual(s);
    // The promoted columns the impact matching uses.
    const row = await h.db.pool.query(
      'SELECT location[0] AS lon, location[1] AS lat, energy_supply_id, ups_installed, ups_capacity_minutes, remaining_minutes, generator, priority FROM mno_site WHERE id = $1',
      [s.id],
    );
    expect(row.rows[0]).toEqual({
      lon: 9.935,
      lat: 53.55,
      energy_supply_id: 'DE-MTR-4711',
      ups_installed: true,
      ups_capacity_minutes: 240,
      remaining_minutes: 130,
      generator: false,
      priority: true,
    });
  });

  it('defaults: no UPS, no generator, no priority', async () => {
    const s = (await createMnoSite(h, mno, 'HH-MIN', [10, 53.5])) as unknown as MnoSite;
    expect(s.backupPower).toEqual({ upsInstalled: false, generator: false });
    expect(s.priority).toBe(false);
    expect(s.name).toBeUndefined();
  });

  it('a siteId is unique within a register (409) but not across organisations', async () => {
    const dup = await h.call('POST', MNO_SITE, { key: mno.keys.operator, body: { siteId: 'HH-MIN', location: point(10, 53) } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('DUPLICATE');
    await createMnoSite(h, mno2, 'HH-MIN', [10.1, 53.6]);
    expect(await mnoRows(mno)).toContain('HH-MIN');
    expect(await mnoRows(mno2)).toEqual(['HH-MIN']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no location', { siteId: 'V1' }, "missing required property 'location'"],
    ['no siteId', { location: point(10, 53) }, "missing required property 'siteId'"],
    ['an empty siteId', { siteId: '', location: point(10, 53) }, 'body.siteId'],
    ['a location that is not a Point', { siteId: 'V1', location: { type: 'Polygon', coordinates: [10, 53] } }, 'body.location.type'],
    ['a location with three numbers', { siteId: 'V1', location: { type: 'Point', coordinates: [10, 53, 5] } }, 'body.location.coordinates'],
    ['a latitude given as text', { siteId: 'V1', location: { type: 'Point', coordinates: [10, '53'] } }, 'body.location.coordinates.1'],
    [
      'negative remaining minutes',
      { siteId: 'V1', location: point(10, 53), backupPower: { remainingMinutes: -1 } },
      'body.backupPower.remainingMinutes',
    ],
    [
      'an unknown backup attribute',
      { siteId: 'V1', location: point(10, 53), backupPower: { fuelLitres: 200 } },
      "unknown property 'fuelLitres'",
    ],
    ['an unknown attribute', { siteId: 'V1', location: point(10, 53), operator: 'x' }, "unknown property 'operator'"],
    ['priority as text', { siteId: 'V1', location: point(10, 53), priority: 'yes' }, 'body.priority'],
  ])('create with %s → 400 naming the field', async (_what, body, expected) => {
    const res = await h.call('POST', MNO_SITE, { key: mno.keys.operator, body });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toContain(expected);
    expect(await mnoRows(mno)).not.toContain('V1');
  });

  it('a location outside WGS 84 ranges is refused (422) on create and on patch', async () => {
    for (const coordinates of [
      [200, 53],
      [10, 95],
      [-180.5, 0],
    ]) {
      const res = await h.call('POST', MNO_SITE, {
        key: mno.keys.operator,
        body: { siteId: 'V-RANGE', location: { type: 'Point', coordinates } },
      });
      expect(res.status, JSON.stringify(coordinates)).toBe(422);
      expect(res.body.message).toMatch(/location/);
    }
    expect(await mnoRows(mno)).not.toContain('V-RANGE');
    const s = await createMnoSite(h, mno, 'V-RANGE-OK', [10, 53]);
    const p = await h.patch(`${MNO_SITE}/${s.id}`, mno.keys.operator, { location: point(10, -91) });
    expect(p.status).toBe(422);
    expect(((await h.call('GET', `${MNO_SITE}/${s.id}`, { key: mno.keys.viewer })).body as MnoSite).location.coordinates).toEqual([10, 53]);
  });

  it('merge patch: remaining minutes updated, other backup fields kept, null removes the name; invalid patch → 400', async () => {
    const s = (await createMnoSite(h, mno, 'HH-PATCH', [10.2, 53.4], {
      name: 'Kirchturm',
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 200 },
    })) as unknown as MnoSite;
    h.clock.advance(60_000);
    const res = await h.patch(`${MNO_SITE}/${s.id}`, mno.keys.operator, {
      name: null,
      backupPower: { remainingMinutes: 75 },
      priority: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const p = res.body as MnoSite;
    expect(p).toMatchObject({
      id: s.id,
      siteId: 'HH-PATCH',
      priority: true,
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 75, generator: false },
    });
    expect(p.name).toBeUndefined();
    expect(p.createdAt).toBe(s.createdAt);
    expect(p.lastUpdate).toBe(nowIso());
    const col = await h.db.pool.query('SELECT remaining_minutes, priority, name FROM mno_site WHERE id = $1', [s.id]);
    expect(col.rows[0]).toEqual({ remaining_minutes: 75, priority: true, name: null });

    for (const [body, expected] of [
      [{ siteId: 'RENAMED' }, "unknown property 'siteId'"],
      [{ backupPower: { remainingMinutes: 'lots' } }, 'body.backupPower.remainingMinutes'],
      [{}, 'body'],
    ] as const) {
      const bad = await h.patch(`${MNO_SITE}/${s.id}`, mno.keys.operator, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.message).toContain(expected);
    }
    const json = await h.call('PATCH', `${MNO_SITE}/${s.id}`, {
      key: mno.keys.operator,
      body: { priority: false },
      contentType: 'application/json',
    });
    expect(json.status).toBe(415);
    expect((await h.call('GET', `${MNO_SITE}/${s.id}`, { key: mno.keys.viewer })).body).toEqual(p);
  });

  it('delete: 204, then 404 on read and on a second delete', async () => {
    const s = await createMnoSite(h, mno, 'HH-DEL', [10.3, 53.3]);
    expect((await h.call('DELETE', `${MNO_SITE}/${s.id}`, { key: mno.keys.operator })).status).toBe(204);
    expect((await h.call('GET', `${MNO_SITE}/${s.id}`, { key: mno.keys.viewer })).status).toBe(404);
    expect((await h.call('DELETE', `${MNO_SITE}/${s.id}`, { key: mno.keys.operator })).status).toBe(404);
    expect(await mnoRows(mno)).not.toContain('HH-DEL');
  });

  it('TMF630 list: filters on energySupplyId and priority, sort by siteId, fields, paging with counts', async () => {
    const all = await list(mno, MNO_SITE);
    const ids = (all.body as MnoSite[]).map((s) => s.siteId);
    expect(ids).toEqual([...ids].sort());
    expect(all.headers['x-total-count']).toBe(String(ids.length));
    expect(((await list(mno, MNO_SITE, 'energySupplyId=DE-MTR-4711')).body as MnoSite[]).map((s) => s.siteId)).toEqual(['HH-0417']);
    expect(((await list(mno, MNO_SITE, 'priority=true')).body as MnoSite[]).map((s) => s.siteId)).toEqual(['HH-0417', 'HH-PATCH']);
    expect(((await list(mno, MNO_SITE, 'sort=-siteId&limit=1')).body as MnoSite[]).map((s) => s.siteId)).toEqual([[...ids].sort().at(-1)]);
    const page = await list(mno, MNO_SITE, 'sort=siteId&offset=1&limit=2');
    expect((page.body as MnoSite[]).map((s) => s.siteId)).toEqual([...ids].sort().slice(1, 3));
    expect(page.headers['x-result-count']).toBe('2');
    const fields = await h.call('GET', `${MNO_SITE}?fields=siteId&siteId=HH-0417`, { key: mno.keys.viewer, skipValidation: true });
    expect(Object.keys(fields.body[0]).sort()).toEqual(['@type', 'href', 'id', 'siteId']);
    expect((await h.call('GET', `${MNO_SITE}?colour=red`, { key: mno.keys.viewer })).status).toBe(400);
  });

  it('a DSO keeps no MNO sites: create, list and import → 422; a viewer key cannot write (403)', async () => {
    const c = await h.call('POST', MNO_SITE, { key: dso.keys.operator, body: { siteId: 'D1', location: point(10, 53) } });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe('WRONG_ORGANIZATION_KIND');
    expect((await h.call('GET', MNO_SITE, { key: dso.keys.viewer })).status).toBe(422);
    expect((await importCsv(dso, MNO_SITE, `${MNO_HEADER}\nD1,,10,53,,,,,,,\n`)).status).toBe(422);
    expect(await mnoRows(dso)).toEqual([]);
    const v = await h.call('POST', MNO_SITE, { key: mno.keys.viewer, body: { siteId: 'V2', location: point(10, 53) } });
    expect(v.status).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------
describe('NS-1 DSO site register: substations, RTUs and meters with the MNOs that connect them', () => {
  it('a DSO registers an RTU served by two MNOs: 201; criticality defaults to medium', async () => {
    const res = await h.call('POST', DSO_SITE, {
      key: dso.keys.operator,
      body: {
        siteId: 'RTU-NORD-17',
        name: 'Umspannwerk Nord-17 RTU',
        kind: 'rtu',
        location: point(9.99, 53.56),
        servingMno: [{ id: mno.id }, { id: mno2.id }],
        cellId: ['262-01-4711-1'],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const s = res.body as DsoSite;
    expect(res.headers.location).toBe(s.href);
    expect(s).toMatchObject({
      '@type': 'DsoSite',
      siteId: 'RTU-NORD-17',
      kind: 'rtu',
      criticality: 'medium',
      cellId: ['262-01-4711-1'],
      servingMno: [
        { id: mno.id, '@referredType': 'Organization' },
        { id: mno2.id, '@referredType': 'Organization' },
      ],
    });
    const row = await h.db.pool.query('SELECT kind, criticality, mno_org_ids::text[] AS mnos, cell_ids FROM dso_site WHERE id = $1', [
      s.id,
    ]);
    expect(row.rows[0]).toEqual({ kind: 'rtu', criticality: 'medium', mnos: [mno.id, mno2.id], cell_ids: ['262-01-4711-1'] });
  });

  it('servingMno must name MNO organisations: a DSO or an unknown id → 422, a non-uuid → 400; on create and on patch', async () => {
    const bad = [
      [[{ id: dso2.id }], 422, dso2.id],
      [[{ id: mno.id }, { id: '00000000-0000-4000-8000-000000000001' }], 422, '00000000-0000-4000-8000-000000000001'],
      [[{ id: 'funkwerk' }], 400, 'body.servingMno.0.id'],
    ] as const;
    for (const [servingMno, status, named] of bad) {
      const res = await h.call('POST', DSO_SITE, {
        key: dso.keys.operator,
        body: { siteId: 'SUB-X', kind: 'substation', location: point(10, 53), servingMno },
      });
      expect(res.status, JSON.stringify(servingMno)).toBe(status);
      expect(res.body.message).toContain(named);
    }
    expect(await dsoRows(dso)).not.toContain('SUB-X');
    const ok = await h.call('POST', DSO_SITE, {
      key: dso.keys.operator,
      body: { siteId: 'SUB-X', kind: 'substation', location: point(10, 53), criticality: 'high' },
    });
    expect(ok.status).toBe(201);
    const p = await h.patch(`${DSO_SITE}/${ok.body.id}`, dso.keys.operator, { servingMno: [{ id: dso.id }] });
    expect(p.status).toBe(422);
    const good = await h.patch(`${DSO_SITE}/${ok.body.id}`, dso.keys.operator, { servingMno: [{ id: mno2.id }], criticality: 'low' });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ servingMno: [{ id: mno2.id }], criticality: 'low', kind: 'substation' });
  });

  it('validation: kind required and enumerated, criticality enumerated (400)', async () => {
    for (const [body, expected] of [
      [{ siteId: 'K1', location: point(10, 53) }, "missing required property 'kind'"],
      [{ siteId: 'K1', kind: 'windmill', location: point(10, 53) }, 'body.kind'],
      [{ siteId: 'K1', kind: 'rtu', location: point(10, 53), criticality: 'extreme' }, 'body.criticality'],
    ] as const) {
      const res = await h.call('POST', DSO_SITE, { key: dso.keys.operator, body });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(expected);
    }
  });

  it('list filters on kind and criticality; delete', async () => {
    expect(((await list(dso, DSO_SITE, 'kind=rtu')).body as DsoSite[]).map((s) => s.siteId)).toEqual(['RTU-NORD-17']);
    expect(((await list(dso, DSO_SITE, 'criticality=low')).body as DsoSite[]).map((s) => s.siteId)).toEqual(['SUB-X']);
    const id = ((await list(dso, DSO_SITE, 'siteId=SUB-X')).body as DsoSite[])[0]!.id;
    expect((await h.call('DELETE', `${DSO_SITE}/${id}`, { key: dso.keys.operator })).status).toBe(204);
    expect(await dsoRows(dso)).toEqual(['RTU-NORD-17']);
  });

  it('an MNO keeps no DSO sites (422)', async () => {
    const res = await h.call('POST', DSO_SITE, { key: mno.keys.operator, body: { siteId: 'M1', kind: 'rtu', location: point(10, 53) } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('WRONG_ORGANIZATION_KIND');
    expect((await h.call('GET', DSO_SITE, { key: mno.keys.viewer })).status).toBe(422);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 / NS-1 privacy: a register is visible to its owner only', () => {
  it('another organisation gets 404 on read, patch and delete, and never sees the sites in a list', async () => {
    const mine = await createMnoSite(h, mno, 'HH-PRIVATE', [9.9, 53.5], {
      name: 'Geheim',
      backupPower: { upsInstalled: true, remainingMinutes: 42 },
    });
    const dsoSite = ((await list(dso, DSO_SITE, 'siteId=RTU-NORD-17')).body as DsoSite[])[0]!;
    const before = await h.db.pool.query('SELECT doc FROM mno_site WHERE id = $1', [mine.id]);

    for (const [org, url] of [
      [mno2, `${MNO_SITE}/${mine.id}`],
      [dso, `${MNO_SITE}/${mine.id}`],
      [dso2, `${DSO_SITE}/${dsoSite.id}`],
      // An MNO that serves the RTU still does not see the DSO's register.
      [mno, `${DSO_SITE}/${dsoSite.id}`],
    ] as const) {
      expect((await h.call('GET', url, { key: org.keys.viewer })).status, `${org.name} GET ${url}`).toBe(404);
      expect((await h.patch(url, org.keys.operator, { name: 'mine now' })).status).toBe(404);
      expect((await h.call('DELETE', url, { key: org.keys.admin })).status).toBe(404);
    }
    const otherList = JSON.stringify((await list(mno2, MNO_SITE)).body);
    expect(otherList).not.toContain(mine.id);
    expect(otherList).not.toContain('Geheim');
    expect(otherList).not.toContain('HH-PRIVATE');
    expect(JSON.stringify((await list(dso2, DSO_SITE)).body)).not.toContain('RTU-NORD-17');
    // Another organisation's register even with a filter naming the site.
    expect((await list(mno2, MNO_SITE, 'siteId=HH-PRIVATE')).body).toEqual([]);

    expect((await h.db.pool.query('SELECT doc FROM mno_site WHERE id = $1', [mine.id])).rows).toEqual(before.rows);
    expect(await dsoRows(dso)).toContain('RTU-NORD-17');
  });

  it('an import cannot overwrite another organisation\u2019s site with the same siteId', async () => {
    const res = await importCsv(mno2, MNO_SITE, `${MNO_HEADER}\nHH-PRIVATE,Fremd,11,54,,,false,,,,\n`);
    expect(res.body).toMatchObject({ created: 1, updated: 0 });
    const mine = await h.db.pool.query("SELECT name, location[0] AS lon FROM mno_site WHERE org_id = $1 AND site_id = 'HH-PRIVATE'", [
      mno.id,
    ]);
    expect(mine.rows[0]).toEqual({ name: 'Geheim', lon: 9.9 });
  });
});

// ---------------------------------------------------------------------------------------
describe('ETL-1 bulk import: CSV and GeoJSON with a per-row validation report', () => {
  let imp: TestOrg;
  beforeAll(async () => {
    imp = await h.createOrg('MNO', 'Import Mobil');
  });

  it('CSV: good rows created or updated by siteId, bad rows reported with row number and reasons and not written', async () => {
    const existing = (await createMnoSite(h, imp, 'EX-1', [10, 53], {
      name: 'Alt',
      backupPower: { upsInstalled: true, remainingMinutes: 10 },
    })) as unknown as MnoSite;
    const untouched = (await createMnoSite(h, imp, 'EX-2', [10.1, 53.1], {
      name: 'Unberührt',
      energySupplyId: 'M-OLD',
    })) as unknown as MnoSite;
    h.clock.advance(60_000);
    const csv = [
      MNO_HEADER,
      /* 1 */ 'N-1,"Turm, Nord",9.9,53.5,M-1,eNB-1;gNB-1,true,240,120,false,true',
      /* 2 */ 'EX-1,Neu,10.05,53.05,M-2,,true,240,90,false,false',
      /* 3 */ 'N-BAD-LON,Schlecht,abc,53.5,,,,,,,',
      /* 4 */ 'N-BAD-BOOL,Schlecht,9.9,53.5,,,maybe,,,,',
      /* 5 */ 'N-BAD-MIN,Schlecht,9.9,53.5,,,true,,-5,,',
      /* 6 */ 'N-BAD-LAT,Schlecht,9.9,95,,,,,,,',
      /* 7 */ ',Ohne Id,9.9,53.5,,,,,,,',
      /* 8 */ 'N-1,Doppelt,9.8,53.4,,,,,,,',
      /* 9 */ 'EX-2,Kaputt,10.1,53.1,M-NEW,,yes please,,,,',
      /* 10 */ 'N-2,,10.2,53.2,,,,,,true,',
      /* 11 */ 'N-3,Many errors,x,,,,nope,,1.5,,',
    ].join('\n');
    const before = (await mnoRows(imp)).length;
    const res = await importCsv(imp, MNO_SITE, csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = res.body as ImportReport;
    expect(report).toMatchObject({ received: 11, created: 2, updated: 1, rejected: 8 });
    expect(report.errors.map((e) => [e.row, e.siteId])).toEqual([
      [3, 'N-BAD-LON'],
      [4, 'N-BAD-BOOL'],
      [5, 'N-BAD-MIN'],
      [6, 'N-BAD-LAT'],
      [7, undefined],
      [8, 'N-1'],
      [9, 'EX-2'],
      [11, 'N-3'],
    ]);
    const msg = Object.fromEntries(report.errors.map((e) => [e.row, e.messages.join(' | ')]));
    expect(msg[3]).toMatch(/longitude and latitude/);
    expect(msg[4]).toMatch(/upsInstalled: 'maybe' is not true or false/);
    expect(msg[5]).toMatch(/remainingMinutes/);
    expect(msg[6]).toMatch(/out of range/);
    expect(msg[7]).toMatch(/siteId/);
    expect(msg[8]).toMatch(/siteId N-1 also appears in row 1/);
    expect(msg[9]).toMatch(/upsInstalled/);
    expect(msg[11]).toMatch(/longitude and latitude/);

    // Exactly the good rows were written: two new sites, one update, nothing of a bad row.
    const rows = await mnoRows(imp);
    expect(rows.length).toBe(before + 2);
    expect(rows).toEqual(['EX-1', 'EX-2', 'N-1', 'N-2']);
    const sites = Object.fromEntries(((await list(imp, MNO_SITE)).body as MnoSite[]).map((s) => [s.siteId, s]));
    expect(sites['N-1']).toMatchObject({
      name: 'Turm, Nord',
      location: { type: 'Point', coordinates: [9.9, 53.5] },
      energySupplyId: 'M-1',
      baseStationId: ['eNB-1', 'gNB-1'],
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 120, generator: false },
      priority: true,
    });
    expect(sites['N-2']).toMatchObject({ backupPower: { upsInstalled: false, generator: true }, priority: false });
    // An existing siteId is updated in place: same id and creation date, new values.
    expect(sites['EX-1']).toMatchObject({
      id: existing.id,
      createdAt: existing.createdAt,
      lastUpdate: nowIso(),
      name: 'Neu',
      energySupplyId: 'M-2',
      location: { coordinates: [10.05, 53.05] },
    });
    expect(sites['EX-1']!.backupPower.remainingMinutes).toBe(90);
    // A rejected update leaves the existing site exactly as it was.
    expect(sites['EX-2']).toEqual({ ...untouched, href: sites['EX-2']!.href });
    const col = await h.db.pool.query("SELECT energy_supply_id, location[0] AS lon FROM mno_site WHERE org_id = $1 AND site_id = 'EX-1'", [
      imp.id,
    ]);
    expect(col.rows[0]).toEqual({ energy_supply_id: 'M-2', lon: 10.05 });
  });

  it('importing the same file again updates instead of duplicating', async () => {
    const csv = `${MNO_HEADER}\nN-1,Turm Nord,9.9,53.5,M-1,,true,240,100,false,true\nN-2,,10.2,53.2,,,,,,true,\n`;
    const before = await mnoRows(imp);
    const res = await importCsv(imp, MNO_SITE, csv);
    expect(res.body).toEqual({ received: 2, created: 0, updated: 2, rejected: 0, errors: [] });
    expect(await mnoRows(imp)).toEqual(before);
    const again = await importCsv(imp, MNO_SITE, csv);
    expect(again.body).toMatchObject({ created: 0, updated: 2 });
    expect(await mnoRows(imp)).toEqual(before);
  });

  it('CSV row numbers are line numbers minus the header, even with blank lines in between', async () => {
    const csv = `${MNO_HEADER}\r\nB-1,,9.9,53.5,,,,,,,\r\n\r\nB-2,,abc,53.5,,,,,,,\r\n`;
    const res = await importCsv(imp, MNO_SITE, csv);
    expect(res.status).toBe(200);
    expect((res.body as ImportReport).errors.map((e) => e.row)).toEqual([3]);
  });

  it('GeoJSON: a FeatureCollection of Point features; bad features reported by index + 1; good ones kept', async () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [8.5, 50.1] },
          properties: {
            siteId: 'G-1',
            name: 'Messeturm',
            energySupplyId: 'M-77',
            upsInstalled: true,
            upsCapacityMinutes: 180,
            remainingMinutes: 60,
            priority: true,
          },
        },
        {
          type: 'Feature',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [8, 50],
                [9, 50],
                [9, 51],
                [8, 50],
              ],
            ],
          },
          properties: { siteId: 'G-POLY' },
        },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [8.6, 50.2] }, properties: { name: 'ohne siteId' } },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [8.7, 50.3] },
          properties: { siteId: 'G-BAD', upsInstalled: 'perhaps', remainingMinutes: 100001 },
        },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [8.8, -95] }, properties: { siteId: 'G-LAT' } },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [8.9, 50.4] },
          properties: { siteId: 4711, baseStationIds: 'eNB-9|gNB-9', generator: 'true' },
        },
        { type: 'Feature', geometry: null, properties: { siteId: 'G-NULL' } },
      ],
    };
    const res = await importGeo(imp, MNO_SITE, fc);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = res.body as ImportReport;
    expect(report).toMatchObject({ received: 7, created: 2, updated: 0, rejected: 5 });
    expect(report.errors.map((e) => [e.row, e.siteId])).toEqual([
      [2, 'G-POLY'],
      [3, undefined],
      [4, 'G-BAD'],
      [5, 'G-LAT'],
      [7, 'G-NULL'],
    ]);
    expect(report.errors[0]!.messages.join()).toMatch(/Point/);
    expect(report.errors[2]!.messages.join(' | ')).toMatch(/upsInstalled: 'perhaps' is not true or false/);
    expect(report.errors[3]!.messages.join(' | ')).toMatch(/out of range/);
    const sites = Object.fromEntries(((await list(imp, MNO_SITE)).body as MnoSite[]).map((s) => [s.siteId, s]));
    expect(sites['G-1']).toMatchObject({
      name: 'Messeturm',
      location: { coordinates: [8.5, 50.1] },
      energySupplyId: 'M-77',
      priority: true,
      backupPower: { upsInstalled: true, upsCapacityMinutes: 180, remainingMinutes: 60 },
    });
    expect(sites['4711']).toMatchObject({ baseStationId: ['eNB-9', 'gNB-9'], backupPower: { generator: true } });
    for (const bad of ['G-POLY', 'G-BAD', 'G-LAT', 'G-NULL']) expect(sites[bad]).toBeUndefined();
  });

  it('DSO CSV import: servingMnoIds checked per row, cell ids split on ";"', async () => {
    const csv = [
      DSO_HEADER,
      `RTU-1,Nord 1,rtu,9.9,53.5,${mno.id},262-01-1;262-01-2,high`,
      `RTU-2,Nord 2,rtu,9.9,53.6,${dso2.id},,`,
      `MTR-3,Zähler 3,meter,9.9,53.7,${mno.id};${mno2.id},,low`,
      'SUB-4,Werk 4,windmill,9.9,53.8,,,',
      `RTU-5,Nord 5,rtu,9.9,53.9,not-a-uuid,,`,
    ].join('\n');
    const before = await dsoRows(dso2);
    const res = await importCsv(dso2, DSO_SITE, csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = res.body as ImportReport;
    expect(report).toMatchObject({ received: 5, created: 2, updated: 0, rejected: 3 });
    expect(report.errors.map((e) => [e.row, e.siteId])).toEqual([
      [2, 'RTU-2'],
      [4, 'SUB-4'],
      [5, 'RTU-5'],
    ]);
    expect(report.errors[0]!.messages.join()).toContain(dso2.id);
    expect(report.errors[1]!.messages.join()).toMatch(/kind/);
    expect(await dsoRows(dso2)).toEqual([...before, 'MTR-3', 'RTU-1'].sort());
    const rtu = ((await list(dso2, DSO_SITE, 'siteId=RTU-1')).body as DsoSite[])[0]!;
    expect(rtu).toMatchObject({ kind: 'rtu', criticality: 'high', cellId: ['262-01-1', '262-01-2'], servingMno: [{ id: mno.id }] });
    const meter = ((await list(dso2, DSO_SITE, 'siteId=MTR-3')).body as DsoSite[])[0]!;
    expect(meter.servingMno.map((m) => m.id)).toEqual([mno.id, mno2.id]);
  });

  it('DSO GeoJSON import', async () => {
    const res = await importGeo(dso2, DSO_SITE, {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [10, 53] },
          properties: { siteId: 'G-SUB', kind: 'substation', criticality: 'high', servingMnoIds: mno2.id },
        },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [10, 53] },
          properties: { siteId: 'G-SUB2', kind: 'substation', criticality: 'urgent' },
        },
      ],
    });
    expect(res.body).toMatchObject({ received: 2, created: 1, rejected: 1, errors: [{ row: 2, siteId: 'G-SUB2' }] });
  });

  it('wrong content type → 415; empty CSV → 400; unreadable CSV or GeoJSON that is not a FeatureCollection → 400; nothing written', async () => {
    const before = await mnoRows(imp);
    const json = await h.call('POST', `${MNO_SITE}/import`, {
      key: imp.keys.operator,
      body: { type: 'FeatureCollection', features: [] },
      contentType: 'application/json',
    });
    expect(json.status).toBe(415);
    expect(json.body.message).toMatch(/text\/csv/);
    const text = await h.call('POST', `${MNO_SITE}/import`, {
      key: imp.keys.operator,
      body: `${MNO_HEADER}\nT-1,,9,53,,,,,,,\n`,
      contentType: 'text/plain',
    });
    expect(text.status).toBe(415);
    const none = await h.call('POST', `${MNO_SITE}/import`, { key: imp.keys.operator });
    expect(none.status).toBe(415);
    for (const body of ['', '   \n  \n']) {
      const empty = await importCsv(imp, MNO_SITE, body);
      expect(empty.status, JSON.stringify(body)).toBe(400);
      expect(empty.body.message).toMatch(/empty/);
    }
    const unclosed = await importCsv(imp, MNO_SITE, `${MNO_HEADER}\n"T-2,,9,53,,,,,,,\n`);
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.message).toMatch(/CSV/);
    for (const fc of [
      { type: 'Feature', geometry: { type: 'Point', coordinates: [9, 53] }, properties: { siteId: 'T-3' } },
      { type: 'FeatureCollection' },
    ]) {
      const res = await importGeo(imp, MNO_SITE, fc);
      expect(res.status, JSON.stringify(fc)).toBe(400);
      expect(res.body.message).toMatch(/FeatureCollection/);
    }
    expect((await importGeo(imp, MNO_SITE, [1, 2])).status).toBe(400);
    const malformed = await h.call('POST', `${MNO_SITE}/import`, {
      key: imp.keys.operator,
      body: '{"type": "FeatureCollection", ',
      contentType: 'application/geo+json',
    });
    expect(malformed.status).toBe(400);
    const viewer = await h.call('POST', `${MNO_SITE}/import`, {
      key: imp.keys.viewer,
      body: `${MNO_HEADER}\nT-4,,9,53,,,,,,,\n`,
      contentType: 'text/csv',
    });
    expect(viewer.status).toBe(403);
    expect(await mnoRows(imp)).toEqual(before);
  });

  it('a header-only CSV imports nothing and says so', async () => {
    const res = await importCsv(imp, MNO_SITE, `${MNO_HEADER}\n`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 0, created: 0, updated: 0, rejected: 0, errors: [] });
  });
});
