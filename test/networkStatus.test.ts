import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeSockets, connectSocket, createHarness, waitFor, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 4 point 6 — Network Status Notice API (NS-1, MNO -> DSO): publication, matching
 * against each audience DSO's own sites served by the MNO (area and cell ids), the
 * failOver/monitor recommendation, privacy between DSOs and towards the MNO, the status
 * lifecycle, re-matching on change with impact events to the right DSO only, maintenance
 * windows, validation, cross-tenant 404s, and the event written in the publishing
 * transaction (so it reaches the DSO at once).
 */
const N = '/tmf-api/networkStatus/v1/networkStatusNotice';
const DS = '/tmf-api/siteRegister/v1/dsoSite';
const SQUARE = {
  type: 'Polygon',
  coordinates: [
    [
      [10, 53],
      [11, 53],
      [11, 54],
      [10, 54],
      [10, 53],
    ],
  ],
};
const NORTH = {
  type: 'Polygon',
  coordinates: [
    [
      [12.9, 54.9],
      [13.1, 54.9],
      [13.1, 55.1],
      [12.9, 55.1],
      [12.9, 54.9],
    ],
  ],
};

let h: Harness;
let base: string;
let mno: TestOrg;
let mno2: TestOrg;
let dsoA: TestOrg;
let dsoB: TestOrg;
let dsoC: TestOrg;
let stranger: TestOrg;

type Site = { siteId: string; recommendation: string; matchedBy: string; matchedCellId?: string[] };
type EventRow = { sequence: string; event_type: string; audience: string[]; payload: { event: Record<string, Record<string, unknown>> } };

