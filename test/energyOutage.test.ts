import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTAGE,
  TestClock,
  boxPolygon,
  createHarness,
  createMnoSite,
  eventsSince,
  lastEventSequence,
  type Harness,
  type StoredEvent,
  type TestOrg,
  MERGE,
} from './support/harness.js';

/**
 * Issue 4, points 1, 3, 4, 5 and 8: the Energy Outage Notice API (EO-1, DSO -> MNO) end to
 * end on PostgreSQL. Publishing and audience, the IEC CIM status lifecycle, ETR revisions,
 * the MNO's TS 28.318 answer, privacy between MNOs and towards strangers, TMF630 queries,
 * site impact, site reports and priority restoration, the ETR watch job and the storm
 * walk-through of domain.md. Geometry edge cases live in geo.test.ts, CAP in cap.test.ts.
 */
const N = `${OUTAGE}/energyOutageNotice`;
const R = `${OUTAGE}/siteReport`;
const CAP = 'application/cap+xml';
const MINUTE = 60_000;

type Box = [number, number, number, number];
/** Regions used by one describe block each, so their notices and sites never meet. */
const BASE: Box = [9.9, 53.4, 10.1, 53.6];
const IMPACT: Box = [8.0, 50.0, 8.2, 50.2];
const REPORTS: Box = [7.0, 51.0, 7.2, 51.2];
const WATCH: Box = [6.0, 52.0, 6.2, 52.2];
const EMPTY: Box = [5.0, 52.0, 5.1, 52.1];

interface Ref {
  id: string;
  name?: string;
}
interface StatusChange {
  status: string;
  statusChangeDate: string;
  statusChangeReason?: string;
  actor: { organizationId: string; credentialId?: string };
}
interface EtrRevision {
  expectedOutageEndTime?: string;
  etrConfidence?: string;
  etrSource?: string;
  revisedAt: string;
}
interface MnoAnswer {
  mno: Ref;
  mnoInterventionTime?: string;
  mnoInterventionDuration?: number;
  mnoMaxServiceDuration?: number;
  lastUpdate?: string;
}
interface Notice {
  id: string;
  href: string;
  status: string;
  audience: Ref[];
  publisher: Ref;
  mnoResponse: MnoAnswer[];
  statusChangeHistory: StatusChange[];
  etrHistory: EtrRevision[];
  [attribute: string]: unknown;
}
interface ImpactedSite {
  id: string;
  siteId: string;
  name?: string;
  matchedBy: 'area' | 'energySupply' | 'both';
  energySupplyId?: string;
  priority: boolean;
  backupPower: Record<string, unknown>;
  backupAutonomyMinutes: number | null;
  exhaustionTime: string | null;
  exhaustsBeforeEtr: boolean;
}
interface Summary {
  mno: Ref;
  impactedSites: number;
  prioritySites: number;
  earliestExhaustion: string | null;
  sitesExhaustingBeforeEtr: number;
  priorityRequests: number;
}
interface Impact {
  notice: Ref;
  view: 'mno' | 'dso';
  sites?: ImpactedSite[];
  summary?: Summary[];
}
interface Report {
  id: string;
  href: string;
  notice: Ref;
  mno: Ref;
  site: { id: string; siteId: string; name?: string };
  powerStatus: string;
  remainingMinutes?: number;
  priorityRestoration?: { requested: boolean; reason?: string; status: string; decisionReason?: string; decidedAt?: string };
  createdAt: string;
  lastUpdate: string;
  history: Record<string, unknown>[];
}

let h: Harness;
/** The publishing DSO and its two active MNO partners. */
let dso: TestOrg;
let mnoA: TestOrg;
let mnoB: TestOrg;
/** MNOs with a proposed / suspended partnership: never in the default audience. */
let mnoC: TestOrg;
let mnoD: TestOrg;
/** Strangers: an MNO without a partnership with `dso`, and another DSO (partner of X and A). */
let mnoX: TestOrg;
let dso2: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  dso = await h.createOrg('DSO', 'Nordnetz Verteilung');
  mnoA = await h.createOrg('MNO', 'Funkwerk Mobil');
  mnoB = await h.createOrg('MNO', 'Zweitnetz Mobil');
  mnoC = await h.createOrg('MNO', 'Vorschlag Mobil');
  mnoD = await h.createOrg('MNO', 'Ruhend Mobil');
  mnoX = await h.createOrg('MNO', 'Fremdnetz Mobil');
  dso2 = await h.createOrg('DSO', 'Anderer Verteiler');
  await h.partner(dso, mnoA);
  await h.partner(dso, mnoB);
  await h.partner(dso, mnoC, 'proposed');
  await h.partner(dso, mnoD, 'suspended');
  await h.partner(dso2, mnoX);
  await h.partner(dso2, mnoA);
});
afterAll(async () => h?.close());

const nowIso = () => h.clock.now().toISOString();
/** The clock's time plus `minutes`, as the API writes it. */
const at = (minutes: number) => new Date(h.clock.now().getTime() + minutes * MINUTE).toISOString();
const plus = (isoTime: string, minutes: number) => new Date(new Date(isoTime).getTime() + minutes * MINUTE).toISOString();
const sorted = (xs: string[]) => [...xs].sort();
const idsOf = (xs: { id: string }[]) => sorted(xs.map((x) => x.id));

function noticeBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Feeder 12 storm damage',
    description: 'Tree on the 20 kV overhead line between Nord-17 and Nord-19',
    outageKind: 'unplanned',
    cause: 'Tree fell on overhead line',
    causeKind: 'weather',
    affectedArea: { outageArea: boxPolygon(BASE) },
    ...overrides,
  };
}

