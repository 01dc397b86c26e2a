import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  setRateTier,
  startReceiver,
  type CallOptions,
  type Harness,
  type Receiver,
  type TestOrg,
  MERGE,
  delivered,
} from '../support/harness.js';
import { officialApi, TMF656_V4 } from '../support/officialSchema.js';

/**
 * Issue 11, points 3 and 4: the TMF656 v4 profile, tested from the official TMF656 v4.0.0
 * document. Its only examples are attribute examples (category, priority, external
 * identifier, note); the create below is built from them, the other requests are those of
 * a v4 conformance kit. Every response is validated against the OFFICIAL v4 schema (the
 * hrefs are absolute here: TMF656 v4 declares `href` as `format: uri`).
 */
const BASE_URL = 'https://gridlink.example';
const V4 = '/tmf-api/serviceProblemManagement/v4';
const V5 = '/tmf-api/serviceProblemManagement/v5';
const official = officialApi(TMF656_V4, V4);

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let other: TestOrg;
const receivers: Receiver[] = [];

const v4 = (method: string, path: string, opts: CallOptions = {}) => official.call(h, method, `${V4}${path}`, opts);

const party = (org: TestOrg, role: string) => ({ id: org.id, role, '@referredType': 'Organization' });

/** The mandatory attributes of TMF656 v4 ServiceProblem_Create, addressed to a partner. */
const minimal = (from: TestOrg, to: TestOrg, extra: Record<string, unknown> = {}) => ({
  category: 'supplier.originated',
  priority: 3,
  description: 'Availability of 40 RTUs on the LTE network fell from 99.9 % to 97.5 % in two weeks.',
  reason: 'Unknown',
  originatorParty: party(from, 'originator'),
  responsibleParty: party(to, 'responsible'),
  ...extra,
});

/** The attribute examples of the official document (`example` values), as one create. */
function fromOfficialExamples(from: TestOrg, to: TestOrg) {
  const defs = (official.document as { definitions: Record<string, { properties: Record<string, { example?: unknown }> }> }).definitions;
  const ex = (schema: string, attr: string) => {
    const v = defs[schema]!.properties[attr]!.example;
    return Array.isArray(v) ? v[0] : v;
  };
  return minimal(from, to, {
    category: ex('ServiceProblem_Create', 'category'),
    priority: ex('ServiceProblem_Create', 'priority'),
    externalIdentifier: [
      {
        id: ex('ExternalIdentifier', 'id'),
        externalIdentifierType: ex('ExternalIdentifier', 'externalIdentifierType'),
        owner: ex('ExternalIdentifier', 'owner'),
      },
    ],
    note: [{ text: ex('Note', 'text') }],
  });
}

beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_BASE_URL: BASE_URL } });
  await h.listen();
  ({ dso, mno } = await h.partners());
  other = await h.createPartner(dso);
  for (const o of [dso, mno, other]) await setRateTier(h, o.id, 'unlimited');
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h?.close();
});