async function site(owner: TestOrg, siteId: string, lonLat: [number, number], serving: TestOrg[], extra: Record<string, unknown> = {}) {
  const res = await h.call('POST', DS, {
    key: owner.keys.operator,
    body: {
      siteId,
      kind: 'rtu',
      location: { type: 'Point', coordinates: lonLat },
      servingMno: serving.map((m) => ({ id: m.id })),
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function publish(body: Record<string, unknown>, by: TestOrg = mno) {
  const res = await h.call('POST', N, { key: by.keys.operator, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; [k: string]: unknown };
}

async function patch(id: string, body: Record<string, unknown>, by: TestOrg = mno) {
  return h.patch(`${N}/${id}`, by.keys.operator, body);
}

async function sitesOf(id: string, dso: TestOrg): Promise<Site[]> {
  const res = await h.call('GET', `${N}/${id}/impact`, { key: dso.keys.viewer });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.view).toBe('dso');
  return res.body.sites as Site[];
}

async function events(id: string, afterSequence = 0): Promise<EventRow[]> {
  const { rows } = await h.db.pool.query<EventRow>(
    'SELECT sequence::text, event_type, audience::text[] AS audience, payload FROM event WHERE resource_id = $1 AND sequence > $2 ORDER BY sequence',
    [id, afterSequence],
  );
  return rows;
}

async function maxSequence(): Promise<number> {
  const { rows } = await h.db.pool.query<{ max: string | null }>('SELECT max(sequence)::text AS max FROM event');
  return Number(rows[0]!.max ?? 0);
}

const ids = (sites: Site[]) => sites.map((s) => s.siteId);

beforeAll(async () => {
  // The relay's safety-net poll is pushed out of reach: a delivery in time was woken by NOTIFY.
  h = await createHarness({ env: { GRIDLINK_RELAY_POLL_MS: '600000' } });
  base = await h.listen();
  mno = await h.createOrg('MNO', 'Mobile One');
  mno2 = await h.createOrg('MNO', 'Mobile Two');
  dsoA = await h.createOrg('DSO', 'Grid A');
  dsoB = await h.createOrg('DSO', 'Grid B');
  dsoC = await h.createOrg('DSO', 'Grid C');
  stranger = await h.createOrg('DSO', 'Grid Stranger');
  await h.partner(dsoA, mno);
  await h.partner(dsoB, mno);
  await h.partner(dsoC, mno);
  await h.partner(dsoA, mno2);
  await h.partner(stranger, mno2);

  // DSO A: inside the square (medium, high, on the boundary), reached by a cell id, served by another MNO, unaffected.
  await site(dsoA, 'A-IN', [10.5, 53.5], [mno], { criticality: 'medium' });
  await site(dsoA, 'A-HIGH', [10.2, 53.2], [mno, mno2], { criticality: 'high' });
  await site(dsoA, 'A-EDGE', [10, 53.5], [mno], { criticality: 'low' });
  await site(dsoA, 'A-CELL', [12, 53.5], [mno], { criticality: 'low', cellId: ['CELL-7', 'CELL-1'] });
  await site(dsoA, 'A-OTHER', [10.6, 53.6], [mno2], { criticality: 'high', cellId: ['CELL-7'] });
  await site(dsoA, 'A-OUT', [12.5, 53.5], [mno], { cellId: ['CELL-99'] });
  // DSO B: one site in the square, one far north, one on CELL-7 but served by another MNO.
  await site(dsoB, 'B-IN', [10.4, 53.4], [mno], { criticality: 'medium' });
  await site(dsoB, 'B-NORTH', [13, 55], [mno], { criticality: 'high' });
  await site(dsoB, 'B-M2', [12, 53.5], [mno2], { cellId: ['CELL-7'] });
  // DSO C: in the square, but left out of the audience below.
  await site(dsoC, 'C-IN', [10.5, 53.5], [mno]);
});
afterEach(() => closeSockets());
afterAll(async () => {
  closeSockets();
  await h?.close();
});

const degraded = () => ({
  name: 'LTE degradation Hamburg south',
  impact: 'degraded',
  services: [
    { service: 'data', technology: '4G' },
    { service: 'sms', technology: '2G' },
  ],
  affectedArea: { geoArea: SQUARE, cellId: ['CELL-7'] },
  cause: 'Fibre cut on the aggregation ring',
  causeCategory: 'transmissionFailure',
  expectedRestorationTime: '2026-11-21T12:00:00Z',
  audience: [{ id: dsoA.id }, { id: dsoB.id }],
});

describe('publication (NS-1)', () => {
  it('an MNO publishes: 201 with Location, defaults, and the impact events already in the outbox', async () => {
    const res = await h.call('POST', N, { key: mno.keys.operator, body: degraded() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const n = res.body;
    expect(res.headers.location).toBe(`/tmf-api/networkStatus/v1/networkStatusNotice/${n.id}`);
    expect(n).toMatchObject({
      '@type': 'NetworkStatusNotice',
      noticeKind: 'unplanned',
      status: 'active',
      impact: 'degraded',
      startTime: h.clock.now().toISOString(),
      expectedRestorationTime: '2026-11-21T12:00:00.000Z',
      causeCategory: 'transmissionFailure',
      publisher: { id: mno.id, name: 'Mobile One' },
    });
    expect(n.audience.map((a: { id: string }) => a.id).sort()).toEqual([dsoA.id, dsoB.id].sort());
    expect(n.statusChangeHistory).toHaveLength(1);

    // Same transaction as the 201: the rows exist now, before any relay has run.
    const rows = await events(n.id);
    const impact = rows.filter((r) => r.event_type === 'NetworkStatusImpactChangeEvent');
    expect(impact.map((r) => r.audience).sort()).toEqual([[dsoA.id], [dsoB.id], [mno.id]].sort());
    const toA = impact.find((r) => r.audience[0] === dsoA.id)!.payload.event.networkStatusImpact!;
    expect(ids(toA.sites as Site[])).toEqual(['A-CELL', 'A-EDGE', 'A-HIGH', 'A-IN']);
    const created = rows.filter((r) => r.event_type === 'NetworkStatusNoticeCreateEvent');
    expect(created.map((r) => r.audience).sort()).toEqual([[dsoA.id], [dsoB.id], [mno.id]].sort());
  });

  it('the default audience is every active DSO partner', async () => {
    await h.partner(await h.createOrg('DSO', 'Grid Proposed'), mno, 'proposed');
    const n = await publish({ impact: 'intermittent', affectedArea: { cellId: ['CELL-1'] } });
    expect(n.audience as { id: string }[]).toHaveLength(3);
    expect((n.audience as { id: string }[]).map((a) => a.id).sort()).toEqual([dsoA.id, dsoB.id, dsoC.id].sort());
  });

  it('only MNOs publish (403 for a DSO); a viewer key cannot publish', async () => {
    const res = await h.call('POST', N, { key: dsoA.keys.operator, body: degraded() });
    expect(res.status).toBe(403);
    const viewer = await h.call('POST', N, { key: mno.keys.viewer, body: degraded() });
    expect(viewer.status).toBe(403);
  });

  it('an audience member that is not an active partner is a 422 naming it', async () => {
    const res = await h.call('POST', N, {
      key: mno.keys.operator,
      body: { ...degraded(), audience: [{ id: dsoA.id }, { id: stranger.id }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('NOT_A_PARTNER');
    expect(res.body.message).toContain(stranger.id);
    const suspended = await h.createOrg('DSO');
    await h.partner(suspended, mno, 'suspended');
    const res2 = await h.call('POST', N, { key: mno.keys.operator, body: { ...degraded(), audience: [{ id: suspended.id }] } });
    expect(res2.status).toBe(422);
    const lonely = await h.createOrg('MNO');
    const res3 = await h.call('POST', N, { key: lonely.keys.operator, body: { impact: 'down', affectedArea: { cellId: ['X'] } } });
    expect(res3.status).toBe(422);
    expect(res3.body.code).toBe('NO_AUDIENCE');
  });
});

describe('matching and recommendations', () => {
  it('each DSO gets its own affected sites: area (boundary included) or cell id, only sites this MNO serves', async () => {
    const n = await publish(degraded());
    const a = await sitesOf(n.id, dsoA);
    expect(ids(a)).toEqual(['A-CELL', 'A-EDGE', 'A-HIGH', 'A-IN']); // not A-OTHER (served by Mobile Two), not A-OUT
    const by = Object.fromEntries(a.map((s) => [s.siteId, s]));
    expect(by['A-CELL']).toMatchObject({ matchedBy: 'cell', matchedCellId: ['CELL-7'], recommendation: 'monitor' });
    expect(by['A-HIGH']).toMatchObject({ matchedBy: 'area', recommendation: 'failOver' }); // degraded + high criticality
    expect(by['A-IN']).toMatchObject({ matchedBy: 'area', recommendation: 'monitor' });
    expect(by['A-EDGE']).toMatchObject({ matchedBy: 'area', recommendation: 'monitor' });
    const b = await sitesOf(n.id, dsoB);
    expect(ids(b)).toEqual(['B-IN']); // B-M2 lists CELL-7 but is served by another MNO
  });

  it('a down network means failOver everywhere; a site matched both ways says so', async () => {
    const n = await publish({ impact: 'down', affectedArea: { geoArea: SQUARE, cellId: ['CELL-7'] }, audience: [{ id: dsoA.id }] });
    const a = await sitesOf(n.id, dsoA);
    expect(new Set(a.map((s) => s.recommendation))).toEqual(new Set(['failOver']));
    const both = await publish({
      impact: 'degraded',
      affectedArea: { geoArea: { type: 'Point', coordinates: [12, 53.5], radius: 500 }, cellId: ['CELL-1'] },
      audience: [{ id: dsoA.id }],
    });
    expect(await sitesOf(both.id, dsoA)).toMatchObject([
      { siteId: 'A-CELL', matchedBy: 'both', matchedCellId: ['CELL-1'], recommendation: 'monitor' },
    ]);
  });

  it('tracking-area ids match the sites’ cellId entries; circles match by distance', async () => {
    const n = await publish({
      impact: 'degraded',
      affectedArea: { trackingAreaId: ['CELL-1'] },
      audience: [{ id: dsoA.id }, { id: dsoB.id }],
    });
    expect(ids(await sitesOf(n.id, dsoA))).toEqual(['A-CELL']);
    expect(await sitesOf(n.id, dsoB)).toEqual([]);
    const c = await publish({ impact: 'degraded', affectedArea: { geoArea: { type: 'Point', coordinates: [13, 55], radius: 2000 } } });
    expect(ids(await sitesOf(c.id, dsoB))).toEqual(['B-NORTH']);
    expect(await sitesOf(c.id, dsoA)).toEqual([]);
  });
});

describe('privacy', () => {
  it('DSO B never sees DSO A’s sites or that DSO A was addressed; the MNO sees counts only', async () => {
    const n = await publish(degraded());
    const asB = await h.call('GET', `${N}/${n.id}`, { key: dsoB.keys.viewer });
    expect(asB.status).toBe(200);
    expect(asB.body.audience).toEqual([{ id: dsoB.id, name: 'Grid B', '@referredType': 'Organization' }]);
    const impB = await h.call('GET', `${N}/${n.id}/impact`, { key: dsoB.keys.viewer });
    expect(JSON.stringify(impB.body)).not.toMatch(/A-IN|A-CELL|A-HIGH|A-EDGE/);
    expect(JSON.stringify(impB.body)).not.toContain(dsoA.id);

    const asMno = await h.call('GET', `${N}/${n.id}/impact`, { key: mno.keys.viewer });
    expect(asMno.status).toBe(200);
    expect(asMno.body.view).toBe('mno');
    expect(asMno.body.sites).toBeUndefined();
    const byDso = Object.fromEntries((asMno.body.summary as { dso: { id: string } }[]).map((s) => [s.dso.id, s]));
    expect(byDso[dsoA.id]).toMatchObject({ affectedSites: 4, failOver: 1, monitor: 3 });
    expect(byDso[dsoB.id]).toMatchObject({ affectedSites: 1, failOver: 0, monitor: 1 });
    expect(JSON.stringify(asMno.body)).not.toMatch(/"A-|"B-/);
    const listB = await h.call('GET', `${N}?status=active`, { key: dsoB.keys.viewer });
    for (const x of listB.body as { audience: { id: string }[] }[]) expect(x.audience.map((a) => a.id)).toEqual([dsoB.id]);

    // Event rows: every one has a single recipient, and what each holds is that recipient's view.
    const rows = await events(n.id);
    for (const r of rows) {
      expect(r.audience).toHaveLength(1);
      const text = JSON.stringify(r.payload);
      if (r.audience[0] === dsoB.id) expect(text).not.toMatch(/A-IN|A-CELL|A-HIGH|A-EDGE|Grid A/);
      if (r.audience[0] === dsoA.id) expect(text).not.toMatch(/B-IN|Grid B/);
      if (r.audience[0] === mno.id) expect(text).not.toMatch(/"siteId"/);
    }
  });

  it('NS-1: TMF630 filters cannot probe the rest of the audience (a DSO filters on its own view)', async () => {
    const n = await publish({ ...degraded(), name: 'Audience probe' });
    // The notice went to A and B. B may not learn that A received it.
    const probe = await h.call('GET', `${N}?audience.id=${dsoA.id}&name=Audience probe`, { key: dsoB.keys.viewer });
    expect(probe.status).toBe(200);
    expect((probe.body as { id: string }[]).map((x) => x.id)).not.toContain(n.id);
    expect(probe.headers['x-total-count']).toBe('0');
    // Filtering on its own view still works; the MNO filters on its whole audience.
    const own = await h.call('GET', `${N}?audience.id=${dsoB.id}&name=Audience probe`, { key: dsoB.keys.viewer });
    expect((own.body as { id: string }[]).map((x) => x.id)).toEqual([n.id]);
    const byMno = await h.call('GET', `${N}?audience.id=${dsoA.id}&name=Audience probe`, { key: mno.keys.viewer });
    expect((byMno.body as { id: string }[]).map((x) => x.id)).toEqual([n.id]);
  });

  it('a non-audience DSO, another MNO and an unknown id get 404 on every operation', async () => {
    const n = await publish(degraded()); // audience A and B: C is a partner but not addressed
    for (const org of [dsoC, mno2, stranger]) {
      expect((await h.call('GET', `${N}/${n.id}`, { key: org.keys.viewer })).status).toBe(404);
      expect((await h.call('GET', `${N}/${n.id}/impact`, { key: org.keys.viewer })).status).toBe(404);
      expect((await patch(n.id, { impact: 'down' }, org)).status).toBe(404);
      const list = await h.call('GET', N, { key: org.keys.viewer });
      expect((list.body as { id: string }[]).map((x) => x.id)).not.toContain(n.id);
    }
    const unknown = crypto.randomUUID();
    expect((await h.call('GET', `${N}/${unknown}`, { key: mno.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${N}/${unknown}/impact`, { key: mno.keys.viewer })).status).toBe(404);
    expect((await patch(unknown, { impact: 'down' })).status).toBe(404);
    expect((await h.call('GET', `${N}/not-a-uuid`, { key: mno.keys.viewer })).status).toBe(404);
    expect(await events(n.id).then((rows) => rows.some((r) => r.audience.includes(dsoC.id)))).toBe(false);
  });

  it('only the publishing MNO updates: an audience DSO gets 403', async () => {
    const n = await publish(degraded());
    const res = await patch(n.id, { impact: 'down' }, dsoA);
    expect(res.status).toBe(403);
  });
});

describe('status lifecycle', () => {
  it('allowed moves are kept in statusChangeHistory; forbidden ones are a 409 listing the allowed moves', async () => {
    const n = await publish(degraded());
    const bad = await patch(n.id, { status: 'planned' });
    expect(bad.status).toBe(409);
    expect(bad.body.code).toBe('INVALID_TRANSITION');
    expect(bad.body.message).toContain('allowed from active: resolved, cancelled');

    const resolved = await patch(n.id, { status: 'resolved', statusChangeReason: 'fibre spliced' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      statusChangeReason: 'fibre spliced',
      actualRestorationTime: h.clock.now().toISOString(),
    });
    expect(await sitesOf(n.id, dsoA)).toEqual([]); // a resolved notice affects no site

    const again = await patch(n.id, { status: 'active' });
    expect(again.status).toBe(200);
    expect(again.body.actualRestorationTime).toBeUndefined();
    expect(ids(await sitesOf(n.id, dsoA))).toHaveLength(4);
    expect((await patch(n.id, { status: 'resolved' })).status).toBe(200);
    const closed = await patch(n.id, { status: 'closed' });
    expect(closed.status).toBe(200);
    expect(closed.body.statusChangeHistory.map((s: { status: string }) => s.status)).toEqual([
      'active',
      'resolved',
      'active',
      'resolved',
      'closed',
    ]);

    const final = await patch(n.id, { status: 'active' });
    expect(final.status).toBe(409);
    expect(final.body.code).toBe('NOTICE_FINAL');
    expect((await patch(n.id, { description: 'late note' })).status).toBe(409);

    const reasonOnly = await patch((await publish(degraded())).id, { statusChangeReason: 'why' });
    expect(reasonOnly.status).toBe(422);
  });

  it('planned -> cancelled clears the impact and tells the affected DSO', async () => {
    const n = await publish({ ...degraded(), status: 'planned' });
    expect(ids(await sitesOf(n.id, dsoA))).toHaveLength(4);
    const before = await maxSequence();
    const res = await patch(n.id, { status: 'cancelled' });
    expect(res.status).toBe(200);
    const rows = await events(n.id, before);
    expect(
      rows
        .filter((r) => r.event_type === 'NetworkStatusNoticeStatusChangeEvent')
        .map((r) => r.audience[0])
        .sort(),
    ).toEqual([dsoA.id, dsoB.id, mno.id].sort());
    const toA = rows.find((r) => r.event_type === 'NetworkStatusImpactChangeEvent' && r.audience[0] === dsoA.id);
    expect(toA?.payload.event.networkStatusImpact!.sites).toEqual([]);
    expect((await patch(n.id, { status: 'active' })).status).toBe(409);
  });
});

describe('changes re-match and tell only the DSOs whose sites changed', () => {
  it('area change: impact events go to the DSO concerned (and the MNO), nobody else', async () => {
    const n = await publish({ impact: 'degraded', affectedArea: { cellId: ['CELL-7'] }, audience: [{ id: dsoA.id }, { id: dsoB.id }] });
    expect(ids(await sitesOf(n.id, dsoA))).toEqual(['A-CELL']);
    expect(await sitesOf(n.id, dsoB)).toEqual([]);

    // 1. Add an area around B-NORTH: only B's impact changes.
    let before = await maxSequence();
    const p1 = await patch(n.id, { affectedArea: { geoArea: NORTH } });
    expect(p1.status, JSON.stringify(p1.body)).toBe(200);
    expect(p1.body.affectedArea).toEqual({ cellId: ['CELL-7'], geoArea: NORTH });
    let impact = (await events(n.id, before)).filter((r) => r.event_type === 'NetworkStatusImpactChangeEvent');
    expect(impact.map((r) => r.audience)).toEqual([[dsoB.id], [mno.id]]);
    const toB = impact[0]!.payload.event.networkStatusImpact!;
    expect(toB).toMatchObject({ view: 'dso' });
    expect(toB.sites as Site[]).toMatchObject([{ siteId: 'B-NORTH', matchedBy: 'area', recommendation: 'failOver' }]);
    const attr = (await events(n.id, before)).filter((r) => r.event_type === 'NetworkStatusNoticeAttributeValueChangeEvent');
    expect(attr.map((r) => r.audience[0]).sort()).toEqual([dsoA.id, dsoB.id, mno.id].sort());

    // 2. Drop the cell: only A's impact changes (A-CELL no longer affected).
    before = await maxSequence();
    const p2 = await patch(n.id, { affectedArea: { cellId: null } });
    expect(p2.status).toBe(200);
    impact = (await events(n.id, before)).filter((r) => r.event_type === 'NetworkStatusImpactChangeEvent');
    expect(impact.map((r) => r.audience)).toEqual([[dsoA.id], [mno.id]]);
    expect(impact[0]!.payload.event.networkStatusImpact!.sites).toEqual([]);
    expect(impact[1]!.payload.event.networkStatusImpact!.summary).toEqual(
      expect.arrayContaining([expect.objectContaining({ dso: expect.objectContaining({ id: dsoB.id }), affectedSites: 1 })]),
    );

    // 3. A change that touches nobody's sites emits no impact event.
    before = await maxSequence();
    expect((await patch(n.id, { expectedRestorationTime: '2026-11-21T18:00:00Z' })).status).toBe(200);
    expect((await events(n.id, before)).map((r) => r.event_type)).not.toContain('NetworkStatusImpactChangeEvent');
  });

  it('impact degraded -> down changes recommendations and tells each DSO', async () => {
    const n = await publish(degraded());
    const before = await maxSequence();
    expect((await patch(n.id, { impact: 'down' })).status).toBe(200);
    const impact = (await events(n.id, before)).filter((r) => r.event_type === 'NetworkStatusImpactChangeEvent');
    expect(impact.map((r) => r.audience[0]).sort()).toEqual([dsoA.id, dsoB.id, mno.id].sort());
    expect((await sitesOf(n.id, dsoA)).every((s) => s.recommendation === 'failOver')).toBe(true);
  });
});

describe('planned maintenance windows', () => {
  it('round-trip validFor and cells; the start defaults to the first window; window cells are matched', async () => {
    const windows = [
      {
        validFor: { startDateTime: '2026-11-25T01:00:00+01:00', endDateTime: '2026-11-25T03:00:00Z' },
        cellId: ['CELL-7', 'CELL-8'],
        description: 'Software upgrade',
      },
      { validFor: { startDateTime: '2026-11-24T22:00:00Z', endDateTime: '2026-11-24T23:00:00Z' }, cellId: ['CELL-9'] },
    ];
    const n = await publish({
      noticeKind: 'planned',
      impact: 'down',
      services: [{ service: 'voice', technology: '5G' }],
      maintenanceWindow: windows,
      causeCategory: 'plannedMaintenance',
      audience: [{ id: dsoA.id }],
    });
    expect(n).toMatchObject({ noticeKind: 'planned', status: 'planned', startTime: '2026-11-24T22:00:00.000Z', affectedArea: {} });
    const got = await h.call('GET', `${N}/${n.id}`, { key: dsoA.keys.viewer });
    expect(got.body.maintenanceWindow).toEqual([
      {
        validFor: { startDateTime: '2026-11-25T00:00:00.000Z', endDateTime: '2026-11-25T03:00:00.000Z' },
        cellId: ['CELL-7', 'CELL-8'],
        description: 'Software upgrade',
      },
      { validFor: { startDateTime: '2026-11-24T22:00:00.000Z', endDateTime: '2026-11-24T23:00:00.000Z' }, cellId: ['CELL-9'] },
    ]);
    expect(got.body.services).toEqual([{ service: 'voice', technology: '5G' }]);
    expect(await sitesOf(n.id, dsoA)).toMatchObject([
      { siteId: 'A-CELL', matchedBy: 'cell', matchedCellId: ['CELL-7'], recommendation: 'failOver' },
    ]);

    const moved = await patch(n.id, {
      maintenanceWindow: [{ validFor: { startDateTime: '2026-11-26T01:00:00Z', endDateTime: '2026-11-26T02:00:00Z' }, cellId: ['CELL-9'] }],
    });
    expect(moved.status).toBe(200);
    expect(await sitesOf(n.id, dsoA)).toEqual([]);
    const active = await patch(n.id, { status: 'active' });
    expect(active.body.startTime).toBe('2026-11-24T22:00:00.000Z');

    const backwards = await h.call('POST', N, {
      key: mno.keys.operator,
      body: {
        noticeKind: 'planned',
        impact: 'down',
        maintenanceWindow: [{ validFor: { startDateTime: '2026-11-25T03:00:00Z', endDateTime: '2026-11-25T01:00:00Z' }, cellId: ['C'] }],
      },
    });
    expect(backwards.status).toBe(422);
    expect(backwards.body.message).toContain('maintenanceWindow[0].validFor');
  });
});

describe('validation', () => {
  it('invalid GeoJSON is a 422 naming the path', async () => {
    const open = await h.call('POST', N, {
      key: mno.keys.operator,
      body: {
        impact: 'down',
        affectedArea: {
          geoArea: {
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
        },
      },
    });
    expect(open.status).toBe(422);
    expect(open.body.code).toBe('INVALID_GEOMETRY');
    expect(open.body.message).toContain('affectedArea.geoArea.coordinates[0]');
    const lat = await h.call('POST', N, {
      key: mno.keys.operator,
      body: {
        impact: 'down',
        affectedArea: {
          geoArea: {
            type: 'Polygon',
            coordinates: [
              [
                [10, 53],
                [11, 53],
                [11, 94],
                [10, 53],
              ],
            ],
          },
        },
      },
    });
    expect(lat.status).toBe(422);
    expect(lat.body.message).toContain('affectedArea.geoArea.coordinates[0][2]');
    const circle = await h.call('POST', N, {
      key: mno.keys.operator,
      body: { impact: 'down', affectedArea: { geoArea: { type: 'Point', coordinates: [10, 53] } } },
    });
    expect(circle.status).toBe(422);
    expect(circle.body.message).toContain('affectedArea.geoArea.radius');
    const n = await publish(degraded());
    const p = await patch(n.id, { affectedArea: { geoArea: { type: 'MultiPolygon', coordinates: [] } } });
    expect(p.status).toBe(422);
    expect(p.body.message).toContain('affectedArea.geoArea.coordinates');
    const none = await h.call('POST', N, { key: mno.keys.operator, body: { impact: 'down', affectedArea: {} } });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('AREA_REQUIRED');
  });

  it('schema violations are a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ affectedArea: { cellId: ['X'] } }, "missing required property 'impact'"],
      [{ impact: 'gone', affectedArea: { cellId: ['X'] } }, 'body.impact'],
      [
        { impact: 'down', services: [{ service: 'data', technology: '6G' }], affectedArea: { cellId: ['X'] } },
        'body.services.0.technology',
      ],
      [{ impact: 'down', services: [{ service: 'fax', technology: '4G' }], affectedArea: { cellId: ['X'] } }, 'body.services.0.service'],
      [{ impact: 'down', affectedArea: { cellId: ['X'] }, colour: 'red' }, "unknown property 'colour'"],
      [{ impact: 'down', affectedArea: { cellId: ['X'] }, status: 'resolved' }, 'body.status'],
      [{ impact: 'down', affectedArea: { cellId: ['X'] }, startTime: 'yesterday' }, 'body.startTime'],
      [
        { impact: 'down', maintenanceWindow: [{ validFor: { startDateTime: '2026-11-25T01:00:00Z' } }] },
        "missing required property 'endDateTime'",
      ],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', N, { key: mno.keys.operator, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(field);
    }
    const n = await publish(degraded());
    const p = await patch(n.id, { publisher: { id: dsoA.id } });
    expect(p.status).toBe(400);
    expect(p.body.message).toContain("unknown property 'publisher'");
    expect((await patch(n.id, {})).status).toBe(400);
    const times = await patch(n.id, { expectedRestorationTime: '2026-11-20T00:00:00Z' });
    expect(times.status).toBe(422);
    const filter = await h.call('GET', `${N}?colour=red`, { key: mno.keys.viewer });
    expect(filter.status).toBe(400);
  });
});

describe('lists', () => {
  it('TMF630 filters and the point filter', async () => {
    const n = await publish({
      impact: 'intermittent',
      services: [{ service: 'data', technology: '3G' }],
      affectedArea: { geoArea: NORTH },
      audience: [{ id: dsoB.id }],
    });
    const byImpact = await h.call('GET', `${N}?impact=intermittent&services.technology=3G`, { key: dsoB.keys.viewer });
    expect(byImpact.status).toBe(200);
    expect((byImpact.body as { id: string }[]).map((x) => x.id)).toEqual([n.id]);
    const at = await h.call('GET', `${N}?atPoint=13,55`, { key: dsoB.keys.viewer });
    expect((at.body as { id: string }[]).map((x) => x.id)).toContain(n.id);
    const away = await h.call('GET', `${N}?atPoint=13.5,55`, { key: dsoB.keys.viewer });
    expect((away.body as { id: string }[]).map((x) => x.id)).not.toContain(n.id);
    const fields = await h.call('GET', `${N}/${n.id}?fields=status`, { key: mno.keys.viewer, skipValidation: true });
    expect(Object.keys(fields.body).sort()).toEqual(['@type', 'href', 'id', 'status']);
  });
});

describe('delivery', () => {
  it('the DSO’s impact event reaches its socket right after publication (NOTIFY-driven, poll at 10 minutes)', async () => {
    const sA = await connectSocket(base, { token: dsoA.keys.viewer, eventTypes: ['NetworkStatusImpactChangeEvent'] });
    const sC = await connectSocket(base, { token: dsoC.keys.viewer });
    const n = await publish(degraded());
    const committed = Date.now(); // the 201 answers after the commit that NOTIFYs the relay
    const e = await waitFor(
      () => sA.events.find((x) => x.event.networkStatusImpact?.id === n.id),
      5_000,
      'the impact event on DSO A’s socket',
    );
    const lag = Date.now() - committed;
    expect(lag, `delivered ${lag} ms after the 201`).toBeLessThan(1_000);
    expect(ids(e.event.networkStatusImpact!.sites as Site[])).toEqual(['A-CELL', 'A-EDGE', 'A-HIGH', 'A-IN']);
    await new Promise((r) => setTimeout(r, 200));
    expect(sC.events.filter((x) => JSON.stringify(x).includes(n.id))).toEqual([]);
  });
});