async function publish(overrides: Record<string, unknown> = {}, by: TestOrg = dso): Promise<Notice> {
  const res = await h.call('POST', N, { key: by.keys.operator, body: noticeBody(overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Notice;
}

const patch = (org: TestOrg, id: string, body: unknown) => h.patch(`${N}/${id}`, org.keys.operator, body);
const get = (org: TestOrg, id: string) => h.call('GET', `${N}/${id}`, { key: org.keys.viewer });
const list = (org: TestOrg, query = '', opts: { skipValidation?: boolean } = {}) =>
  h.call('GET', `${N}${query ? `?${query}` : ''}`, { key: org.keys.viewer, ...opts });
const postReport = (org: TestOrg, id: string, body: unknown) => h.call('POST', `${N}/${id}/siteReport`, { key: org.keys.operator, body });
const decide = (org: TestOrg, reportId: string, body: unknown) => h.patch(`${R}/${reportId}`, org.keys.operator, body);

async function patchOk(org: TestOrg, id: string, body: unknown): Promise<Notice> {
  const res = await patch(org, id, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Notice;
}

async function impactOf(org: TestOrg, id: string): Promise<Impact> {
  const res = await h.call('GET', `${N}/${id}/impact`, { key: org.keys.viewer });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Impact;
}

async function moveTo(id: string, ...statuses: string[]) {
  for (const status of statuses) await patchOk(dso, id, { status });
}

/** Events as [eventType, recipient] pairs; a recipient is named by the `names` map. */
function pairs(events: StoredEvent[], names: Record<string, string>): [string, string][] {
  return events.map((e) => [
    e.type,
    e.audience
      .map((a) => names[a] ?? a)
      .sort()
      .join('+'),
  ]);
}
const who = () => ({ [dso.id]: 'DSO', [mnoA.id]: 'A', [mnoB.id]: 'B', [mnoC.id]: 'C', [mnoD.id]: 'D', [mnoX.id]: 'X', [dso2.id]: 'DSO2' });

async function noticeRows() {
  return h.db.prisma.energyOutageNotice.count();
}

// ---------------------------------------------------------------------------------------
describe('EO-1 publishing a notice: DSO only, audience, status defaults', () => {
  it('a DSO publishes an unplanned notice: 201 with Location, confirmed, outage start = now, every active MNO partner in the audience', async () => {
    const since = await lastEventSequence(h);
    const reported = at(-3);
    const etr = at(120);
    const body = noticeBody({
      reportedStartTime: reported,
      expectedOutageEndTime: etr,
      etrConfidence: 'low',
      etrSource: 'control room estimate',
      customersAffected: 1200,
      criticalCustomerCount: 3,
      crewStatus: 'assigned',
      isAffectedAreaPriority: true,
      dsoRapidInterventionTime: etr,
      dsoRapidInterventionDuration: 5,
      affectedArea: { outageArea: boxPolygon(BASE), energySupplyId: ['DE-MTR-0001', 'DE-MTR-0002'] },
    });
    const res = await h.call('POST', N, { key: dso.keys.operator, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const n = res.body as Notice;
    expect(res.headers.location).toBe(n.href);
    expect(n.href).toMatch(new RegExp(`${N}/${n.id}$`));
    expect(n).toMatchObject({
      '@type': 'EnergyOutageNotice',
      outageKind: 'unplanned',
      status: 'confirmed',
      statusChangeDate: nowIso(),
      cause: 'Tree fell on overhead line',
      causeKind: 'weather',
      reportedStartTime: reported,
      outageStartTime: nowIso(),
      expectedOutageEndTime: etr,
      etrConfidence: 'low',
      etrSource: 'control room estimate',
      customersAffected: 1200,
      criticalCustomerCount: 3,
      crewStatus: 'assigned',
      isAffectedAreaPriority: true,
      dsoRapidInterventionTime: etr,
      dsoRapidInterventionDuration: 5,
      affectedArea: body.affectedArea,
      publisher: { id: dso.id, name: 'Nordnetz Verteilung' },
      mnoResponse: [],
      creationDate: nowIso(),
      lastUpdate: nowIso(),
    });
    // Default audience: every MNO in an *active* partnership (not proposed C, suspended D, stranger X).
    expect(idsOf(n.audience)).toEqual(sorted([mnoA.id, mnoB.id]));
    expect(n.audience.find((a) => a.id === mnoA.id)?.name).toBe('Funkwerk Mobil');
    expect(n.statusChangeHistory).toEqual([
      expect.objectContaining({
        status: 'confirmed',
        statusChangeDate: nowIso(),
        actor: expect.objectContaining({ organizationId: dso.id }),
      }),
    ]);
    expect(n.etrHistory).toEqual([
      { expectedOutageEndTime: etr, etrConfidence: 'low', etrSource: 'control room estimate', revisedAt: nowIso() },
    ]);

    const again = await get(dso, n.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(n);

    // One create event per recipient; each MNO's copy names only itself in the audience.
    const created = (await eventsSince(h, since, n.id)).filter((e) => e.type === 'EnergyOutageNoticeCreateEvent');
    expect(pairs(created, who())).toEqual([
      ['EnergyOutageNoticeCreateEvent', 'DSO'],
      ...sorted(['A', 'B']).map((x) => ['EnergyOutageNoticeCreateEvent', x]),
    ]);
    for (const e of created) {
      const audience = (e.resource.audience as Ref[]).map((a) => a.id);
      if (e.audience[0] === dso.id) expect(sorted(audience)).toEqual(sorted([mnoA.id, mnoB.id]));
      else expect(audience).toEqual(e.audience);
    }
  });

  it('a planned notice starts predicted without an outage start; confirming it sets the start', async () => {
    const period = { startDateTime: at(24 * 60), endDateTime: at(28 * 60) };
    const n = await publish({ outageKind: 'planned', cause: 'Transformer replacement', causeKind: 'maintenance', estimatedPeriod: period });
    expect(n.status).toBe('predicted');
    expect(n.estimatedPeriod).toEqual(period);
    expect(n.outageStartTime).toBeUndefined();
    expect(n.statusChangeHistory.map((s) => s.status)).toEqual(['predicted']);
    h.clock.advance(MINUTE);
    const c = await patchOk(dso, n.id, { status: 'confirmed' });
    expect(c.outageStartTime).toBe(nowIso());
  });

  it('the initial status may be given: a planned notice published as confirmed; an unplanned one as predicted', async () => {
    expect((await publish({ outageKind: 'planned', status: 'confirmed' })).status).toBe('confirmed');
    const p = await publish({ outageKind: 'unplanned', status: 'predicted' });
    expect(p.status).toBe('predicted');
    expect(p.outageStartTime).toBeUndefined();
  });

  it('an MNO cannot publish (403), nor a DSO viewer key (403); nothing is written', async () => {
    const before = await noticeRows();
    const m = await h.call('POST', N, { key: mnoA.keys.admin, body: noticeBody() });
    expect(m.status).toBe(403);
    expect(m.body.message).toMatch(/DSO/);
    const v = await h.call('POST', N, { key: dso.keys.viewer, body: noticeBody() });
    expect(v.status).toBe(403);
    const none = await h.call('POST', N, { body: noticeBody() });
    expect(none.status).toBe(401);
    expect(await noticeRows()).toBe(before);
  });

  it('a listed audience: only the listed MNOs receive and see the notice', async () => {
    const since = await lastEventSequence(h);
    const n = await publish({ audience: [{ id: mnoB.id, '@referredType': 'Organization' }] });
    expect(n.audience.map((a) => a.id)).toEqual([mnoB.id]);
    expect((await get(mnoB, n.id)).status).toBe(200);
    expect((await get(mnoA, n.id)).status).toBe(404);
    const events = await eventsSince(h, since, n.id);
    expect(new Set(events.flatMap((e) => e.audience))).toEqual(new Set([dso.id, mnoB.id]));
  });

  it.each([
    ['an MNO without a partnership', () => mnoX],
    ['an MNO with a proposed partnership', () => mnoC],
    ['an MNO with a suspended partnership', () => mnoD],
    ['a DSO', () => dso2],
  ])('an audience naming %s is refused with 422 naming it; nothing is written', async (_what, org) => {
    const before = await noticeRows();
    const events = await lastEventSequence(h);
    const res = await h.call('POST', N, { key: dso.keys.operator, body: noticeBody({ audience: [{ id: mnoA.id }, { id: org().id }] }) });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.code).toBe('NOT_A_PARTNER');
    expect(res.body.message).toContain(org().id);
    expect(res.body.message).not.toContain(mnoA.id);
    expect(await noticeRows()).toBe(before);
    expect(await lastEventSequence(h)).toBe(events);
  });

  it('a DSO without any active MNO partner cannot publish to nobody (422)', async () => {
    const lonely = await h.createOrg('DSO', 'Einsam Netz');
    const res = await h.call('POST', N, { key: lonely.keys.operator, body: noticeBody() });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('NO_AUDIENCE');
  });

  it('the affected area needs an outage area or a supply id (422); supply ids alone are enough', async () => {
    for (const affectedArea of [{}, { energySupplyId: [] }]) {
      const res = await h.call('POST', N, { key: dso.keys.operator, body: noticeBody({ affectedArea }) });
      expect(res.status, JSON.stringify(affectedArea)).toBe(422);
      expect(res.body.code).toBe('AREA_REQUIRED');
      expect(res.body.message).toContain('affectedArea');
    }
    const n = await publish({ affectedArea: { energySupplyId: ['DE-MTR-0042'] } });
    expect(n.affectedArea).toEqual({ energySupplyId: ['DE-MTR-0042'] });
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 request validation: 400 naming the field', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['outageKind missing', { outageKind: undefined }, "missing required property 'outageKind'"],
    ['outageKind not planned/unplanned', { outageKind: 'sometimes' }, 'body.outageKind'],
    ['affectedArea missing', { affectedArea: undefined }, "missing required property 'affectedArea'"],
    ['an unknown attribute', { severity: 'major' }, "unknown property 'severity'"],
    ['a date that is not a date-time', { outageStartTime: 'yesterday evening' }, 'body.outageStartTime'],
    ['the ETR not a date-time', { expectedOutageEndTime: '02:45' }, 'body.expectedOutageEndTime'],
    ['a negative customer count', { customersAffected: -1 }, 'body.customersAffected'],
    ['a fractional critical count', { criticalCustomerCount: 1.5 }, 'body.criticalCustomerCount'],
    ['an unknown crew status', { crewStatus: 'lost' }, 'body.crewStatus'],
    ['an unknown ETR confidence', { etrConfidence: 'medium' }, 'body.etrConfidence'],
    ['an initial status other than predicted/confirmed', { status: 'restored' }, 'body.status'],
    ['an empty audience', { audience: [] }, 'body.audience'],
    ['an audience entry without id', { audience: [{ name: 'Funkwerk' }] }, 'body.audience.0'],
    ['a non-string supply id', { affectedArea: { energySupplyId: [42] } }, 'body.affectedArea.energySupplyId.0'],
    ['an outage area that is not an object', { affectedArea: { outageArea: 'Hamburg' } }, 'body.affectedArea.outageArea'],
    [
      'an outage area of an unsupported GeoJSON type',
      {
        affectedArea: {
          outageArea: {
            type: 'LineString',
            coordinates: [
              [10, 53],
              [11, 54],
            ],
          },
        },
      },
      'body.affectedArea.outageArea.type',
    ],
    ['a rapid-intervention duration that is not a number', { dsoRapidInterventionDuration: 'five' }, 'body.dsoRapidInterventionDuration'],
  ])('create with %s → 400', async (_what, overrides, expected) => {
    const before = await noticeRows();
    const res = await h.call('POST', N, { key: dso.keys.operator, body: JSON.parse(JSON.stringify(noticeBody(overrides))) });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe('INVALID_BODY');
    expect(res.body.message).toContain(expected);
    expect(await noticeRows()).toBe(before);
  });

  it('patch: empty patch, unknown or server-owned attributes, bad values → 400; a JSON content type → 415; malformed JSON → 400', async () => {
    const n = await publish();
    const cases: [unknown, string][] = [
      [{}, 'body'],
      [{ publisher: { id: dso2.id } }, "unknown property 'publisher'"],
      [{ audience: [{ id: mnoX.id }] }, "unknown property 'audience'"],
      [{ etrHistory: [] }, "unknown property 'etrHistory'"],
      [{ status: 'gone' }, 'body.status'],
      [{ expectedOutageEndTime: 'soon' }, 'body.expectedOutageEndTime'],
      [{ customersRestored: -5 }, 'body.customersRestored'],
    ];
    for (const [body, expected] of cases) {
      const res = await patch(dso, n.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(expected);
    }
    const json = await h.call('PATCH', `${N}/${n.id}`, { key: dso.keys.operator, body: { name: 'x' }, contentType: 'application/json' });
    expect(json.status).toBe(415);
    const malformed = await h.patch(`${N}/${n.id}`, dso.keys.operator, '{"name": ');
    expect(malformed.status).toBe(400);
    expect((await get(dso, n.id)).body).toEqual(n);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 invalid GeoJSON outage areas → 422 naming the path', () => {
  const ring = (...pts: [number, number][]) => pts;
  it.each<[string, unknown, string, RegExp]>([
    [
      'an unclosed ring',
      { type: 'Polygon', coordinates: [ring([10, 53], [11, 53], [11, 54], [10, 54])] },
      'affectedArea.outageArea.coordinates[0]',
      /closed/,
    ],
    [
      'a ring of fewer than 4 positions',
      { type: 'Polygon', coordinates: [ring([10, 53], [11, 53], [10, 53])] },
      'affectedArea.outageArea.coordinates[0]',
      /at least 4 positions/,
    ],
    [
      'a latitude out of range',
      { type: 'Polygon', coordinates: [ring([10, 53], [11, 53], [11, 95], [10, 53])] },
      'affectedArea.outageArea.coordinates[0][2]',
      /latitude 95/,
    ],
    [
      'a longitude out of range',
      { type: 'Polygon', coordinates: [ring([10, 53], [181, 53], [11, 54], [10, 53])] },
      'affectedArea.outageArea.coordinates[0][1]',
      /longitude 181/,
    ],
    [
      'a position that is not [lon, lat]',
      { type: 'Polygon', coordinates: [ring([10, 53], [11, 53], [11, 54], [10, 53]).map((p, i) => (i === 1 ? [11] : p))] },
      'affectedArea.outageArea.coordinates[0][1]',
      /\[longitude, latitude\]/,
    ],
    ['a Polygon without rings', { type: 'Polygon', coordinates: [] }, 'affectedArea.outageArea.coordinates', /non-empty/],
    [
      'a bad ring in the second part of a MultiPolygon',
      {
        type: 'MultiPolygon',
        coordinates: [[ring([10, 53], [11, 53], [11, 54], [10, 53])], [ring([12, 53], [13, 53], [13, 54], [12, 54])]],
      },
      'affectedArea.outageArea.coordinates[1][0]',
      /closed/,
    ],
    ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, 'affectedArea.outageArea.coordinates', /non-empty/],
    ['a Point without radius', { type: 'Point', coordinates: [10, 53] }, 'affectedArea.outageArea.radius', /radius/],
    ['a circle with a negative radius', { type: 'Point', coordinates: [10, 53], radius: -10 }, 'affectedArea.outageArea.radius', /radius/],
    [
      'a circle centre out of range',
      { type: 'Point', coordinates: [10, -91], radius: 1000 },
      'affectedArea.outageArea.coordinates',
      /latitude -91/,
    ],
    [
      'a ring crossing the antimeridian',
      { type: 'Polygon', coordinates: [ring([179.5, -17], [-179.5, -17], [-179.5, -16], [179.5, -16], [179.5, -17])] },
      'affectedArea.outageArea.coordinates[0]',
      /antimeridian/,
    ],
  ])('%s', async (_what, outageArea, path, reason) => {
    const before = await noticeRows();
    const res = await h.call('POST', N, { key: dso.keys.operator, body: noticeBody({ affectedArea: { outageArea } }) });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.code).toBe('INVALID_GEOMETRY');
    expect(res.body.message.startsWith(`${path}:`), res.body.message).toBe(true);
    expect(res.body.message).toMatch(reason);
    expect(await noticeRows()).toBe(before);
  });

  it('the same checks apply to a patched area, and the notice keeps its area', async () => {
    const n = await publish();
    const res = await patch(dso, n.id, {
      affectedArea: {
        outageArea: {
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
    });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/^affectedArea\.outageArea\.coordinates\[0\]: .*closed/);
    const circle = await patch(dso, n.id, { affectedArea: { outageArea: { type: 'Point', coordinates: [10, 53.5] } } });
    expect(circle.status).toBe(422);
    expect(circle.body.message).toMatch(/^affectedArea\.outageArea\.radius/);
    expect((await get(dso, n.id)).body).toEqual(n);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 status lifecycle (IEC CIM outage status, DSO only)', () => {
  /** The transition table as documented in openapi/energyOutage.yaml. */
  const ALLOWED: Record<string, string[]> = {
    predicted: ['confirmed', 'cancelled'],
    confirmed: ['partiallyRestored', 'restored', 'cancelled'],
    partiallyRestored: ['confirmed', 'restored'],
    restored: ['closed', 'confirmed'],
    closed: [],
    cancelled: [],
  };
  const STATUSES = Object.keys(ALLOWED);
  /** How to reach each status from publication. */
  const reach = async (status: string): Promise<Notice> => {
    const path: Record<string, [string, string[]]> = {
      predicted: ['planned', []],
      confirmed: ['unplanned', []],
      partiallyRestored: ['unplanned', ['partiallyRestored']],
      restored: ['unplanned', ['restored']],
      closed: ['unplanned', ['restored', 'closed']],
      cancelled: ['unplanned', ['cancelled']],
    };
    const [outageKind, moves] = path[status]!;
    const n = await publish({ outageKind });
    await moveTo(n.id, ...moves);
    return (await get(dso, n.id)).body as Notice;
  };

  for (const from of STATUSES) {
    it(`from ${from}: allowed ${ALLOWED[from]!.join(', ') || 'nothing (final)'}; every other move is a 409 naming the allowed moves`, async () => {
      for (const to of STATUSES.filter((s) => s !== from)) {
        const n = await reach(from);
        expect(n.status).toBe(from);
        const since = await lastEventSequence(h);
        h.clock.advance(MINUTE);
        const res = await patch(dso, n.id, { status: to, statusChangeReason: `test ${from} -> ${to}` });
        if (ALLOWED[from]!.includes(to)) {
          expect(res.status, `${from} -> ${to}: ${JSON.stringify(res.body)}`).toBe(200);
          const after = res.body as Notice;
          expect(after.status).toBe(to);
          expect(after.statusChangeDate).toBe(nowIso());
          expect(after.statusChangeReason).toBe(`test ${from} -> ${to}`);
          expect(after.statusChangeHistory).toHaveLength(n.statusChangeHistory.length + 1);
          expect(after.statusChangeHistory.at(-1)).toMatchObject({
            status: to,
            statusChangeDate: nowIso(),
            statusChangeReason: `test ${from} -> ${to}`,
          });
          const changes = (await eventsSince(h, since, n.id)).filter((e) => e.type === 'EnergyOutageNoticeStatusChangeEvent');
          expect(changes).toHaveLength(3);
          expect(changes.every((e) => e.payload.description === `${from} -> ${to}`)).toBe(true);
        } else {
          expect(res.status, `${from} -> ${to}: ${JSON.stringify(res.body)}`).toBe(409);
          if (ALLOWED[from]!.length === 0) {
            expect(res.body.code).toBe('NOTICE_FINAL');
            expect(res.body.message).toContain(`The notice is ${from} and can no longer change`);
          } else {
            expect(res.body.code).toBe('INVALID_TRANSITION');
            expect(res.body.message).toContain(`cannot become ${to}`);
            expect(res.body.message).toContain(`allowed from ${from}: ${ALLOWED[from]!.join(', ')}`);
          }
          expect((await get(dso, n.id)).body).toEqual(n);
          expect(await eventsSince(h, since, n.id)).toEqual([]);
        }
      }
    });
  }

  it('statusChangeHistory keeps every move with date, reason and actor; a fault after restoration is a move back to confirmed', async () => {
    const n = await publish({ outageKind: 'planned' });
    const steps: [string, string | undefined][] = [
      ['confirmed', 'Work started'],
      ['partiallyRestored', 'Half of the feeder back via ring switch'],
      ['confirmed', 'Ring switch tripped again'],
      ['restored', undefined],
      ['confirmed', 'Second fault on the same line'],
      ['restored', 'Line repaired'],
      ['closed', 'Automation complete'],
    ];
    const expected: Partial<StatusChange>[] = [{ status: 'predicted', statusChangeDate: n.statusChangeDate as string }];
    let last = n;
    for (const [status, statusChangeReason] of steps) {
      h.clock.advance(5 * MINUTE);
      last = await patchOk(dso, n.id, { status, ...(statusChangeReason ? { statusChangeReason } : {}) });
      expected.push({ status, statusChangeDate: nowIso(), ...(statusChangeReason ? { statusChangeReason } : {}) });
      expect(last.statusChangeDate).toBe(nowIso());
      if (statusChangeReason) expect(last.statusChangeReason).toBe(statusChangeReason);
      else expect(last.statusChangeReason).toBeUndefined();
    }
    expect(last.statusChangeHistory).toHaveLength(expected.length);
    last.statusChangeHistory.forEach((entry, i) => {
      expect(entry).toMatchObject(expected[i]!);
      expect(entry.actor.organizationId).toBe(dso.id);
      expect(typeof entry.actor.credentialId).toBe('string');
      if (!expected[i]!.statusChangeReason) expect(entry.statusChangeReason).toBeUndefined();
    });
  });

  it('statusChangeReason without a new status → 422; an MNO cannot change the status (403)', async () => {
    const n = await publish();
    const res = await patch(dso, n.id, { statusChangeReason: 'because' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('REASON_WITHOUT_STATUS');
    const same = await patch(dso, n.id, { status: 'confirmed', statusChangeReason: 'still out' });
    expect(same.status).toBe(422);
    const mno = await patch(mnoA, n.id, { status: 'restored' });
    expect(mno.status).toBe(403);
    expect((await get(dso, n.id)).body).toEqual(n);
  });

  it('restored sets actualOutageEndTime to now unless given; a second restoration after a new fault records the new end', async () => {
    const n = await publish();
    h.clock.advance(30 * MINUTE);
    const r1 = await patchOk(dso, n.id, { status: 'restored' });
    expect(r1.actualOutageEndTime).toBe(nowIso());
    h.clock.advance(10 * MINUTE);
    const again = await patchOk(dso, n.id, { status: 'confirmed', statusChangeReason: 'Feeder tripped again' });
    expect(again.actualOutageEndTime, 'an outage that is on again has no actual end').toBeUndefined();
    h.clock.advance(20 * MINUTE);
    const r2 = await patchOk(dso, n.id, { status: 'restored' });
    expect(r2.actualOutageEndTime).toBe(nowIso());

    const m = await publish();
    const given = at(-2);
    h.clock.advance(MINUTE);
    const explicit = await patchOk(dso, m.id, { status: 'restored', actualOutageEndTime: given });
    expect(explicit.actualOutageEndTime).toBe(given);
  });

  it('closed and cancelled notices refuse every change (409), the MNO answer included', async () => {
    const closed = await publish();
    await moveTo(closed.id, 'restored', 'closed');
    const cancelled = await publish({ outageKind: 'planned' });
    await moveTo(cancelled.id, 'cancelled');
    for (const n of [closed, cancelled]) {
      const before = (await get(dso, n.id)).body as Notice;
      const dsoPatch = await patch(dso, n.id, { name: 'renamed' });
      expect(dsoPatch.status).toBe(409);
      expect(dsoPatch.body.code).toBe('NOTICE_FINAL');
      const mnoPatch = await patch(mnoA, n.id, { mnoInterventionDuration: 5 });
      expect(mnoPatch.status, JSON.stringify(mnoPatch.body)).toBe(409);
      expect((await get(dso, n.id)).body).toEqual(before);
    }
  });

  it('a patch that changes nothing returns the notice unchanged and writes no event', async () => {
    const n = await publish({ customersAffected: 10 });
    const since = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    const res = await patchOk(dso, n.id, { customersAffected: 10, status: 'confirmed' });
    expect(res).toEqual(n);
    expect(await eventsSince(h, since, n.id)).toEqual([]);
  });

  it('attribute changes raise EnergyOutageNoticeAttributeValueChangeEvent naming the attributes, to the DSO and each audience MNO', async () => {
    const n = await publish();
    const since = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    const after = await patchOk(dso, n.id, { customersAffected: 800, customersRestored: 200, crewStatus: 'enroute' });
    expect(after).toMatchObject({ customersAffected: 800, customersRestored: 200, crewStatus: 'enroute', lastUpdate: nowIso() });
    const events = await eventsSince(h, since, n.id);
    expect(pairs(events, who())).toEqual([
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'DSO'],
      ...sorted(['A', 'B']).map((x) => ['EnergyOutageNoticeAttributeValueChangeEvent', x]),
    ]);
    for (const e of events) {
      expect(String(e.payload.description)).toMatch(/^changed: /);
      for (const attr of ['customersAffected', 'customersRestored', 'crewStatus']) expect(String(e.payload.description)).toContain(attr);
      expect(e.resource).toMatchObject({ id: n.id, customersAffected: 800 });
    }
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 ETR revisions: every one kept in etrHistory with confidence and source', () => {
  it('each revision is appended, raises EnergyOutageEtrChangeEvent to the DSO and each MNO; other changes leave etrHistory alone', async () => {
    const first = at(60);
    const n = await publish({ expectedOutageEndTime: first, etrConfidence: 'low', etrSource: 'control room estimate' });
    const created = n.etrHistory[0]!;
    expect(n.etrHistory).toEqual([
      { expectedOutageEndTime: first, etrConfidence: 'low', etrSource: 'control room estimate', revisedAt: nowIso() },
    ]);

    const since = await lastEventSequence(h);
    h.clock.advance(10 * MINUTE);
    const second = at(80);
    const r1 = await patchOk(dso, n.id, { expectedOutageEndTime: second, etrConfidence: 'high', etrSource: 'field crew on site' });
    const t1 = nowIso();
    expect(r1).toMatchObject({ expectedOutageEndTime: second, etrConfidence: 'high', etrSource: 'field crew on site' });

    h.clock.advance(10 * MINUTE);
    const r2 = await patchOk(dso, n.id, { etrConfidence: 'low', etrSource: 'SCADA estimate' });
    const t2 = nowIso();
    expect(r2.expectedOutageEndTime).toBe(second);

    h.clock.advance(10 * MINUTE);
    const r3 = await patchOk(dso, n.id, { expectedOutageEndTime: null });
    const t3 = nowIso();
    expect(r3.expectedOutageEndTime).toBeUndefined();

    h.clock.advance(10 * MINUTE);
    const r4 = await patchOk(dso, n.id, { description: 'Crew waiting for a crane', crewStatus: 'arrived' });
    expect(r4.etrHistory).toEqual([
      created,
      { expectedOutageEndTime: second, etrConfidence: 'high', etrSource: 'field crew on site', revisedAt: t1 },
      { expectedOutageEndTime: second, etrConfidence: 'low', etrSource: 'SCADA estimate', revisedAt: t2 },
      { etrConfidence: 'low', etrSource: 'SCADA estimate', revisedAt: t3 },
    ]);

    const etrEvents = (await eventsSince(h, since, n.id)).filter((e) => e.type === 'EnergyOutageEtrChangeEvent');
    expect(etrEvents).toHaveLength(9);
    expect(new Set(etrEvents.map((e) => e.audience[0]))).toEqual(new Set([dso.id, mnoA.id, mnoB.id]));
    expect(etrEvents.filter((e) => e.audience[0] === mnoA.id).map((e) => e.payload.description)).toEqual([
      `ETR ${first} -> ${second}`,
      `ETR ${second} -> ${second}`,
      `ETR ${second} -> none`,
    ]);
    // The MNO's copy carries the current ETR and the history.
    const last = etrEvents.filter((e) => e.audience[0] === mnoB.id).at(-1)!;
    expect((last.resource.etrHistory as unknown[]).length).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 the MNO answer (TS 28.318 mnoInterventionTime/Duration, mnoMaxServiceDuration)', () => {
  it('an audience MNO writes only its own answer; the DSO sees every answer, each MNO only its own', async () => {
    const n = await publish({ dsoRapidInterventionTime: at(120), dsoRapidInterventionDuration: 5 });
    h.clock.advance(MINUTE);
    const a = await patchOk(mnoA, n.id, { mnoInterventionTime: at(119), mnoInterventionDuration: 5, mnoMaxServiceDuration: 125 });
    const tA = nowIso();
    expect(a.mnoResponse).toEqual([
      {
        mno: { id: mnoA.id, '@referredType': 'Organization' },
        mnoInterventionTime: expect.any(String),
        mnoInterventionDuration: 5,
        mnoMaxServiceDuration: 125,
        lastUpdate: tA,
      },
    ]);
    expect(new Date(a.mnoResponse[0]!.mnoInterventionTime!).toISOString()).toBe(at(119));
    expect(a.lastUpdate).toBe(tA);
    // The DSO's fields are untouched by the MNO.
    expect(a).toMatchObject({ dsoRapidInterventionDuration: 5, status: 'confirmed', name: n.name });

    h.clock.advance(MINUTE);
    const b = await patchOk(mnoB, n.id, { mnoMaxServiceDuration: 30 });
    expect(b.mnoResponse.map((r) => r.mno.id)).toEqual([mnoB.id]);

    h.clock.advance(MINUTE);
    const a2 = await patchOk(mnoA, n.id, { mnoInterventionDuration: 10 });
    expect(a2.mnoResponse).toHaveLength(1);
    expect(a2.mnoResponse[0]).toMatchObject({ mnoInterventionDuration: 10, mnoMaxServiceDuration: 125, lastUpdate: nowIso() });

    const seenByDso = (await get(dso, n.id)).body as Notice;
    expect(idsOf(seenByDso.mnoResponse.map((r) => r.mno))).toEqual(sorted([mnoA.id, mnoB.id]));
    expect(seenByDso.mnoResponse.find((r) => r.mno.id === mnoB.id)).toMatchObject({ mnoMaxServiceDuration: 30 });
    const seenByA = (await get(mnoA, n.id)).body as Notice;
    expect(seenByA.mnoResponse.map((r) => r.mno.id)).toEqual([mnoA.id]);
    const seenByB = (await get(mnoB, n.id)).body as Notice;
    expect(seenByB.mnoResponse.map((r) => r.mno.id)).toEqual([mnoB.id]);
    expect(JSON.stringify(seenByB)).not.toContain(mnoA.id);
  });

  it('an MNO writing any other attribute → 403 and nothing changes; the DSO writing the MNO fields → 403', async () => {
    const n = await publish();
    for (const body of [
      { name: 'renamed by MNO' },
      { expectedOutageEndTime: at(30) },
      { status: 'restored' },
      { mnoInterventionDuration: 5, customersAffected: 3 },
      { affectedArea: { energySupplyId: ['X'] } },
    ]) {
      const res = await patch(mnoA, n.id, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.body.message).toMatch(/mnoInterventionTime, mnoInterventionDuration, mnoMaxServiceDuration/);
    }
    for (const body of [{ mnoInterventionTime: at(10) }, { mnoInterventionDuration: 5, name: 'x' }, { mnoMaxServiceDuration: 60 }]) {
      const res = await patch(dso, n.id, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.body.message).toMatch(/written by the MNO/);
    }
    expect((await get(dso, n.id)).body).toEqual(n);
  });

  it('the answer event goes to the DSO and the answering MNO only', async () => {
    const n = await publish();
    const since = await lastEventSequence(h);
    await patchOk(mnoB, n.id, { mnoInterventionDuration: 7 });
    const events = await eventsSince(h, since, n.id);
    expect(pairs(events, who())).toEqual([
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'DSO'],
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'B'],
    ]);
    const toB = events.find((e) => e.audience[0] === mnoB.id)!;
    expect((toB.resource.audience as Ref[]).map((a) => a.id)).toEqual([mnoB.id]);
    expect(toB.payload.description).toBe('changed: mnoInterventionDuration');
  });

  it('an MNO whose partnership is no longer active cannot answer (403, GW-9)', async () => {
    const n = await publish();
    const p = await h.db.prisma.partnership.findFirstOrThrow({ where: { dsoId: dso.id, mnoId: mnoB.id } });
    await h.db.prisma.partnership.update({ where: { id: p.id }, data: { status: 'suspended' } });
    try {
      const res = await patch(mnoB, n.id, { mnoInterventionDuration: 5 });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/GW-9/);
    } finally {
      await h.db.prisma.partnership.update({ where: { id: p.id }, data: { status: 'active' } });
    }
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 privacy: only the DSO and its audience see a notice; MNOs never see each other', () => {
  it('an MNO never sees another MNO in audience or mnoResponse: retrieve, list, fields=, patch answer and events', async () => {
    const since = await lastEventSequence(h);
    const n = await publish({ name: 'Privacy check' });
    await patchOk(mnoA, n.id, { mnoMaxServiceDuration: 60 });
    const b = await patchOk(mnoB, n.id, { mnoMaxServiceDuration: 90 });
    expect(b.audience.map((x) => x.id)).toEqual([mnoB.id]);
    expect(b.mnoResponse.map((x) => x.mno.id)).toEqual([mnoB.id]);

    for (const [me, other] of [
      [mnoA, mnoB],
      [mnoB, mnoA],
    ] as const) {
      const one = (await get(me, n.id)).body as Notice;
      expect(one.audience.map((x) => x.id)).toEqual([me.id]);
      expect(one.mnoResponse.map((x) => x.mno.id)).toEqual([me.id]);
      expect(JSON.stringify(one)).not.toContain(other.id);
      const all = (await list(me)).body as Notice[];
      const mine = all.find((x) => x.id === n.id)!;
      expect(mine.audience.map((x) => x.id)).toEqual([me.id]);
      expect(JSON.stringify(all)).not.toContain(other.id);
      const fields = await list(me, 'fields=audience,mnoResponse', { skipValidation: true });
      expect(JSON.stringify(fields.body)).not.toContain(other.id);
    }
    const seenByDso = (await get(dso, n.id)).body as Notice;
    expect(idsOf(seenByDso.audience)).toEqual(sorted([mnoA.id, mnoB.id]));
    expect(idsOf(seenByDso.mnoResponse.map((r) => r.mno))).toEqual(sorted([mnoA.id, mnoB.id]));

    // Every event an MNO can receive about the notice is free of the other MNO.
    const events = await eventsSince(h, since, n.id);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.audience).toHaveLength(1);
      const to = e.audience[0]!;
      if (to === mnoA.id) expect(JSON.stringify(e.payload)).not.toContain(mnoB.id);
      if (to === mnoB.id) expect(JSON.stringify(e.payload)).not.toContain(mnoA.id);
    }
  });

  it('TMF630 filters cannot probe the rest of the audience or other MNOs\u2019 answers', async () => {
    const n = await publish({ name: 'Probe target' });
    await patchOk(mnoB, n.id, { mnoInterventionDuration: 9 });
    // The notice went to A and B. A may not learn that B received it or answered.
    for (const query of [`audience.id=${mnoB.id}`, `mnoResponse.mno.id=${mnoB.id}`, 'mnoResponse.mnoInterventionDuration=9']) {
      const res = await list(mnoA, query);
      expect([200, 400], query).toContain(res.status);
      if (res.status === 200)
        expect(
          (res.body as Notice[]).map((x) => x.id),
          query,
        ).not.toContain(n.id);
    }
    // Filtering on what is its own view still works.
    const own = await list(mnoA, `audience.id=${mnoA.id}&name=Probe target`);
    expect(own.status).toBe(200);
    expect((own.body as Notice[]).map((x) => x.id)).toEqual([n.id]);
    // The DSO filters on its whole audience and every answer.
    const byDso = await list(dso, `mnoResponse.mno.id=${mnoB.id}&name=Probe target`);
    expect((byDso.body as Notice[]).map((x) => x.id)).toEqual([n.id]);
  });

  it('a partner MNO left out of the audience, a stranger MNO and a stranger DSO get 404 on every operation', async () => {
    const siteB = await createMnoSite(h, mnoB, 'PRIV-B-1', [9.95, 53.45], { backupPower: { upsInstalled: true, remainingMinutes: 60 } });
    await createMnoSite(h, mnoA, 'PRIV-A-1', [9.96, 53.46]);
    await createMnoSite(h, mnoX, 'PRIV-X-1', [9.97, 53.47]);
    const n = await publish({ name: 'Only for B', audience: [{ id: mnoB.id }] });
    const rep = await postReport(mnoB, n.id, {
      site: { siteId: siteB.siteId },
      powerStatus: 'onBattery',
      priorityRestoration: { requested: true, reason: 'hospital coverage' },
    });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    const reportId = (rep.body as Report).id;
    const before = (await get(dso, n.id)).body as Notice;
    const events = await lastEventSequence(h);

    const ops: [string, (org: TestOrg) => Promise<{ status: number }>][] = [
      ['GET notice', (o) => get(o, n.id)],
      ['GET notice as CAP', (o) => h.call('GET', `${N}/${n.id}`, { key: o.keys.viewer, headers: { Accept: CAP }, skipValidation: true })],
      ['PATCH notice (DSO attribute)', (o) => patch(o, n.id, { name: 'hijacked' })],
      ['PATCH notice (MNO answer)', (o) => patch(o, n.id, { mnoInterventionDuration: 5 })],
      ['GET impact', (o) => h.call('GET', `${N}/${n.id}/impact`, { key: o.keys.viewer })],
      ['GET site reports', (o) => h.call('GET', `${N}/${n.id}/siteReport`, { key: o.keys.viewer })],
      ['POST site report', (o) => postReport(o, n.id, { site: { siteId: o === mnoA ? 'PRIV-A-1' : 'PRIV-X-1' }, powerStatus: 'down' })],
      ['GET site report', (o) => h.call('GET', `${R}/${reportId}`, { key: o.keys.viewer })],
      ['PATCH site report (decision)', (o) => decide(o, reportId, { priorityStatus: 'declined' })],
    ];
    for (const org of [mnoA, mnoX, dso2]) {
      for (const [what, op] of ops) {
        const res = await op(org);
        expect(res.status, `${org.name}: ${what}`).toBe(404);
      }
      const all = (await list(org)).body as Notice[];
      expect(all.map((x) => x.id)).not.toContain(n.id);
      const near = (await list(org, 'atPoint=9.95,53.45')).body as Notice[];
      expect(near.map((x) => x.id)).not.toContain(n.id);
    }
    expect((await get(dso, n.id)).body).toEqual(before);
    expect((await eventsSince(h, events)).filter((e) => e.resourceId === n.id || e.resourceId === reportId)).toEqual([]);
    // Unknown and malformed ids are 404s too.
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await get(dso, id)).status).toBe(404);
      expect((await h.call('GET', `${R}/${id}`, { key: dso.keys.viewer })).status).toBe(404);
    }
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 TMF630 queries: filters, date ranges, fields, sort, paging, atPoint, intersects, active', () => {
  let qdso: TestOrg;
  let qmno: TestOrg;
  const q: Record<string, Notice> = {};
  /** q1 has a hole [20.4,40.4]-[20.6,40.6]; q5 sits inside that hole. */
  beforeAll(async () => {
    ({ dso: qdso, mno: qmno } = await h.partners({ dso: 'Query Netz', mno: 'Query Mobil' }));
    const mk = async (name: string, body: Record<string, unknown>, moves: string[] = []) => {
      h.clock.advance(MINUTE);
      const n = await publish({ name, ...body }, qdso);
      for (const status of moves) {
        const r = await patch(qdso, n.id, { status });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      q[name] = (await get(qdso, n.id)).body as Notice;
    };
    await mk('q1', {
      causeKind: 'weather',
      outageStartTime: '2026-11-01T10:00:00.000Z',
      affectedArea: { outageArea: boxPolygon([20, 40, 21, 41], [20.4, 40.4, 20.6, 40.6]) },
    });
    await mk('q2', {
      outageKind: 'planned',
      causeKind: 'maintenance',
      outageStartTime: '2026-11-05T10:00:00.000Z',
      affectedArea: { outageArea: { type: 'Point', coordinates: [22, 40.5], radius: 5000 } },
    });
    await mk(
      'q3',
      { causeKind: 'equipment', outageStartTime: '2026-11-03T10:00:00.000Z', affectedArea: { outageArea: boxPolygon([24, 40, 25, 41]) } },
      ['restored'],
    );
    await mk('q4', { causeKind: 'equipment', outageStartTime: '2026-11-04T10:00:00.000Z', affectedArea: { energySupplyId: ['Q-MTR-1'] } }, [
      'cancelled',
    ]);
    await mk(
      'q5',
      {
        causeKind: 'weather',
        outageStartTime: '2026-11-02T10:00:00.000Z',
        affectedArea: { outageArea: boxPolygon([20.45, 40.45, 20.55, 40.55]) },
      },
      ['partiallyRestored'],
    );
  });
  const names = (body: unknown) => (body as Notice[]).map((n) => n.name as string);
  const query = async (s: string, org: TestOrg = qdso) => {
    const res = await list(org, s);
    expect(res.status, `${s}: ${JSON.stringify(res.body)}`).toBe(200);
    return res;
  };

  it('status filter (one or several values), causeKind, default sort newest first, both sides see the same', async () => {
    expect(names((await query('')).body)).toEqual(['q5', 'q4', 'q3', 'q2', 'q1']);
    expect(names((await query('', qmno)).body)).toEqual(['q5', 'q4', 'q3', 'q2', 'q1']);
    expect(names((await query('status=confirmed')).body)).toEqual(['q1']);
    expect(names((await query('status=confirmed,partiallyRestored&sort=outageStartTime')).body)).toEqual(['q1', 'q5']);
    expect(names((await query('status.ne=cancelled&sort=outageStartTime')).body)).toEqual(['q1', 'q5', 'q3', 'q2']);
    expect(names((await query('causeKind=weather&sort=outageStartTime')).body)).toEqual(['q1', 'q5']);
    expect(names((await query('outageKind=planned')).body)).toEqual(['q2']);
    expect(names((await query('affectedArea.energySupplyId=Q-MTR-1')).body)).toEqual(['q4']);
  });

  it('date ranges on outageStartTime and creationDate; sort ascending and descending; offset/limit with counts', async () => {
    expect(
      names((await query('outageStartTime.gte=2026-11-02T00:00:00Z&outageStartTime.lt=2026-11-04T00:00:00Z&sort=outageStartTime')).body),
    ).toEqual(['q5', 'q3']);
    expect(names((await query('outageStartTime.gt=2026-11-03T10:00:00Z&sort=-outageStartTime')).body)).toEqual(['q2', 'q4']);
    expect(names((await query(`creationDate.gt=${q.q3!.creationDate as string}&sort=creationDate`)).body)).toEqual(['q4', 'q5']);
    expect(names((await query('sort=outageStartTime')).body)).toEqual(['q1', 'q5', 'q3', 'q4', 'q2']);
    expect(names((await query('sort=-outageStartTime')).body)).toEqual(['q2', 'q4', 'q3', 'q5', 'q1']);
    const page = await query('sort=outageStartTime&offset=1&limit=2');
    expect(names(page.body)).toEqual(['q5', 'q3']);
    expect(page.headers['x-total-count']).toBe('5');
    expect(page.headers['x-result-count']).toBe('2');
  });

  it('fields= keeps id, href, @type and the named attributes', async () => {
    const res = await list(qdso, 'fields=status,outageStartTime&sort=outageStartTime', { skipValidation: true });
    expect(res.status).toBe(200);
    expect(res.body[0]).toEqual({
      id: q.q1!.id,
      href: q.q1!.href,
      '@type': 'EnergyOutageNotice',
      status: 'confirmed',
      outageStartTime: '2026-11-01T10:00:00.000Z',
    });
    for (const item of res.body as Record<string, unknown>[])
      expect(Object.keys(item).sort()).toEqual(['@type', 'href', 'id', 'outageStartTime', 'status']);
    const one = await h.call('GET', `${N}/${q.q2!.id}?fields=status`, { key: qmno.keys.viewer, skipValidation: true });
    expect(one.body).toEqual({ id: q.q2!.id, href: q.q2!.href, '@type': 'EnergyOutageNotice', status: 'predicted' });
  });

  it('atPoint=lon,lat is exact: inside, on the boundary and on a hole edge count; inside a hole or outside a circle does not', async () => {
    const at = async (p: string, extra = '') => names((await query(`atPoint=${p}&sort=outageStartTime${extra}`)).body);
    expect(await at('20.2,40.2')).toEqual(['q1']);
    expect(await at('20,40.5'), 'west edge of q1').toEqual(['q1']);
    expect(await at('21,41'), 'corner of q1').toEqual(['q1']);
    expect(await at('20.4,40.5'), 'edge of the hole').toEqual(['q1']);
    expect(await at('20.5,40.5'), 'inside the hole: q1 excluded, q5 (inside the hole) included').toEqual(['q5']);
    expect(await at('20.42,40.42'), 'inside the hole, outside q5').toEqual([]);
    expect(await at('22,40.5'), 'circle centre').toEqual(['q2']);
    expect(await at('22.04,40.54'), 'inside the circle\u2019s bounding box, 5.6 km from the centre').toEqual([]);
    expect(await at('24.5,40.5')).toEqual(['q3']);
    expect(await at('24.5,40.5', '&active=true')).toEqual([]);
    expect(await at('30,10')).toEqual([]);
    expect(names((await query('atPoint=20.2,40.2', qmno)).body)).toEqual(['q1']);
  });

  it('atPoint pages over the exact matches: a bounding-box-only candidate never hides a real match', async () => {
    // q1's box contains (20.5,40.5) but its hole excludes it; q5 contains it.
    const page = await query('atPoint=20.5,40.5&sort=outageStartTime&limit=1');
    expect(names(page.body)).toEqual(['q5']);
    expect(page.headers['x-total-count']).toBe('1');
    const second = await query('atPoint=20.5,40.5&sort=outageStartTime&limit=1&offset=1');
    expect(names(second.body)).toEqual([]);
  });

  it('intersects=minLon,minLat,maxLon,maxLat matches areas whose bounding box overlaps; supply-only notices never', async () => {
    const box = async (b: string, extra = '') => names((await query(`intersects=${b}&sort=outageStartTime${extra}`)).body);
    expect(await box('24.5,40.5,26,42')).toEqual(['q3']);
    expect(await box('19,39,20,40'), 'touching a corner').toEqual(['q1']);
    expect(await box('19,39,30,45')).toEqual(['q1', 'q5', 'q3', 'q2']);
    expect(await box('19,39,30,45', '&active=true')).toEqual(['q1', 'q5', 'q2']);
    expect(await box('21.97,40.49,21.98,40.5'), 'inside the circle\u2019s box').toEqual(['q2']);
    expect(await box('0,0,1,1')).toEqual([]);
  });

  it('active=true keeps predicted, confirmed and partiallyRestored; active=false the rest', async () => {
    expect(names((await query('active=true&sort=outageStartTime')).body)).toEqual(['q1', 'q5', 'q2']);
    expect(names((await query('active=false&sort=outageStartTime')).body)).toEqual(['q3', 'q4']);
    expect((await query('active=true')).headers['x-total-count']).toBe('3');
  });

  it('bad query parameters are rejected with a message naming them', async () => {
    const cases: [string, number, RegExp][] = [
      ['atPoint=20.2', 422, /atPoint/],
      ['atPoint=abc,def', 422, /atPoint/],
      ['atPoint=20,95', 422, /atPoint.*latitude 95/],
      ['intersects=1,2,3', 400, /intersects/],
      ['intersects=5,5,1,1', 400, /intersects/],
      ['active=maybe', 400, /active/],
      ['status.gte=2026-01-01T00:00:00Z&outageStartTime.gte=tomorrow', 400, /outageStartTime/],
      ['colour=red', 400, /colour/],
      ['fields=colour', 400, /colour/],
      ['sort=name', 400, /sort/],
    ];
    for (const [qs, status, msg] of cases) {
      const res = await list(qdso, qs);
      expect(res.status, qs).toBe(status);
      expect(res.body.message, qs).toMatch(msg);
    }
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 impact: impacted sites with autonomy and exhaustion for the MNO; aggregates only for the DSO', () => {
  const S: Record<string, { id: string; siteId: string }> = {};
  let n: Notice;
  let start: string;
  let etr: string;
  let since: bigint;

  beforeAll(async () => {
    const mk = async (org: TestOrg, siteId: string, lonLat: [number, number], opts: Parameters<typeof createMnoSite>[4] = {}) => {
      S[siteId] = await createMnoSite(h, org, siteId, lonLat, opts);
    };
    await mk(mnoA, 'A-BAT', [8.05, 50.05], {
      name: 'Hochhaus Nord',
      baseStationId: ['eNB-1001'],
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 90 },
    });
    await mk(mnoA, 'A-UPS', [8.06, 50.06], { name: 'Wasserturm', backupPower: { upsInstalled: true, upsCapacityMinutes: 240 } });
    await mk(mnoA, 'A-GEN', [8.07, 50.07], {
      name: 'Feuerwache',
      backupPower: { upsInstalled: true, remainingMinutes: 60, generator: true },
    });
    await mk(mnoA, 'A-NONE', [8.08, 50.08], { name: 'Dachstandort' });
    await mk(mnoA, 'A-UNK', [8.09, 50.09], { backupPower: { upsInstalled: true } });
    await mk(mnoA, 'A-PRIO', [8.1, 50.1], {
      name: 'Leitstelle',
      energySupplyId: 'IMP-MTR-2',
      priority: true,
      backupPower: { upsInstalled: true, remainingMinutes: 30 },
    });
    await mk(mnoA, 'A-FEED', [9.5, 50.5], {
      name: 'Talstation',
      energySupplyId: 'IMP-MTR-1',
      backupPower: { upsInstalled: true, remainingMinutes: 45 },
    });
    await mk(mnoA, 'A-FAR', [9.6, 50.6], { energySupplyId: 'IMP-MTR-9', backupPower: { upsInstalled: true, remainingMinutes: 5 } });
    await mk(mnoB, 'B-IN', [8.15, 50.15], { name: 'Kirchturm', backupPower: { upsInstalled: true, remainingMinutes: 20 } });
    await mk(mnoB, 'B-OUT', [9.7, 50.7], { energySupplyId: 'IMP-MTR-8' });
    // A stranger MNO's site inside the area is never matched (not in the audience).
    await mk(mnoX, 'X-IN', [8.11, 50.11], { backupPower: { remainingMinutes: 1 } });
    start = at(-30);
    etr = at(70);
    since = await lastEventSequence(h);
    n = await publish({
      name: 'Impact',
      outageStartTime: start,
      expectedOutageEndTime: etr,
      affectedArea: { outageArea: boxPolygon(IMPACT), energySupplyId: ['IMP-MTR-1', 'IMP-MTR-2'] },
    });
  });

  it('the MNO sees its sites inside the area or fed by a listed supply id, with matchedBy, autonomy and exhaustion time', async () => {
    const imp = await impactOf(mnoA, n.id);
    expect(imp.view).toBe('mno');
    expect(imp.notice.id).toBe(n.id);
    expect(imp.summary).toBeUndefined();
    const by = Object.fromEntries(imp.sites!.map((s) => [s.siteId, s]));
    expect(Object.keys(by).sort()).toEqual(['A-BAT', 'A-FEED', 'A-GEN', 'A-NONE', 'A-PRIO', 'A-UNK', 'A-UPS']);
    expect(by['A-BAT']).toEqual({
      id: S['A-BAT']!.id,
      siteId: 'A-BAT',
      name: 'Hochhaus Nord',
      location: { type: 'Point', coordinates: [8.05, 50.05] },
      matchedBy: 'area',
      priority: false,
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 90, generator: false },
      backupAutonomyMinutes: 90,
      exhaustionTime: plus(start, 90),
      exhaustsBeforeEtr: true,
    });
    // Remaining minutes unknown: the UPS capacity counts.
    expect(by['A-UPS']).toMatchObject({ backupAutonomyMinutes: 240, exhaustionTime: plus(start, 240), exhaustsBeforeEtr: false });
    // A generator carries the site: no exhaustion time.
    expect(by['A-GEN']).toMatchObject({ backupAutonomyMinutes: 60, exhaustionTime: null, exhaustsBeforeEtr: false });
    // No UPS, no generator: down from the outage start.
    expect(by['A-NONE']).toMatchObject({ backupAutonomyMinutes: 0, exhaustionTime: start, exhaustsBeforeEtr: true });
    // A UPS of unknown capacity: unknown.
    expect(by['A-UNK']).toMatchObject({ backupAutonomyMinutes: null, exhaustionTime: null, exhaustsBeforeEtr: false });
    expect(by['A-PRIO']).toMatchObject({
      matchedBy: 'both',
      priority: true,
      energySupplyId: 'IMP-MTR-2',
      exhaustionTime: plus(start, 30),
      exhaustsBeforeEtr: true,
    });
    expect(by['A-FEED']).toMatchObject({
      matchedBy: 'energySupply',
      energySupplyId: 'IMP-MTR-1',
      exhaustionTime: plus(start, 45),
      exhaustsBeforeEtr: true,
    });
  });

  it('another MNO in the audience sees only its own sites; a stranger MNO\u2019s sites are never matched', async () => {
    const imp = await impactOf(mnoB, n.id);
    expect(imp.sites!.map((s) => s.siteId)).toEqual(['B-IN']);
    expect(imp.sites![0]).toMatchObject({ matchedBy: 'area', exhaustionTime: plus(start, 20), exhaustsBeforeEtr: true });
    expect(JSON.stringify(imp)).not.toMatch(/A-[A-Z]+|X-IN/);
    const rows = await h.db.pool.query('SELECT site_id::text FROM outage_site_impact WHERE notice_id = $1', [n.id]);
    expect(rows.rows.map((r: { site_id: string }) => r.site_id)).not.toContain(S['X-IN']!.id);
  });

  it('the DSO sees per MNO the counts, earliest exhaustion and priority figures, and none of the sites', async () => {
    const imp = await impactOf(dso, n.id);
    expect(imp.view).toBe('dso');
    expect(imp.sites).toBeUndefined();
    const by = Object.fromEntries(imp.summary!.map((s) => [s.mno.id, s]));
    expect(Object.keys(by).sort()).toEqual(sorted([mnoA.id, mnoB.id]));
    expect(by[mnoA.id]).toEqual({
      mno: { id: mnoA.id, name: 'Funkwerk Mobil', '@referredType': 'Organization' },
      impactedSites: 7,
      prioritySites: 1,
      earliestExhaustion: start,
      sitesExhaustingBeforeEtr: 4,
      priorityRequests: 0,
    });
    expect(by[mnoB.id]).toMatchObject({
      impactedSites: 1,
      prioritySites: 0,
      earliestExhaustion: plus(start, 20),
      sitesExhaustingBeforeEtr: 1,
      priorityRequests: 0,
    });
    const text = JSON.stringify(imp);
    for (const s of Object.values(S)) {
      expect(text).not.toContain(s.siteId);
      expect(text).not.toContain(s.id);
    }
    for (const name of ['Hochhaus Nord', 'Wasserturm', 'Leitstelle', 'Kirchturm', 'eNB-1001']) expect(text).not.toContain(name);
  });

  it('EnergyOutageImpactChangeEvent at publication: each MNO gets its own sites, the DSO only summaries', async () => {
    const events = (await eventsSince(h, since, n.id)).filter((e) => e.type === 'EnergyOutageImpactChangeEvent');
    expect(events.map((e) => e.audience)).toHaveLength(3);
    const toA = events.find((e) => e.audience[0] === mnoA.id)!;
    const toB = events.find((e) => e.audience[0] === mnoB.id)!;
    const toDso = events.find((e) => e.audience[0] === dso.id)!;
    for (const e of events) expect(e.audience).toHaveLength(1);
    expect(toA.resourceType).toBe('energyOutageImpact');
    expect(toA.resource).toMatchObject({ id: n.id, notice: { id: n.id }, view: 'mno' });
    expect((toA.resource.sites as ImpactedSite[]).map((s) => s.siteId).sort()).toEqual([
      'A-BAT',
      'A-FEED',
      'A-GEN',
      'A-NONE',
      'A-PRIO',
      'A-UNK',
      'A-UPS',
    ]);
    expect(toA.resource.sites).toEqual((await impactOf(mnoA, n.id)).sites);
    expect(toA.payload.description).toBe('7 of your sites impacted');
    expect((toB.resource.sites as ImpactedSite[]).map((s) => s.siteId)).toEqual(['B-IN']);
    expect(JSON.stringify(toB.payload)).not.toContain(mnoA.id);
    expect(toDso.resource).toMatchObject({ view: 'dso' });
    expect(toDso.resource.sites).toBeUndefined();
    expect(toDso.resource.summary).toEqual((await impactOf(dso, n.id)).summary);
    const text = JSON.stringify(toDso.payload);
    for (const s of Object.values(S)) expect(text).not.toContain(s.siteId);
  });

  it('changes that leave the impact as it is (name, crew, ETR, partial restoration) raise no impact event', async () => {
    const s0 = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    await patchOk(dso, n.id, { name: 'Impact (renamed)', crewStatus: 'enroute' });
    await patchOk(dso, n.id, { expectedOutageEndTime: plus(start, 95) });
    await patchOk(dso, n.id, { status: 'partiallyRestored' });
    await patchOk(dso, n.id, { status: 'confirmed' });
    const types = (await eventsSince(h, s0, n.id)).map((e) => e.type);
    expect(types).not.toContain('EnergyOutageImpactChangeEvent');
    expect(types).toContain('EnergyOutageEtrChangeEvent');
    // The ETR moved before A-BAT's exhaustion (start+90 < start+95 still true) but after A-FEED's.
    const a = await impactOf(mnoA, n.id);
    expect(a.sites!.find((s) => s.siteId === 'A-BAT')!.exhaustsBeforeEtr).toBe(true);
    await patchOk(dso, n.id, { expectedOutageEndTime: plus(start, 40) });
    const a2 = await impactOf(mnoA, n.id);
    expect(
      a2
        .sites!.filter((s) => s.exhaustsBeforeEtr)
        .map((s) => s.siteId)
        .sort(),
    ).toEqual(['A-NONE', 'A-PRIO']);
    expect((await impactOf(dso, n.id)).summary!.find((s) => s.mno.id === mnoA.id)!.sitesExhaustingBeforeEtr).toBe(2);
  });

  it('a smaller area recomputes the impact: events to the MNOs whose impact changed and to the DSO', async () => {
    const s0 = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    // West part only: keeps A-BAT, A-UPS, A-GEN; A-PRIO stays through its supply id; B-IN leaves.
    await patchOk(dso, n.id, { affectedArea: { outageArea: boxPolygon([8.0, 50.0, 8.075, 50.2]) } });
    const a = await impactOf(mnoA, n.id);
    expect(a.sites!.map((s) => [s.siteId, s.matchedBy])).toEqual([
      ['A-BAT', 'area'],
      ['A-FEED', 'energySupply'],
      ['A-GEN', 'area'],
      ['A-PRIO', 'energySupply'],
      ['A-UPS', 'area'],
    ]);
    expect((await impactOf(mnoB, n.id)).sites).toEqual([]);
    const events = (await eventsSince(h, s0, n.id)).filter((e) => e.type === 'EnergyOutageImpactChangeEvent');
    expect(pairs(events, who()).sort()).toEqual([
      ['EnergyOutageImpactChangeEvent', 'A'],
      ['EnergyOutageImpactChangeEvent', 'B'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
    expect(events.find((e) => e.audience[0] === mnoB.id)!.resource.sites).toEqual([]);
    const dsoSummary = events.find((e) => e.audience[0] === dso.id)!.resource.summary as Summary[];
    expect(dsoSummary.find((s) => s.mno.id === mnoB.id)!.impactedSites).toBe(0);
    expect(dsoSummary.find((s) => s.mno.id === mnoA.id)!.impactedSites).toBe(5);
  });

  it('changing only the supply ids touches only the MNO concerned; B gets no event', async () => {
    const s0 = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    // Merge patch: the outage area stays, the supply list is replaced.
    const after = await patchOk(dso, n.id, { affectedArea: { energySupplyId: ['IMP-MTR-9'] } });
    expect(after.affectedArea).toEqual({ outageArea: boxPolygon([8.0, 50.0, 8.075, 50.2]), energySupplyId: ['IMP-MTR-9'] });
    const a = await impactOf(mnoA, n.id);
    expect(a.sites!.map((s) => s.siteId)).toEqual(['A-BAT', 'A-FAR', 'A-GEN', 'A-UPS']);
    const events = (await eventsSince(h, s0, n.id)).filter((e) => e.type === 'EnergyOutageImpactChangeEvent');
    expect(pairs(events, who()).sort()).toEqual([
      ['EnergyOutageImpactChangeEvent', 'A'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
  });

  it('a new outage start moves every exhaustion time and is an impact change', async () => {
    const s0 = await lastEventSequence(h);
    const newStart = plus(start, 10);
    await patchOk(dso, n.id, { outageStartTime: newStart });
    const a = await impactOf(mnoA, n.id);
    expect(a.sites!.find((s) => s.siteId === 'A-BAT')!.exhaustionTime).toBe(plus(newStart, 90));
    expect((await impactOf(dso, n.id)).summary!.find((s) => s.mno.id === mnoA.id)!.earliestExhaustion).toBe(plus(newStart, 5));
    const events = (await eventsSince(h, s0, n.id)).filter((e) => e.type === 'EnergyOutageImpactChangeEvent');
    expect(pairs(events, who()).sort()).toEqual([
      ['EnergyOutageImpactChangeEvent', 'A'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
  });

  it('closing the notice clears the impact, with a last impact event on both sides', async () => {
    await patchOk(dso, n.id, { status: 'restored' });
    expect((await impactOf(mnoA, n.id)).sites).toHaveLength(4);
    const s0 = await lastEventSequence(h);
    await patchOk(dso, n.id, { status: 'closed' });
    expect((await impactOf(mnoA, n.id)).sites).toEqual([]);
    expect((await impactOf(dso, n.id)).summary!.every((s) => s.impactedSites === 0)).toBe(true);
    const events = (await eventsSince(h, s0, n.id)).filter((e) => e.type === 'EnergyOutageImpactChangeEvent');
    expect(pairs(events, who()).sort()).toEqual([
      ['EnergyOutageImpactChangeEvent', 'A'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 MNO response: site reports and priority-restoration requests', () => {
  let n: Notice;
  let a1: { id: string; siteId: string };
  let b1: { id: string; siteId: string };
  let reportA: Report;

  beforeAll(async () => {
    a1 = await createMnoSite(h, mnoA, 'R-A1', [7.05, 51.05], {
      name: 'Funkturm Ost',
      backupPower: { upsInstalled: true, remainingMinutes: 100 },
    });
    await createMnoSite(h, mnoA, 'R-A2', [7.1, 51.1], { backupPower: { generator: true } });
    b1 = await createMnoSite(h, mnoB, 'R-B1', [7.15, 51.15], { backupPower: { upsInstalled: true, remainingMinutes: 15 } });
    n = await publish({ name: 'Reports', affectedArea: { outageArea: boxPolygon(REPORTS) } });
  });

  it('an MNO reports a site on battery and asks for priority restoration: 201, visible to it and the DSO, OutageSiteReportEvent to both', async () => {
    const since = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    const res = await postReport(mnoA, n.id, {
      site: { siteId: 'R-A1' },
      powerStatus: 'onBattery',
      remainingMinutes: 95,
      priorityRestoration: { requested: true, reason: 'Emergency-service coverage for Kreis Ost' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    reportA = res.body as Report;
    expect(res.headers.location).toBe(reportA.href);
    expect(reportA.href).toMatch(new RegExp(`${R}/${reportA.id}$`));
    expect(reportA).toMatchObject({
      '@type': 'OutageSiteReport',
      notice: { id: n.id },
      mno: { id: mnoA.id },
      site: { id: a1.id, siteId: 'R-A1', name: 'Funkturm Ost' },
      powerStatus: 'onBattery',
      remainingMinutes: 95,
      priorityRestoration: { requested: true, reason: 'Emergency-service coverage for Kreis Ost', status: 'requested' },
      createdAt: nowIso(),
      lastUpdate: nowIso(),
    });
    expect(reportA.history).toHaveLength(1);
    expect(reportA.history[0]).toMatchObject({ powerStatus: 'onBattery', remainingMinutes: 95, reportedAt: nowIso() });

    for (const org of [mnoA, dso]) {
      const one = await h.call('GET', `${R}/${reportA.id}`, { key: org.keys.viewer });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(reportA);
      const all = await h.call('GET', `${N}/${n.id}/siteReport`, { key: org.keys.viewer });
      expect(all.body).toEqual([reportA]);
    }
    // The other audience MNO sees neither the report nor its existence.
    expect((await h.call('GET', `${R}/${reportA.id}`, { key: mnoB.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${N}/${n.id}/siteReport`, { key: mnoB.keys.viewer })).body).toEqual([]);

    const events = await eventsSince(h, since, reportA.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'OutageSiteReportEvent', resourceType: 'outageSiteReport' });
    expect(sorted(events[0]!.audience)).toEqual(sorted([dso.id, mnoA.id]));
    expect(events[0]!.payload.description).toBe('R-A1: onBattery (priority restoration requested)');
    expect(events[0]!.resource).toMatchObject({ id: reportA.id, remainingMinutes: 95 });

    expect((await impactOf(dso, n.id)).summary!.find((s) => s.mno.id === mnoA.id)!.priorityRequests).toBe(1);
  });

  it('a second report for the same site (by Gridlink id) updates it and keeps every version in history', async () => {
    const since = await lastEventSequence(h);
    h.clock.advance(10 * MINUTE);
    const res = await postReport(mnoA, n.id, { site: { id: a1.id }, powerStatus: 'onBattery', remainingMinutes: 60 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const r = res.body as Report;
    expect(r.id).toBe(reportA.id);
    expect(r.createdAt).toBe(reportA.createdAt);
    expect(r.lastUpdate).toBe(nowIso());
    expect(r.remainingMinutes).toBe(60);
    // The open request stays as it was.
    expect(r.priorityRestoration).toEqual(reportA.priorityRestoration);
    expect(r.history.map((x) => x.remainingMinutes)).toEqual([95, 60]);
    expect(await h.db.prisma.outageSiteReport.count({ where: { noticeId: n.id, siteId: a1.id } })).toBe(1);
    expect((await eventsSince(h, since, r.id)).map((e) => e.type)).toEqual(['OutageSiteReportEvent']);
    reportA = r;
  });

  it('a site that is not in the reporting MNO\u2019s register → 422; a site reference without id or siteId → 400', async () => {
    const before = await h.db.prisma.outageSiteReport.count();
    for (const [org, site] of [
      [mnoA, { siteId: 'NO-SUCH-SITE' }],
      [mnoA, { siteId: 'R-B1' }],
      [mnoA, { id: b1.id }],
      [mnoB, { id: a1.id }],
      [mnoB, { id: '00000000-0000-4000-8000-000000000000' }],
    ] as const) {
      const res = await postReport(org, n.id, { site, powerStatus: 'down' });
      expect(res.status, JSON.stringify(site)).toBe(422);
      expect(res.body.code).toBe('UNKNOWN_SITE');
    }
    const empty = await postReport(mnoA, n.id, { site: {}, powerStatus: 'down' });
    expect(empty.status).toBe(400);
    const badStatus = await postReport(mnoA, n.id, { site: { siteId: 'R-A1' }, powerStatus: 'exploded' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.message).toContain('body.powerStatus');
    const negative = await postReport(mnoA, n.id, { site: { siteId: 'R-A1' }, powerStatus: 'onBattery', remainingMinutes: -1 });
    expect(negative.status).toBe(400);
    expect(await h.db.prisma.outageSiteReport.count()).toBe(before);
  });

  it('only the DSO decides (an MNO gets 403); acknowledge, then a second decision is a 409; PriorityRestorationDecisionEvent to both', async () => {
    const mnoTry = await decide(mnoA, reportA.id, { priorityStatus: 'acknowledged' });
    expect(mnoTry.status).toBe(403);
    const otherMno = await decide(mnoB, reportA.id, { priorityStatus: 'acknowledged' });
    expect(otherMno.status).toBe(404);
    const bad = await decide(dso, reportA.id, { priorityStatus: 'maybe' });
    expect(bad.status).toBe(400);

    const since = await lastEventSequence(h);
    h.clock.advance(MINUTE);
    const res = await decide(dso, reportA.id, { priorityStatus: 'acknowledged', decisionReason: 'Crew dispatched to feeder 12 first' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body as Report;
    expect(r.priorityRestoration).toEqual({
      requested: true,
      reason: 'Emergency-service coverage for Kreis Ost',
      status: 'acknowledged',
      decisionReason: 'Crew dispatched to feeder 12 first',
      decidedAt: nowIso(),
    });
    expect(r.history).toHaveLength(3);
    expect(r.history[2]).toMatchObject({ decidedBy: dso.id, priorityRestoration: { status: 'acknowledged' } });
    expect((await h.call('GET', `${R}/${r.id}`, { key: mnoA.keys.viewer })).body).toEqual(r);

    const again = await decide(dso, reportA.id, { priorityStatus: 'declined' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NO_OPEN_REQUEST');

    const events = await eventsSince(h, since, r.id);
    expect(events.map((e) => e.type)).toEqual(['PriorityRestorationDecisionEvent']);
    expect(sorted(events[0]!.audience)).toEqual(sorted([dso.id, mnoA.id]));
    expect(events[0]!.resource).toMatchObject({ priorityRestoration: { status: 'acknowledged' } });
    expect((await impactOf(dso, n.id)).summary!.find((s) => s.mno.id === mnoA.id)!.priorityRequests).toBe(0);
    reportA = r;
  });

  it('the DSO declines another MNO\u2019s request; that MNO sees the decision, the first MNO sees nothing of it', async () => {
    const res = await postReport(mnoB, n.id, {
      site: { siteId: 'R-B1' },
      powerStatus: 'onBattery',
      remainingMinutes: 12,
      priorityRestoration: { requested: true, reason: 'Battery nearly empty' },
    });
    expect(res.status).toBe(201);
    const rb = res.body as Report;
    const d = await decide(dso, rb.id, { priorityStatus: 'declined', decisionReason: 'Feeder cannot be restored before 04:00' });
    expect(d.status).toBe(200);
    expect((d.body as Report).priorityRestoration!.status).toBe('declined');
    expect(((await h.call('GET', `${R}/${rb.id}`, { key: mnoB.keys.viewer })).body as Report).priorityRestoration!.decisionReason).toBe(
      'Feeder cannot be restored before 04:00',
    );
    const dsoList = (await h.call('GET', `${N}/${n.id}/siteReport`, { key: dso.keys.viewer })).body as Report[];
    expect(dsoList.map((r) => r.site.siteId).sort()).toEqual(['R-A1', 'R-B1']);
    const aList = (await h.call('GET', `${N}/${n.id}/siteReport`, { key: mnoA.keys.viewer })).body as Report[];
    expect(aList.map((r) => r.site.siteId)).toEqual(['R-A1']);
  });

  it('a request can be withdrawn; a report without a request has nothing to decide (409)', async () => {
    const gen = await postReport(mnoA, n.id, { site: { siteId: 'R-A2' }, powerStatus: 'onGenerator' });
    expect(gen.status).toBe(201);
    expect((gen.body as Report).priorityRestoration).toBeUndefined();
    expect((await decide(dso, (gen.body as Report).id, { priorityStatus: 'acknowledged' })).status).toBe(409);

    const req = await postReport(mnoA, n.id, {
      site: { siteId: 'R-A2' },
      powerStatus: 'down',
      priorityRestoration: { requested: true, reason: 'Generator failed' },
    });
    expect((req.body as Report).priorityRestoration).toMatchObject({ status: 'requested', reason: 'Generator failed' });
    const withdrawn = await postReport(mnoA, n.id, {
      site: { siteId: 'R-A2' },
      powerStatus: 'onGenerator',
      priorityRestoration: { requested: false },
    });
    expect((withdrawn.body as Report).priorityRestoration).toMatchObject({
      requested: false,
      status: 'withdrawn',
      reason: 'Generator failed',
    });
    expect((withdrawn.body as Report).history.map((x) => x.powerStatus)).toEqual(['onGenerator', 'down', 'onGenerator']);
    expect((await decide(dso, (withdrawn.body as Report).id, { priorityStatus: 'acknowledged' })).status).toBe(409);
  });

  it('simultaneous reports and decisions on one site are serialised: every report kept in history, one decision wins, the other is a 409', async () => {
    const site = await createMnoSite(h, mnoA, 'R-A3', [7.12, 51.12], { backupPower: { generator: true } });
    // Six first reports of a new site at once: one creates the report, the others update it.
    const first = await Promise.all(
      [95, 90, 85, 80, 75, 70].map((m) =>
        postReport(mnoA, n.id, {
          site: { siteId: site.siteId },
          powerStatus: 'onBattery',
          remainingMinutes: m,
          priorityRestoration: { requested: true, reason: 'Hospital coverage' },
        }),
      ),
    );
    expect(first.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 201]);
    const id = (first[0]!.body as Report).id;
    expect(first.every((r) => (r.body as Report).id === id)).toBe(true);
    const stored = (await h.call('GET', `${R}/${id}`, { key: mnoA.keys.viewer })).body as Report;
    expect(stored.history.map((x) => x.remainingMinutes).sort()).toEqual([70, 75, 80, 85, 90, 95]);
    expect(await h.db.prisma.outageSiteReport.count({ where: { noticeId: n.id, siteId: site.id } })).toBe(1);

    // Two decisions and a report at once: exactly one decision wins; the report keeps it.
    const since = await lastEventSequence(h);
    const [ack, decl, again] = await Promise.all([
      decide(dso, id, { priorityStatus: 'acknowledged' }),
      decide(dso, id, { priorityStatus: 'declined' }),
      postReport(mnoA, n.id, { site: { siteId: site.siteId }, powerStatus: 'onBattery', remainingMinutes: 60 }),
    ]);
    expect(again.status).toBe(201);
    expect([ack.status, decl.status].sort()).toEqual([200, 409]);
    const winner = ack.status === 200 ? 'acknowledged' : 'declined';
    const after = (await h.call('GET', `${R}/${id}`, { key: mnoA.keys.viewer })).body as Report;
    expect(after.priorityRestoration!.status).toBe(winner);
    expect(after.history).toHaveLength(8);
    const decisions = (await eventsSince(h, since, id)).filter((e) => e.type === 'PriorityRestorationDecisionEvent');
    expect(decisions).toHaveLength(1);
  });

  it('the publishing DSO cannot write reports (403); a closed notice takes no more reports (409)', async () => {
    const res = await postReport(dso, n.id, { site: { siteId: 'R-A1' }, powerStatus: 'down' });
    expect(res.status).toBe(403);
    const m = await publish({ name: 'Short', affectedArea: { outageArea: boxPolygon(REPORTS) } });
    await moveTo(m.id, 'restored', 'closed');
    const late = await postReport(mnoA, m.id, { site: { siteId: 'R-A1' }, powerStatus: 'onGrid' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('NOTICE_FINAL');
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 ETR watch (node-cron job etr-watch, run with the injected clock)', () => {
  const run = async () => {
    const r = await h.app.scheduler.runNow('etr-watch');
    expect(r).toMatchObject({ ran: true, outcome: 'success' });
    return r;
  };

  it('an ETR passed without restoration → one EtrOverdueEvent per recipient, not repeated; again once a revised ETR passes; never after restoration', async () => {
    const n = await publish({ name: 'Overdue', expectedOutageEndTime: at(60), affectedArea: { outageArea: boxPolygon(EMPTY) } });
    let since = await lastEventSequence(h);
    await run();
    expect(await eventsSince(h, since, n.id)).toEqual([]);

    h.clock.advance(61 * MINUTE);
    await run();
    const overdue = await eventsSince(h, since, n.id);
    expect(pairs(overdue, who()).sort()).toEqual([
      ['EtrOverdueEvent', 'A'],
      ['EtrOverdueEvent', 'B'],
      ['EtrOverdueEvent', 'DSO'],
    ]);
    for (const e of overdue) {
      expect(e.resource.id).toBe(n.id);
      expect(e.payload.description).toBe(`ETR ${n.expectedOutageEndTime as string} passed without restoration`);
      expect(e.payload.eventTime).toBe(nowIso());
      if (e.audience[0] !== dso.id) expect((e.resource.audience as Ref[]).map((a) => a.id)).toEqual(e.audience);
    }

    since = await lastEventSequence(h);
    await run();
    h.clock.advance(5 * MINUTE);
    await run();
    expect(await eventsSince(h, since, n.id)).toEqual([]);

    // A revised ETR that passes again is reported again, once.
    await patchOk(dso, n.id, { expectedOutageEndTime: at(30), etrConfidence: 'high' });
    since = await lastEventSequence(h);
    await run();
    expect(await eventsSince(h, since, n.id)).toEqual([]);
    h.clock.advance(31 * MINUTE);
    await run();
    await run();
    expect(pairs(await eventsSince(h, since, n.id), who()).sort()).toEqual([
      ['EtrOverdueEvent', 'A'],
      ['EtrOverdueEvent', 'B'],
      ['EtrOverdueEvent', 'DSO'],
    ]);

    // Restored: a passed ETR is no longer overdue.
    await patchOk(dso, n.id, { expectedOutageEndTime: at(10) });
    await patchOk(dso, n.id, { status: 'restored' });
    since = await lastEventSequence(h);
    h.clock.advance(20 * MINUTE);
    await run();
    expect(await eventsSince(h, since, n.id)).toEqual([]);

    // A subset audience: only the DSO and the listed MNO.
    const only = await publish({
      name: 'Overdue B',
      expectedOutageEndTime: at(1),
      audience: [{ id: mnoB.id }],
      affectedArea: { outageArea: boxPolygon(EMPTY) },
    });
    since = await lastEventSequence(h);
    h.clock.advance(2 * MINUTE);
    await run();
    expect(pairs(await eventsSince(h, since, only.id), who()).sort()).toEqual([
      ['EtrOverdueEvent', 'B'],
      ['EtrOverdueEvent', 'DSO'],
    ]);
  });

  it('a site whose battery runs out before the ETR → BackupExhaustionRiskEvent to its MNO (with the site) and to the DSO (a count), once', async () => {
    const riskA = await createMnoSite(h, mnoA, 'W-A-RISK', [6.05, 52.05], { backupPower: { upsInstalled: true, remainingMinutes: 30 } });
    await createMnoSite(h, mnoA, 'W-A-SAFE', [6.06, 52.06], { backupPower: { upsInstalled: true, remainingMinutes: 600 } });
    await createMnoSite(h, mnoA, 'W-A-GEN', [6.07, 52.07], { backupPower: { generator: true } });
    const riskB = await createMnoSite(h, mnoB, 'W-B-RISK', [6.15, 52.15], { backupPower: { upsInstalled: true, remainingMinutes: 10 } });
    const n = await publish({
      name: 'Risk',
      outageStartTime: nowIso(),
      expectedOutageEndTime: at(120),
      affectedArea: { outageArea: boxPolygon(WATCH) },
    });

    let since = await lastEventSequence(h);
    await run();
    const risks = (await eventsSince(h, since, n.id)).filter((e) => e.type === 'BackupExhaustionRiskEvent');
    expect(pairs(risks, who()).sort()).toEqual([
      ['BackupExhaustionRiskEvent', 'A'],
      ['BackupExhaustionRiskEvent', 'B'],
      ['BackupExhaustionRiskEvent', 'DSO'],
      ['BackupExhaustionRiskEvent', 'DSO'],
    ]);
    const toA = risks.find((e) => e.audience[0] === mnoA.id)!;
    expect(toA.resource).toMatchObject({
      id: n.id,
      view: 'mno',
      notice: { id: n.id },
      expectedOutageEndTime: n.expectedOutageEndTime,
      earliestExhaustion: plus(n.outageStartTime as string, 30),
    });
    expect(toA.resource.sites).toEqual([{ id: riskA.id, siteId: 'W-A-RISK' }]);
    const toB = risks.find((e) => e.audience[0] === mnoB.id)!;
    expect(toB.resource.sites).toEqual([{ id: riskB.id, siteId: 'W-B-RISK' }]);
    expect(JSON.stringify(toB.payload)).not.toContain(mnoA.id);
    const toDso = risks.filter((e) => e.audience[0] === dso.id);
    expect(toDso.map((e) => [(e.resource.mno as Ref).id, e.resource.sitesAtRisk]).sort()).toEqual(
      [
        [mnoA.id, 1],
        [mnoB.id, 1],
      ].sort(),
    );
    for (const e of toDso) {
      expect(e.resource.view).toBe('dso');
      expect(e.resource.sites).toBeUndefined();
      const text = JSON.stringify(e.payload);
      for (const s of ['W-A-RISK', 'W-B-RISK', riskA.id, riskB.id]) expect(text).not.toContain(s);
    }

    since = await lastEventSequence(h);
    await run();
    h.clock.advance(MINUTE);
    await run();
    expect((await eventsSince(h, since, n.id)).filter((e) => e.type === 'BackupExhaustionRiskEvent')).toEqual([]);

    // A restored notice raises no risk any more.
    await patchOk(dso, n.id, { status: 'restored' });
    await patchOk(dso, n.id, { expectedOutageEndTime: at(500) });
    since = await lastEventSequence(h);
    await run();
    expect((await eventsSince(h, since, n.id)).filter((e) => e.type === 'BackupExhaustionRiskEvent')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
describe('EO-1 storm walk-through (domain.md: storm 00:34 … automation complete 02:47), end to end', () => {
  let s: Harness;
  let stadtwerk: TestOrg;
  let funk: TestOrg;
  let siteS: { id: string; siteId: string };
  let notice: Notice;
  let seq: bigint;
  const T = (hhmm: string) => `2026-11-22T${hhmm}:00.000Z`;
  const setTime = (hhmm: string) => {
    s.clock.current = new Date(T(hhmm));
  };
  /** Events written since the last step, as [type, DSO|MNO]; advances the step marker. */
  const step = async () => {
    const events = await eventsSince(s, seq);
    seq = events.at(-1)?.sequence ?? seq;
    return {
      events,
      pairs: events.map((e) => [
        e.type,
        e.audience
          .map((a) => (a === stadtwerk.id ? 'DSO' : a === funk.id ? 'MNO' : a))
          .sort()
          .join('+'),
      ]),
    };
  };
  const call = (org: TestOrg, method: string, url: string, body?: unknown) =>
    s.call(method, url, {
      key: org.keys.operator,
      ...(body !== undefined ? { body, contentType: method === 'PATCH' ? MERGE : 'application/json' } : {}),
    });

  beforeAll(async () => {
    s = await createHarness({ clock: new TestClock(new Date(T('00:00'))) });
    ({ dso: stadtwerk, mno: funk } = await s.partners({ dso: 'Stadtwerke Nord', mno: 'Funkwerk Mobil' }));
    // Site S: its battery holds 130 minutes; a second site far away is never impacted.
    siteS = await createMnoSite(s, funk, 'S-HH-0417', [9.99, 53.55], {
      name: 'Site S',
      energySupplyId: 'DE-MTR-4711',
      baseStationId: ['eNB-4711', 'gNB-4711'],
      backupPower: { upsInstalled: true, upsCapacityMinutes: 240, remainingMinutes: 130 },
      priority: true,
    });
    await createMnoSite(s, funk, 'S-HH-0999', [11.5, 54.5], { energySupplyId: 'DE-MTR-9999' });
    seq = await lastEventSequence(s);
  });
  afterAll(async () => s?.close());

  it('00:34 storm, 00:36 notice, MNO impact and answer, ETR revised, 02:38 restored, 02:47 closed', async () => {
    // 00:34 the storm: nothing in Gridlink yet.
    setTime('00:34');
    expect((await step()).events).toEqual([]);

    // 00:36 the DSO tells the MNO that site S is out: repair expected 02:45, remote control
    // will then need 5 minutes of mobile service.
    setTime('00:36');
    const created = await call(stadtwerk, 'POST', N, {
      name: 'Storm: feeder 12 tripped',
      outageKind: 'unplanned',
      cause: 'Storm damage on 20 kV feeder 12',
      causeKind: 'weather',
      outageStartTime: T('00:34'),
      reportedStartTime: T('00:35'),
      expectedOutageEndTime: T('02:45'),
      etrConfidence: 'low',
      etrSource: 'control room estimate',
      dsoRapidInterventionTime: T('02:45'),
      dsoRapidInterventionDuration: 5,
      isAffectedAreaPriority: true,
      crewStatus: 'awaitingCrewAssignment',
      affectedArea: { outageArea: boxPolygon([9.9, 53.5, 10.1, 53.6]), energySupplyId: ['DE-MTR-4711'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    notice = created.body as Notice;
    expect(notice).toMatchObject({
      status: 'confirmed',
      outageStartTime: T('00:34'),
      expectedOutageEndTime: T('02:45'),
      dsoRapidInterventionTime: T('02:45'),
      dsoRapidInterventionDuration: 5,
      creationDate: T('00:36'),
      audience: [{ id: funk.id, name: 'Funkwerk Mobil' }],
    });
    let st = await step();
    expect(st.pairs).toEqual([
      ['EnergyOutageNoticeCreateEvent', 'DSO'],
      ['EnergyOutageNoticeCreateEvent', 'MNO'],
      ['EnergyOutageImpactChangeEvent', 'MNO'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
    expect((st.events[2]!.resource.sites as ImpactedSite[]).map((x) => x.siteId)).toEqual(['S-HH-0417']);
    expect(JSON.stringify(st.events[3]!.payload)).not.toContain('S-HH-0417');

    // 00:37 the MNO sees S impacted with its battery: it runs out at 02:44, a minute before the ETR.
    setTime('00:37');
    const mnoView = await s.call('GET', `${N}/${notice.id}/impact`, { key: funk.keys.viewer });
    expect(mnoView.body.sites).toEqual([
      expect.objectContaining({
        id: siteS.id,
        siteId: 'S-HH-0417',
        matchedBy: 'both',
        priority: true,
        backupAutonomyMinutes: 130,
        exhaustionTime: T('02:44'),
        exhaustsBeforeEtr: true,
      }),
    ]);
    const dsoView = await s.call('GET', `${N}/${notice.id}/impact`, { key: stadtwerk.keys.viewer });
    expect(dsoView.body.summary).toEqual([
      {
        mno: { id: funk.id, name: 'Funkwerk Mobil', '@referredType': 'Organization' },
        impactedSites: 1,
        prioritySites: 1,
        earliestExhaustion: T('02:44'),
        sitesExhaustingBeforeEtr: 1,
        priorityRequests: 0,
      },
    ]);
    expect(JSON.stringify(dsoView.body)).not.toMatch(/S-HH-|Site S|eNB-4711/);

    // 00:38 the ETR watch warns both sides that S's battery runs out before the ETR.
    setTime('00:38');
    await s.app.scheduler.runNow('etr-watch');
    st = await step();
    expect(st.pairs).toEqual([
      ['BackupExhaustionRiskEvent', 'MNO'],
      ['BackupExhaustionRiskEvent', 'DSO'],
    ]);
    expect(st.events[0]!.resource.sites).toEqual([{ id: siteS.id, siteId: 'S-HH-0417' }]);
    expect(st.events[1]!.resource).toMatchObject({ sitesAtRisk: 1, earliestExhaustion: T('02:44') });

    // 00:40 the MNO answers: it holds back 5 minutes of battery for the DSO's intervention at 02:45,
    // serves regular traffic for 125 minutes, reports S on battery and asks for priority restoration.
    setTime('00:40');
    const answer = await call(funk, 'PATCH', `${N}/${notice.id}`, {
      mnoInterventionTime: T('02:45'),
      mnoInterventionDuration: 5,
      mnoMaxServiceDuration: 125,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const rep = await call(funk, 'POST', `${N}/${notice.id}/siteReport`, {
      site: { siteId: 'S-HH-0417' },
      powerStatus: 'onBattery',
      remainingMinutes: 126,
      priorityRestoration: { requested: true, reason: 'DSO remote control at 02:45 needs 5 minutes of mobile service at site S' },
    });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    st = await step();
    expect(st.pairs).toEqual([
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'DSO'],
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'MNO'],
      ['OutageSiteReportEvent', 'DSO+MNO'],
    ]);
    const seenByDso = (await s.call('GET', `${N}/${notice.id}`, { key: stadtwerk.keys.viewer })).body as Notice;
    expect(seenByDso.mnoResponse).toEqual([
      expect.objectContaining({ mno: expect.objectContaining({ id: funk.id }), mnoInterventionDuration: 5, mnoMaxServiceDuration: 125 }),
    ]);
    expect(new Date(seenByDso.mnoResponse[0]!.mnoInterventionTime!).toISOString()).toBe(T('02:45'));

    // 00:45 the DSO acknowledges the priority request.
    setTime('00:45');
    const ack = await call(stadtwerk, 'PATCH', `${R}/${(rep.body as Report).id}`, {
      priorityStatus: 'acknowledged',
      decisionReason: 'Feeder 12 is first on the crew list',
    });
    expect(ack.status).toBe(200);
    st = await step();
    expect(st.pairs).toEqual([['PriorityRestorationDecisionEvent', 'DSO+MNO']]);

    // 01:30 the crew is on site: ETR revised to 02:40 with high confidence. S now outlasts the outage.
    setTime('01:30');
    const revised = await call(stadtwerk, 'PATCH', `${N}/${notice.id}`, {
      expectedOutageEndTime: T('02:40'),
      etrConfidence: 'high',
      etrSource: 'field crew on site',
      crewStatus: 'arrived',
    });
    expect(revised.status).toBe(200);
    expect((revised.body as Notice).etrHistory).toEqual([
      { expectedOutageEndTime: T('02:45'), etrConfidence: 'low', etrSource: 'control room estimate', revisedAt: T('00:36') },
      { expectedOutageEndTime: T('02:40'), etrConfidence: 'high', etrSource: 'field crew on site', revisedAt: T('01:30') },
    ]);
    st = await step();
    expect(st.pairs).toEqual([
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'DSO'],
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'MNO'],
      ['EnergyOutageEtrChangeEvent', 'DSO'],
      ['EnergyOutageEtrChangeEvent', 'MNO'],
    ]);
    expect(st.events[3]!.payload.description).toBe(`ETR ${T('02:45')} -> ${T('02:40')}`);
    const mnoAfter = await s.call('GET', `${N}/${notice.id}/impact`, { key: funk.keys.viewer });
    expect(mnoAfter.body.sites[0]).toMatchObject({ exhaustionTime: T('02:44'), exhaustsBeforeEtr: false });
    setTime('01:31');
    await s.app.scheduler.runNow('etr-watch');
    expect((await step()).events).toEqual([]);

    // 02:38 the feeder is back.
    setTime('02:38');
    const restored = await call(stadtwerk, 'PATCH', `${N}/${notice.id}`, { status: 'restored', crewStatus: 'fieldComplete' });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ status: 'restored', actualOutageEndTime: T('02:38'), statusChangeDate: T('02:38') });
    const onGrid = await call(funk, 'POST', `${N}/${notice.id}/siteReport`, { site: { siteId: 'S-HH-0417' }, powerStatus: 'onGrid' });
    expect(onGrid.status).toBe(201);
    // History: the first report, the DSO's decision, the second report.
    expect((onGrid.body as Report).history.map((x) => x.powerStatus ?? (x.priorityRestoration as { status: string }).status)).toEqual([
      'onBattery',
      'acknowledged',
      'onGrid',
    ]);
    st = await step();
    expect(st.pairs).toEqual([
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'DSO'],
      ['EnergyOutageNoticeAttributeValueChangeEvent', 'MNO'],
      ['EnergyOutageNoticeStatusChangeEvent', 'DSO'],
      ['EnergyOutageNoticeStatusChangeEvent', 'MNO'],
      ['OutageSiteReportEvent', 'DSO+MNO'],
    ]);
    expect(st.events[2]!.payload.description).toBe('confirmed -> restored');

    // 02:45 the DSO's remote control runs over the mobile network; the ETR watch stays quiet
    // although 02:40 has passed, because power is back.
    setTime('02:46');
    await s.app.scheduler.runNow('etr-watch');
    expect((await step()).events).toEqual([]);

    // 02:47 automation complete: the DSO closes the notice.
    setTime('02:47');
    const closed = await call(stadtwerk, 'PATCH', `${N}/${notice.id}`, { status: 'closed', statusChangeReason: 'Automation complete' });
    expect(closed.status).toBe(200);
    const final = closed.body as Notice;
    expect(final).toMatchObject({
      status: 'closed',
      actualOutageEndTime: T('02:38'),
      outageStartTime: T('00:34'),
      expectedOutageEndTime: T('02:40'),
      lastUpdate: T('02:47'),
    });
    expect(final.statusChangeHistory.map((x) => [x.status, x.statusChangeDate])).toEqual([
      ['confirmed', T('00:36')],
      ['restored', T('02:38')],
      ['closed', T('02:47')],
    ]);
    st = await step();
    expect(st.pairs).toEqual([
      ['EnergyOutageNoticeStatusChangeEvent', 'DSO'],
      ['EnergyOutageNoticeStatusChangeEvent', 'MNO'],
      ['EnergyOutageImpactChangeEvent', 'MNO'],
      ['EnergyOutageImpactChangeEvent', 'DSO'],
    ]);
    expect(st.events[2]!.resource.sites).toEqual([]);
    expect((await call(stadtwerk, 'PATCH', `${N}/${notice.id}`, { name: 'late edit' })).status).toBe(409);

    // The MNO's view of the whole story.
    const mnoFinal = (await s.call('GET', `${N}/${notice.id}`, { key: funk.keys.viewer })).body as Notice;
    expect(mnoFinal).toMatchObject({ status: 'closed', actualOutageEndTime: T('02:38') });
    expect(mnoFinal.mnoResponse).toHaveLength(1);
    const all = await s.db.prisma.event.findMany({ where: { resourceId: notice.id }, orderBy: { sequence: 'asc' } });
    expect(all.every((e) => e.audience.length === 1)).toBe(true);
  });
});