describe('TMF656 v4 profile: conformance-kit requests (PI-1)', () => {
  it('create from the official document examples -> 201, Location, v4 shape', async () => {
    const res = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: fromOfficialExamples(dso, mno) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    expect(res.headers.location).toBe(`${BASE_URL}${V4}/serviceProblem/${id}`);
    expect(res.body).toMatchObject({
      href: `${BASE_URL}${V4}/serviceProblem/${id}`,
      '@type': 'ServiceProblem',
      category: 'serviceProvider.declarer',
      priority: 1,
      status: 'acknowledged',
      gridlinkStatus: 'submitted',
      originatorParty: { id: dso.id, role: 'originator', name: dso.name, '@referredType': 'Organization' },
      responsibleParty: { id: mno.id, role: 'responsible', name: mno.name, '@referredType': 'Organization' },
      externalIdentifier: [{ id: 'MC2255771199555', externalIdentifierType: 'ProductOrder', owner: 'MagentoCommerce' }],
      note: [expect.objectContaining({ text: 'This is important', author: dso.name })],
      trackingRecord: [expect.objectContaining({ description: 'create' })],
    });
    expect(res.body.originatorParty).not.toHaveProperty('partyOrPartyRole');
    expect(res.body).not.toHaveProperty('statusChangeHistory');
  });

  it('create with v4-shaped references and ignored server attributes', async () => {
    const res = await v4('POST', '/serviceProblem', {
      key: dso.keys.operator,
      body: minimal(dso, mno, {
        '@type': 'ServiceProblem',
        name: 'LTE availability Nordfeld',
        status: 'acknowledged',
        creationDate: '2001-01-01T00:00:00Z',
        lastUpdate: '2001-01-01T00:00:00Z',
        resolutionDate: '2001-01-01T00:00:00Z',
        trackingRecord: [{ description: 'forged' }],
        slaViolation: [{ id: 'forged' }],
        affectedLocation: [{ id: 'RTU-4711', role: 'affectedSite', '@referredType': 'Site', name: 'RTU 4711' }],
        relatedEntity: [{ id: 'ALM-1', role: 'evidence', '@referredType': 'Alarm' }],
        firstAlert: { id: 'TCA-9', role: 'thresholdCrossing', '@referredType': 'Alarm' },
        characteristic: [{ name: 'availability', value: 97.5, valueType: 'number' }],
        affectedService: [{ id: 'LTE-APN-SCADA', name: 'SCADA APN' }],
        parentProblem: [],
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      name: 'LTE availability Nordfeld',
      creationDate: h.clock.now().toISOString(),
      affectedLocation: [{ id: 'RTU-4711', role: 'affectedSite', '@referredType': 'Site', name: 'RTU 4711' }],
      relatedEntity: [{ id: 'ALM-1', role: 'evidence', '@referredType': 'Alarm' }],
      firstAlert: { id: 'TCA-9', role: 'thresholdCrossing', '@referredType': 'Alarm' },
      characteristic: [expect.objectContaining({ name: 'availability', value: 97.5 })],
      affectedService: [{ id: 'LTE-APN-SCADA', name: 'SCADA APN' }],
    });
    expect(res.body).not.toHaveProperty('resolutionDate');
    expect(res.body.trackingRecord.map((t: { description: string }) => t.description)).toEqual(['create']);
    expect(res.body.slaViolation ?? []).toEqual([]);
  });

  it('status other than acknowledged on create -> 422; parentProblem on create -> 422; nothing written', async () => {
    const count = async () => (await h.db.pool.query('SELECT count(*)::int AS n FROM service_problem')).rows[0].n as number;
    const before = await count();
    const s = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno, { status: 'resolved' }) });
    expect(s.status).toBe(422);
    expect(s.body.message).toMatch(/acknowledged/);
    const g = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno, { parentProblem: [{ id: 'x' }] }) });
    expect(g.status).toBe(422);
    expect(await count()).toBe(before);
  });

  it.each(['category', 'priority', 'description', 'reason', 'originatorParty'])('missing mandatory %s -> 400 naming it', async (attr) => {
    const body: Record<string, unknown> = minimal(dso, mno);
    delete body[attr];
    const res = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(attr);
  });

  it('get by id; fields= returns exactly the listed attributes plus id, href and @type; unknown id -> 404', async () => {
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) });
    const full = await v4('GET', `/serviceProblem/${c.body.id}`, { key: mno.keys.viewer });
    expect(full.status).toBe(200);
    expect(full.body).toEqual(c.body);
    const res = await h.call('GET', `${V4}/serviceProblem/${c.body.id}?fields=status,priority,responsibleParty`, { key: dso.keys.viewer });
    official.expectConforms('GET', `${V4}/serviceProblem/${c.body.id}`, res);
    expect(Object.keys(res.body).sort()).toEqual(['@type', 'href', 'id', 'priority', 'responsibleParty', 'status']);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'no-such-problem']) {
      expect((await v4('GET', `/serviceProblem/${id}`, { key: dso.keys.viewer })).status).toBe(404);
    }
  });

  it('attribute filters use v4 names (responsibleParty.id, category, status, affectedLocation.id); trailing slash', async () => {
    const a = await v4('POST', '/serviceProblem', {
      key: dso.keys.operator,
      body: minimal(dso, other, { category: 'availability', affectedLocation: [{ id: 'SITE-F1', role: 'affectedSite' }] }),
    });
    const b = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, other, { category: 'latency' }) });
    const ids = (r: { body: { id: string }[] }) => r.body.map((p) => p.id).sort();
    const mine = await v4('GET', `/serviceProblem?responsibleParty.id=${other.id}`, { key: dso.keys.viewer });
    expect(ids(mine)).toEqual([a.body.id, b.body.id].sort());
    expect(mine.headers['x-total-count']).toBe('2');
    expect(ids(await v4('GET', `/serviceProblem?responsibleParty.id=${other.id}&category=latency`, { key: dso.keys.viewer }))).toEqual([
      b.body.id,
    ]);
    expect(ids(await v4('GET', '/serviceProblem?affectedLocation.id=SITE-F1', { key: dso.keys.viewer }))).toEqual([a.body.id]);
    expect(
      ids(
        await v4('GET', `/serviceProblem?status=acknowledged&originatorParty.id=${dso.id}&responsibleParty.id=${other.id}`, {
          key: other.keys.viewer,
        }),
      ),
    ).toEqual([a.body.id, b.body.id].sort());
    const slash = await v4('GET', `/serviceProblem/?responsibleParty.id=${other.id}&fields=category`, { key: other.keys.viewer });
    expect(slash.status).toBe(200);
    expect(slash.body.map((p: Record<string, unknown>) => Object.keys(p).sort())).toEqual([
      ['@type', 'category', 'href', 'id'],
      ['@type', 'category', 'href', 'id'],
    ]);
    expect((await v4('GET', '/serviceProblem?responsibleParty.partyOrPartyRole.id=x', { key: dso.keys.viewer })).status).toBe(400);
  });

  it('another organisation -> 404 on get, patch and delete, absent from its list', async () => {
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) });
    expect((await v4('GET', `/serviceProblem/${c.body.id}`, { key: other.keys.admin })).status).toBe(404);
    expect(
      (await v4('PATCH', `/serviceProblem/${c.body.id}`, { key: other.keys.admin, body: { description: 'hijacked' }, contentType: MERGE }))
        .status,
    ).toBe(404);
    expect((await v4('DELETE', `/serviceProblem/${c.body.id}`, { key: other.keys.admin })).status).toBe(404);
    expect((await v4('GET', '/serviceProblem', { key: other.keys.admin })).body.map((p: { id: string }) => p.id)).not.toContain(c.body.id);
  });

  it('patch: the responsible acknowledges and works the problem; notes are appended; an echo changes nothing', async () => {
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) });
    const id = c.body.id as string;
    const echo = await v4('PATCH', `/serviceProblem/${id}`, {
      key: dso.keys.operator,
      body: {
        status: c.body.status,
        originatorParty: c.body.originatorParty,
        responsibleParty: c.body.responsibleParty,
        category: c.body.category,
      },
      contentType: 'application/json',
    });
    expect(echo.status, JSON.stringify(echo.body)).toBe(200);
    expect(echo.body.lastUpdate).toBe(c.body.lastUpdate);
    const ack = await v4('PATCH', `/serviceProblem/${id}`, {
      key: mno.keys.operator,
      body: { status: 'acknowledged' },
      contentType: MERGE,
    });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body).not.toHaveProperty('gridlinkStatus');
    const wip = await v4('PATCH', `/serviceProblem/${id}`, {
      key: mno.keys.operator,
      body: { status: 'inProgress', priority: 2, note: [{ text: 'analysing cell logs' }] },
      contentType: 'application/json',
    });
    expect(wip.status, JSON.stringify(wip.body)).toBe(200);
    expect(wip.body).toMatchObject({ status: 'inProgress', priority: 2 });
    expect(wip.body.note).toEqual([expect.objectContaining({ text: 'analysing cell logs', author: mno.name })]);
    expect(
      (await v4('PATCH', `/serviceProblem/${id}`, { key: dso.keys.operator, body: { status: 'resolved' }, contentType: MERGE })).status,
    ).toBe(409);
    const moved = await v4('PATCH', `/serviceProblem/${id}`, {
      key: dso.keys.operator,
      body: { responsibleParty: party(other, 'responsible') },
      contentType: MERGE,
    });
    expect(moved.status).toBe(422);
  });

  it('delete by the originator admin -> 204, then 404 in v4 and v5', async () => {
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) });
    expect((await v4('DELETE', `/serviceProblem/${c.body.id}`, { key: dso.keys.admin })).status).toBe(204);
    expect((await v4('GET', `/serviceProblem/${c.body.id}`, { key: dso.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${V5}/serviceProblem/${c.body.id}`, { key: dso.keys.viewer })).status).toBe(404);
  });
});

describe('TMF656 v4 and v5 serve the same problems (issue 11 point 3)', () => {
  it('created through v4, read and patched through v5; created through v5, read and patched through v4', async () => {
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) });
    const v5 = await h.call('GET', `${V5}/serviceProblem/${c.body.id}`, { key: mno.keys.viewer });
    expect(v5.body.gridlinkStatus ?? v5.body.status).toBe('submitted');
    expect(v5.body).toMatchObject({
      responsibleParty: { role: 'responsible', partyOrPartyRole: expect.objectContaining({ id: mno.id }) },
    });
    const ack = await h.patch(`${V5}/serviceProblem/${c.body.id}`, mno.keys.operator, { status: 'acknowledged' });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect((await v4('GET', `/serviceProblem/${c.body.id}`, { key: dso.keys.viewer })).body).toMatchObject({ status: 'acknowledged' });

    const p5 = await h.call('POST', `${V5}/serviceProblem`, {
      key: dso.keys.operator,
      body: {
        category: 'latency',
        priority: 4,
        description: 'Latency above 300 ms on 12 sites.',
        reason: 'unknown',
        responsibleParty: { role: 'responsible', partyOrPartyRole: { id: mno.id, '@referredType': 'Organization' } },
        affectedLocation: [{ role: 'affectedSite', place: { id: 'SITE-L1', '@referredType': 'Site' } }],
      },
    });
    expect(p5.status, JSON.stringify(p5.body)).toBe(201);
    const read = await v4('GET', `/serviceProblem/${p5.body.id}`, { key: mno.keys.viewer });
    expect(read.body).toMatchObject({ affectedLocation: [{ id: 'SITE-L1', role: 'affectedSite', '@referredType': 'Site' }] });
    const p = await v4('PATCH', `/serviceProblem/${p5.body.id}`, {
      key: mno.keys.operator,
      body: { status: 'acknowledged', note: [{ text: 'checking backhaul' }] },
      contentType: MERGE,
    });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const back = await h.call('GET', `${V5}/serviceProblem/${p5.body.id}`, { key: dso.keys.viewer });
    expect(back.body).toMatchObject({ status: 'acknowledged', note: [expect.objectContaining({ text: 'checking backhaul' })] });
  });
});

describe('TMF656 v4: a problem without responsibleParty, handed over later (issue 11 point 2, PI-1)', () => {
  it('v4 create without responsibleParty is the originator own; a v4 PATCH naming the partner hands it over', async () => {
    const { responsibleParty: _none, ...body } = minimal(dso, mno);
    const c = await v4('POST', '/serviceProblem', { key: dso.keys.operator, body });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body.responsibleParty).toBeUndefined();
    expect((await v4('GET', `/serviceProblem/${c.body.id}`, { key: mno.keys.viewer })).status).toBe(404);
    const moved = await v4('PATCH', `/serviceProblem/${c.body.id}`, {
      key: dso.keys.operator,
      body: { responsibleParty: party(mno, 'responsible') },
      contentType: MERGE,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.responsibleParty).toMatchObject({ id: mno.id, role: 'responsible', name: mno.name });
    const seen = await v4('GET', `/serviceProblem/${c.body.id}`, { key: mno.keys.viewer });
    expect(seen.status).toBe(200);
    expect(seen.body.originatorParty).toMatchObject({ id: dso.id });
  });
});

describe('TMF656 v4 task resources and event records (issue 11 point 3, PI-1)', () => {
  it('problemAcknowledgement, problemGroup and problemUngroup through v4; the official v4 schemas hold; event records listed', async () => {
    const a = (await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) })).body;
    const b = (await v4('POST', '/serviceProblem', { key: dso.keys.operator, body: minimal(dso, mno) })).body;
    // The originator cannot acknowledge (409); the responsible organisation can, as a v4 task.
    expect((await v4('POST', '/problemAcknowledgement', { key: dso.keys.operator, body: { problem: [{ id: a.id }] } })).status).toBe(409);
    const ack = await v4('POST', '/problemAcknowledgement', {
      key: mno.keys.operator,
      body: { problem: [{ id: a.id }, { id: b.id }], trackingRecord: { description: 'ack from NOC', user: 'noc-7' } },
    });
    expect(ack.status, JSON.stringify(ack.body)).toBe(201);
    expect(ack.headers.location).toBe(ack.body.href);
    expect(ack.body.href).toContain(`${V4}/problemAcknowledgement/`);
    const acks = ack.body.ackProblem.map((r: { id: string; href: string }) => [r.id, r.href.includes(`${V4}/serviceProblem/`)]);
    expect(acks.sort()).toEqual(
      [
        [a.id, true],
        [b.id, true],
      ].sort(),
    );
    const acked = (await v4('GET', `/serviceProblem/${a.id}`, { key: dso.keys.viewer })).body;
    expect(acked).toMatchObject({ status: 'acknowledged' });
    // The official TrackingRecord's user and time are accepted; the server's values stand.
    expect(acked.trackingRecord.at(-1)).toMatchObject({ description: 'ack from NOC', user: expect.stringContaining(mno.id) });
    expect((await h.call('GET', `${V5}/serviceProblem/${a.id}`, { key: dso.keys.viewer })).body.gridlinkStatus).toBeUndefined();
    // Read back under v4 (Gridlink addition) and under v5: the same task.
    expect((await h.call('GET', `${V4}/problemAcknowledgement/${ack.body.id}`, { key: dso.keys.viewer })).status).toBe(200);
    expect((await h.call('GET', `${V5}/problemAcknowledgement/${ack.body.id}`, { key: dso.keys.viewer })).status).toBe(200);

    const group = await v4('POST', '/problemGroup', {
      key: dso.keys.operator,
      body: { parentProblem: { id: a.id }, childProblem: [{ id: b.id }] },
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    expect((await v4('GET', `/serviceProblem/${b.id}`, { key: mno.keys.viewer })).body.parentProblem).toEqual([
      expect.objectContaining({ id: a.id, href: expect.stringContaining(`${V4}/serviceProblem/${a.id}`) }),
    ]);
    const ungroup = await v4('POST', '/problemUngroup', {
      key: mno.keys.operator,
      body: { parentProblem: { id: a.id }, childProblem: [{ id: b.id }] },
    });
    expect(ungroup.status, JSON.stringify(ungroup.body)).toBe(201);
    expect((await v4('GET', `/serviceProblem/${b.id}`, { key: mno.keys.viewer })).body.parentProblem).toBeUndefined();

    const records = await v4('GET', `/serviceProblemEventRecord?serviceProblem.id=${a.id}`, { key: mno.keys.viewer });
    expect(records.status).toBe(200);
    expect(records.body.map((r: { eventType: string }) => r.eventType)).toEqual(
      expect.arrayContaining(['ServiceProblemCreateEvent', 'ServiceProblemStateChangeEvent', 'ServiceProblemAttributeValueChangeEvent']),
    );
    const one = await v4('GET', `/serviceProblemEventRecord/${records.body[0].id}`, { key: dso.keys.viewer });
    expect(one.status).toBe(200);
    expect(one.body.serviceProblem).toMatchObject({ id: a.id, href: expect.stringContaining(`${V4}/serviceProblem/${a.id}`) });
    // Another organisation: not found.
    expect((await v4('GET', `/serviceProblemEventRecord/${records.body[0].id}`, { key: other.keys.viewer })).status).toBe(404);
    expect((await v4('POST', '/problemAcknowledgement', { key: other.keys.operator, body: { problem: [{ id: a.id }] } })).status).toBe(404);
  });
});

describe('TMF656 v4 hub: v4 event shapes (issue 11 point 3)', () => {
  it('registerListener; create and state change events arrive in the v4 structure; unregister stops them', async () => {
    const r4 = await startReceiver();
    receivers.push(r4);
    const hub = await v4('POST', '/hub', { key: mno.keys.operator, body: { callback: r4.url } });
    expect(hub.status, JSON.stringify(hub.body)).toBe(201);
    expect(hub.headers.location).toBe(`${BASE_URL}${V4}/hub/${hub.body.id}`);
    const c = await h.call('POST', `${V5}/serviceProblem`, {
      key: dso.keys.operator,
      body: {
        category: 'availability',
        priority: 5,
        description: 'Hub probe',
        reason: 'unknown',
        responsibleParty: { role: 'responsible', partyOrPartyRole: { id: mno.id } },
      },
    });
    expect(c.status).toBe(201);
    await delivered(h, r4, 1);
    const [created] = r4.events();
    expect(created!.eventType).toBe('ServiceProblemCreateEvent');
    const check = official.schema('ServiceProblemCreateEvent');
    expect(check(created), JSON.stringify(check.errors)).toBe(true);
    expect(created!.event.serviceProblem).toMatchObject({
      id: c.body.id,
      href: `${BASE_URL}${V4}/serviceProblem/${c.body.id}`,
      status: 'acknowledged',
      responsibleParty: { id: mno.id, role: 'responsible' },
    });
    expect(created).toHaveProperty('timeOcurred');

    expect(
      (await v4('PATCH', `/serviceProblem/${c.body.id}`, { key: mno.keys.operator, body: { status: 'acknowledged' }, contentType: MERGE }))
        .status,
    ).toBe(200);
    await delivered(h, r4, 2);
    const change = r4.events()[1]!;
    expect(change.eventType).toBe('ServiceProblemStateChangeEvent');
    const checkChange = official.schema('ServiceProblemStateChangeEvent');
    expect(checkChange(change), JSON.stringify(checkChange.errors)).toBe(true);

    // v5-only events (a delete) are not delivered on a v4 hub.
    expect((await v4('DELETE', `/hub/${hub.body.id}`, { key: other.keys.operator })).status).toBe(404);
    expect((await v4('DELETE', `/hub/${hub.body.id}`, { key: mno.keys.operator })).status).toBe(204);
    expect((await h.patch(`${V5}/serviceProblem/${c.body.id}`, mno.keys.operator, { status: 'inProgress' })).status).toBe(200);
    await h.app.webhooks.deliverDue();
    expect(r4.events()).toHaveLength(2);
  });
});
