import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSockets, connectSocket, createHarness, waitFor, type Harness, type TestOrg, INC } from './support/harness.js';

/**
 * Issue 5, point 2: TMF724 Incident v4 (PI-2, EV-1): reporting, diagnoseIncident and
 * resolveIncident with their effects on state and ackState, the responding side's finding
 * with history, pushed to the reporter at once, and tenancy.
 */
const MINUTE = 60_000;

interface Incident {
  id: string;
  href: string;
  state: string;
  ackState: string;
  priority: string;
  [attribute: string]: unknown;
}

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
  other = await h.createPartner(dso, 'Drittnetz Mobil');
});
afterAll(async () => {
  closeSockets();
  await h?.close();
});

function incidentInput(to: TestOrg, overrides: Record<string, unknown> = {}) {
  return {
    name: 'RTU-4711 lost LTE connectivity',
    category: 'connectivityLoss',
    domain: 'RAN',
    priority: 'high',
    occurTime: new Date(h.clock.now().getTime() - 5 * MINUTE).toISOString(),
    incidentDetail: 'SCADA polling fails since 00:36.',
    sourceObject: [{ id: 'RTU-4711', '@type': 'GeographicSite' }],
    relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: to.id, '@referredType': 'Organization' } }],
    ...overrides,
  };
}

async function createIncident(from: TestOrg, to: TestOrg, overrides: Record<string, unknown> = {}): Promise<Incident> {
  const res = await h.call('POST', `${INC}/incident`, { key: from.keys.operator, body: incidentInput(to, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Incident;
}
const diagnose = (key: string, id: string, extra: Record<string, unknown> = {}) =>
  h.call('POST', `${INC}/diagnoseIncident`, { key, body: { incident: { id }, ...extra } });
const resolve = (key: string, id: string, extra: Record<string, unknown> = {}) =>
  h.call('POST', `${INC}/resolveIncident`, { key, body: { incident: { id }, ...extra } });
const get = async (key: string, id: string) => (await h.call('GET', `${INC}/incident/${id}`, { key })).body as Incident;
const eventsOf = (id: string) => h.db.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' } });

describe('PI-2 report an incident (POST /incident)', () => {
  it('returns 201 with state raised, ackState unacknowledged, the server-set reporter, and an event to both', async () => {
    const res = await h.call('POST', `${INC}/incident`, {
      key: dso.keys.operator,
      body: incidentInput(mno, { state: 'raised', ackState: 'unacknowledged' }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const i = res.body as Incident;
    expect(res.headers.location).toBe(i.href);
    expect(i.href).toBe(`${INC}/incident/${i.id}`);
    const now = h.clock.now().toISOString();
    expect(i).toMatchObject({
      '@type': 'Incident',
      state: 'raised',
      ackState: 'unacknowledged',
      priority: 'high',
      creationDate: now,
      updateTime: now,
    });
    expect(i.linkedEntity).toBeUndefined();
    expect(i.ackTime).toBeUndefined();
    expect((i.relatedParty as { role: string; partyOrPartyRole: { id: string } }[]).map((p) => [p.role, p.partyOrPartyRole.id])).toEqual([
      ['reporter', dso.id],
      ['responsible', mno.id],
    ]);
    expect(await get(mno.keys.viewer, i.id)).toEqual(i);
    const events = await eventsOf(i.id);
    expect(events.map((e) => e.eventType)).toEqual(['IncidentCreateEvent']);
    expect(events[0]!.audience.sort()).toEqual([dso.id, mno.id].sort());
  });

  it('derives the TMF724 priority from impact x urgency via the ITIL matrix', async () => {
    const cases: [string, string, string][] = [
      ['extensive', 'critical', 'critical'],
      ['significant', 'high', 'critical'],
      ['extensive', 'medium', 'high'],
      ['moderate', 'medium', 'medium'],
      ['minor', 'critical', 'medium'],
      ['moderate', 'low', 'low'],
      ['minor', 'low', 'low'],
    ];
    for (const [impact, urgency, priority] of cases) {
      const i = await createIncident(dso, mno, { priority: undefined, impact, urgency });
      expect(i, `${impact} x ${urgency}`).toMatchObject({ priority, impact, urgency });
    }
  });

  it('validation: 400 for schema errors, 422 for business rules; nothing stored', async () => {
    const before = await h.db.prisma.incident.count();
    const events = await h.db.prisma.event.count();
    const bad400: [Record<string, unknown>, string][] = [
      [{ sourceObject: undefined }, "missing required property 'sourceObject'"],
      [{ sourceObject: [] }, 'body.sourceObject'],
      [{ state: 'cleared' }, 'body.state'],
      [{ ackState: 'acknowledged' }, 'body.ackState'],
      [{ priority: 'urgent' }, 'body.priority'],
      // Issue 11: ackTime/clearTime/updateTime (official Incident_Create) are accepted and ignored.
      [{ ackTime: 42 }, 'body.ackTime'],
      [{ finding: { outcome: 'confirmed' } }, "unknown property 'finding'"],
    ];
    for (const [override, message] of bad400) {
      const res = await h.call('POST', `${INC}/incident`, { key: dso.keys.operator, body: incidentInput(mno, override) });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.message).toContain(message);
    }
    const stranger = await h.createOrg('MNO');
    const bad422: [Record<string, unknown>, string][] = [
      [{ priority: undefined }, 'PRIORITY_REQUIRED'],
      [{ occurTime: new Date(h.clock.now().getTime() + 3_600_000).toISOString() }, 'INVALID_TIME'],
      [{ relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: stranger.id } }] }, 'NOT_A_PARTNER'],
      // Issue 11: a reporter entry naming the caller is accepted; naming the responsible partner is not.
      [
        {
          relatedParty: [
            { role: 'reporter', partyOrPartyRole: { id: mno.id } },
            { role: 'responsible', partyOrPartyRole: { id: mno.id } },
          ],
        },
        'REPORTER_SET_BY_SERVER',
      ],
      [{ relatedParty: [{ role: 'reporter', partyOrPartyRole: { id: dso.id } }] }, 'RESPONSIBLE_REQUIRED'],
      [{ relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: dso.id } }] }, 'INVALID_RESPONSIBLE'],
      [{ relatedEntity: [{ role: 'cause', entity: { id: crypto.randomUUID(), '@referredType': 'ServiceProblem' } }] }, 'UNKNOWN_REFERENCE'],
    ];
    for (const [override, code] of bad422) {
      const res = await h.call('POST', `${INC}/incident`, { key: dso.keys.operator, body: incidentInput(mno, override) });
      expect(res.status, code).toBe(422);
      expect(res.body.code).toBe(code);
    }
    expect((await h.call('POST', `${INC}/incident`, { key: dso.keys.viewer, body: incidentInput(mno) })).status).toBe(403);
    expect(await h.db.prisma.incident.count()).toBe(before);
    expect(await h.db.prisma.event.count()).toBe(events);
  });
});

describe('diagnoseIncident and resolveIncident move the incident raised -> updated -> cleared', () => {
  it('the responsible side acknowledges, finds "confirmed, restoration at T"; the reporter hears it at once', async () => {
    const base = await h.listen();
    const socket = await connectSocket(base, { token: dso.keys.viewer });
    const i = await createIncident(dso, mno);
    h.clock.advance(3 * MINUTE);
    const etr = new Date(h.clock.now().getTime() + 2 * 3_600_000).toISOString();
    const res = await diagnose(mno.keys.operator, i.id, {
      finding: {
        outcome: 'confirmed',
        expectedRestorationTime: etr,
        description: 'Site S-0815 on battery; generator dispatched.',
        rootCause: [{ location: 'Site S-0815, rectifier', '@type': 'PowerDown' }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const now = h.clock.now().toISOString();
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body).toMatchObject({
      '@type': 'DiagnoseIncident',
      state: 'done',
      incident: { id: i.id, href: i.href },
      finding: { outcome: 'confirmed', expectedRestorationTime: etr },
    });
    const after = await get(dso.keys.viewer, i.id);
    expect(after).toMatchObject({
      state: 'updated',
      ackState: 'acknowledged',
      ackTime: now,
      updateTime: now,
      finding: {
        outcome: 'confirmed',
        expectedRestorationTime: etr,
        date: now,
        diagnosedBy: { id: mno.id, name: mno.name, role: 'responsible' },
      },
      rootCause: [{ location: 'Site S-0815, rectifier' }],
    });
    expect(after.findingHistory).toEqual([after.finding]);
    expect((await eventsOf(i.id)).map((e) => e.eventType)).toEqual([
      'IncidentCreateEvent',
      'IncidentStateChangeEvent',
      'IncidentAttributeValueChangeEvent',
    ]);
    // Pushed to the reporter (PI-2: the DSO decides to fail over on this).
    await waitFor(
      () =>
        socket.events.some((e) => e.eventType === 'IncidentAttributeValueChangeEvent' && (e.event.incident as { id: string }).id === i.id),
      10_000,
      'the finding on the DSO socket',
    );
    const pushed = socket.events.find((e) => e.eventType === 'IncidentAttributeValueChangeEvent')!;
    expect((pushed.event.incident as { finding: { outcome: string } }).finding.outcome).toBe('confirmed');
    expect(socket.events.map((e) => e.eventType)).toEqual(
      expect.arrayContaining(['DiagnoseIncidentCreateEvent', 'IncidentStateChangeEvent']),
    );
    socket.close();

    // The diagnosis is its own resource.
    const back = await h.call('GET', `${INC}/diagnoseIncident/${res.body.id}`, { key: dso.keys.viewer });
    expect(back.status).toBe(200);
    expect(back.body).toEqual(res.body);

    // Resolve: cleared (final), clearTime as given.
    h.clock.advance(60 * MINUTE);
    const clearTime = new Date(h.clock.now().getTime() - 5 * MINUTE).toISOString();
    const r = await resolve(mno.keys.operator, i.id, { clearTime, resolution: 'Mains power restored.' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ '@type': 'ResolveIncident', state: 'done', clearTime, resolution: 'Mains power restored.' });
    const cleared = await get(mno.keys.viewer, i.id);
    expect(cleared).toMatchObject({ state: 'cleared', clearTime, resolution: 'Mains power restored.', ackTime: now });
    const types = (await eventsOf(i.id)).map((e) => e.eventType);
    expect(types.at(-1)).toBe('IncidentStateChangeEvent');
    expect((await eventsOf(r.body.id)).map((e) => e.eventType)).toEqual(['ResolveIncidentCreateEvent']);

    // cleared is final: 409 naming the allowed moves (none).
    for (const res2 of [await diagnose(dso.keys.operator, i.id), await resolve(dso.keys.operator, i.id)]) {
      expect(res2.status).toBe(409);
      expect(res2.body.code).toBe('INVALID_TRANSITION');
      expect(res2.body.message).toContain('cleared is final');
    }
  });

  it('"not our network": findings by either side build a history; the reporter diagnosing does not acknowledge', async () => {
    const i = await createIncident(dso, mno);
    h.clock.advance(MINUTE);
    const own = await diagnose(dso.keys.operator, i.id, { finding: { outcome: 'underInvestigation', description: 'Checking our APN' } });
    expect(own.status).toBe(201);
    let cur = await get(mno.keys.viewer, i.id);
    expect(cur).toMatchObject({
      state: 'updated',
      ackState: 'unacknowledged',
      finding: { outcome: 'underInvestigation', diagnosedBy: { id: dso.id, role: 'reporter' } },
    });
    h.clock.advance(MINUTE);
    expect(
      (await diagnose(mno.keys.operator, i.id, { finding: { outcome: 'notOurNetwork', description: 'All cells nominal' } })).status,
    ).toBe(201);
    cur = await get(dso.keys.viewer, i.id);
    expect(cur).toMatchObject({ ackState: 'acknowledged', finding: { outcome: 'notOurNetwork' } });
    expect((cur.findingHistory as { outcome: string }[]).map((f) => f.outcome)).toEqual(['underInvestigation', 'notOurNetwork']);
    // A diagnosis without finding is an acknowledgement/update only.
    expect((await diagnose(mno.keys.operator, i.id)).status).toBe(201);
    expect((await get(dso.keys.viewer, i.id)).findingHistory).toHaveLength(2);
    const list = await h.call('GET', `${INC}/diagnoseIncident?incident.id=${i.id}&sort=creationDate`, { key: dso.keys.viewer });
    expect(list.status).toBe(200);
    expect((list.body as unknown[]).length).toBe(3);
    expect(list.headers['x-total-count']).toBe('3');
    // The reporter clears it itself (its own fault after all); the incident stays as acknowledged.
    h.clock.advance(MINUTE);
    expect((await resolve(dso.keys.operator, i.id)).status).toBe(201);
    expect(await get(dso.keys.viewer, i.id)).toMatchObject({ state: 'cleared', clearTime: h.clock.now().toISOString() });
    const filtered = await h.call('GET', `${INC}/incident?finding.outcome=notOurNetwork&state=cleared`, { key: mno.keys.viewer });
    expect((filtered.body as Incident[]).map((x) => x.id)).toEqual([i.id]);
  });

  it('resolving unacknowledged by the responsible side acknowledges too; bad input is refused', async () => {
    const i = await createIncident(dso, mno);
    const bad = await diagnose(mno.keys.operator, i.id, {
      finding: { outcome: 'notOurNetwork', expectedRestorationTime: new Date().toISOString() },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('INVALID_FINDING');
    expect((await diagnose(mno.keys.operator, i.id, { finding: { outcome: 'maybe' } })).status).toBe(400);
    expect((await h.call('POST', `${INC}/diagnoseIncident`, { key: mno.keys.operator, body: {} })).status).toBe(400);
    const early = await resolve(mno.keys.operator, i.id, { clearTime: '2000-01-01T00:00:00Z' });
    expect(early.status).toBe(422);
    const future = await resolve(mno.keys.operator, i.id, { clearTime: new Date(h.clock.now().getTime() + 3_600_000).toISOString() });
    expect(future.status).toBe(422);
    expect((await get(dso.keys.viewer, i.id)).state).toBe('raised');
    h.clock.advance(MINUTE);
    expect((await resolve(mno.keys.operator, i.id)).status).toBe(201);
    expect(await get(dso.keys.viewer, i.id)).toMatchObject({
      state: 'cleared',
      ackState: 'acknowledged',
      ackTime: h.clock.now().toISOString(),
    });
  });
});

describe('TMF630 queries', () => {
  it('lists with filters, sort, fields and counts', async () => {
    const { dso: d, mno: m } = await h.partners();
    const a = await createIncident(d, m, { priority: 'critical', domain: 'Power' });
    h.clock.advance(MINUTE);
    const b = await createIncident(d, m, { priority: 'low' });
    const res = await h.call('GET', `${INC}/incident?priority=critical,low&sort=creationDate`, { key: m.keys.viewer });
    expect((res.body as Incident[]).map((x) => x.id)).toEqual([a.id, b.id]);
    expect(res.headers['x-total-count']).toBe('2');
    const power = await h.call('GET', `${INC}/incident?domain=Power`, { key: d.keys.viewer });
    expect((power.body as Incident[]).map((x) => x.id)).toEqual([a.id]);
    const fields = await h.call('GET', `${INC}/incident/${a.id}?fields=state,priority`, { key: d.keys.viewer, skipValidation: true });
    expect(fields.body).toEqual({ id: a.id, href: a.href, '@type': 'Incident', state: 'raised', priority: 'critical' });
    expect((await h.call('GET', `${INC}/incident?colour=red`, { key: d.keys.viewer })).status).toBe(400);
  });
});

describe('tenancy: another organisation gets 404 on every operation', () => {
  it('incidents and their tasks do not exist for others', async () => {
    const i = await createIncident(dso, mno);
    const d = await diagnose(mno.keys.operator, i.id);
    const j = await createIncident(dso, mno);
    const r = await resolve(dso.keys.operator, j.id);
    const stranger = await h.createOrg('DSO');
    for (const outsider of [other, stranger]) {
      const key = outsider.keys.admin;
      expect((await h.call('GET', `${INC}/incident/${i.id}`, { key })).status).toBe(404);
      expect((await diagnose(key, i.id)).status).toBe(404);
      expect((await resolve(key, i.id)).status).toBe(404);
      expect((await h.call('GET', `${INC}/diagnoseIncident/${d.body.id}`, { key })).status).toBe(404);
      expect((await h.call('GET', `${INC}/resolveIncident/${r.body.id}`, { key })).status).toBe(404);
      for (const [path, id] of [
        ['incident', i.id],
        ['diagnoseIncident', d.body.id],
        ['resolveIncident', r.body.id],
      ] as [string, string][]) {
        const list = await h.call('GET', `${INC}/${path}`, { key });
        expect(list.status).toBe(200);
        expect((list.body as { id: string }[]).map((x) => x.id)).not.toContain(id);
      }
    }
    expect((await get(dso.keys.viewer, i.id)).state).toBe('updated');
    // A diagnosis id is not a resolution id.
    expect((await h.call('GET', `${INC}/resolveIncident/${d.body.id}`, { key: dso.keys.viewer })).status).toBe(404);
    for (const id of ['nope', crypto.randomUUID()])
      expect((await h.call('GET', `${INC}/incident/${id}`, { key: dso.keys.viewer })).status).toBe(404);
  });

  it('GW-9: no tasks while the partnership is suspended (403)', async () => {
    const d = await h.createOrg('DSO');
    const m = await h.createOrg('MNO');
    const pid = await h.partner(d, m);
    const i = await createIncident(d, m);
    await h.db.prisma.partnership.update({ where: { id: pid }, data: { status: 'suspended' } });
    expect((await diagnose(m.keys.operator, i.id)).status).toBe(403);
    expect((await resolve(d.keys.operator, i.id)).status).toBe(403);
  });
});
