import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, eventsSince, lastEventSequence, type Harness, type TestOrg } from '../support/harness.js';
import { officialApi, TMF656_V5 } from '../support/officialSchema.js';

/**
 * Issue 11, points 1 and 4: TMF656 Service Problem Management v5 as a client written from
 * the official document would use it. Every response is checked against the OFFICIAL
 * schema (test/reference/tmf/TMF656-Service_Problem_Management-v5.0.0.oas.yaml) besides
 * our own document. PI-1: a DSO raises a long-running problem with its MNO partner.
 */
const BASE = '/tmf-api/serviceProblemManagement/v5';
const SP = `${BASE}/serviceProblem`;
const official = officialApi(TMF656_V5, BASE);

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

const std = (method: string, url: string, key: string, body?: unknown, contentType?: string) =>
  official.call(h, method, url, { key, body, ...(contentType ? { contentType } : {}) });

const responsibleParty = () => ({
  role: 'responsible',
  '@type': 'RelatedPartyRefOrPartyRoleRef',
  partyOrPartyRole: { id: mno.id, '@type': 'PartyRef', '@referredType': 'Organization' },
});

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
});
afterAll(async () => {
  await h.close();
});

describe('TMF656 v5 conformance: the official examples (issue 11, PI-1)', () => {
  it('the official create example: originatorParty naming the client itself is kept as its reference, not refused', async () => {
    const example = official.example('ServiceProblem_create_example_request');
    // The example names no responsible party: the problem is the originator's own (issue 11 point 2).
    const own = await std('POST', SP, dso.keys.operator, example);
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect(own.body.responsibleParty).toBeUndefined();
    expect((await std('GET', `${SP}/${own.body.id}`, mno.keys.viewer, undefined)).status).toBe(404);

    const res = await std('POST', SP, dso.keys.operator, { ...example, responsibleParty: responsibleParty() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const p = res.body;
    expect(p).toMatchObject({ status: 'acknowledged', gridlinkStatus: 'submitted', priority: 1, category: 'serviceProvider.declared' });
    // The originator is the caller; the example's own reference (SP_00001) kept in relatedParty.
    expect(p.originatorParty.partyOrPartyRole).toMatchObject({ id: dso.id, '@type': 'PartyRef' });
    expect(p.relatedParty).toEqual([
      expect.objectContaining({ role: 'ServiceProvider', partyOrPartyRole: expect.objectContaining({ id: 'SP_00001' }) }),
    ]);
    expect(p.affectedService[0]).toMatchObject({ id: 'SP00001_Service_001', '@type': 'ServiceRef' });
    await std('GET', `${SP}/${p.id}`, mno.keys.viewer);
  });

  it('the official PATCH examples (application/json and merge patch with @type) change the description', async () => {
    const created = await std('POST', SP, dso.keys.operator, {
      '@type': 'ServiceProblem',
      category: 'supplier.originated',
      description: 'Packet loss on feeder Nord',
      reason: 'unknown',
      priority: '2',
      originatorParty: { role: 'originator', partyOrPartyRole: { id: dso.id } },
      responsibleParty: responsibleParty(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.priority).toBe(2);
    const url = `${SP}/${created.body.id}`;
    for (const [name, type] of [
      ['ServiceProblem_partialupdate_example_01_request', 'application/json'],
      ['ServiceProblem_partialupdate_example_02_request', 'application/merge-patch+json'],
    ]) {
      const res = await std('PATCH', url, dso.keys.operator, official.example(name!), type);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.description).toBe('connection failure between Tokyo and Osaka at 5:00');
    }
    // Sending back what was returned (originatorParty, status, @type ...) changes nothing.
    const shown = (await std('GET', url, dso.keys.viewer)).body;
    const { id: _id, href: _href, ...echo } = shown;
    const same = await std('PATCH', url, dso.keys.operator, echo, 'application/json');
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body.lastUpdate).toBe(shown.lastUpdate);
  });

  it('the responsible side moving a submitted problem to inProgress acknowledges it on the way', async () => {
    const created = await std('POST', SP, dso.keys.operator, {
      category: 'c',
      description: 'd',
      reason: 'r',
      priority: 'High',
      responsibleParty: responsibleParty(),
    });
    expect(created.body.priority).toBe(2);
    const res = await std('PATCH', `${SP}/${created.body.id}`, mno.keys.operator, { status: 'inProgress' }, 'application/json');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('inProgress');
    const events = await eventsSince(h, 0n, created.body.id);
    expect(events.filter((e) => e.type === 'ServiceProblemStateChangeEvent').map((e) => e.payload.description)).toEqual([
      'submitted -> acknowledged',
      'acknowledged -> inProgress',
    ]);
  });
});

describe('TMF656 v5 conformance: what a conformance kit sends (issue 11)', () => {
  let id: string;

  it('create with the mandatory properties only (plus the partner) -> 201 with Location', async () => {
    const res = await std('POST', SP, dso.keys.operator, {
      category: 'x',
      description: 'Minimal problem',
      reason: 'unknown',
      priority: 5,
      responsibleParty: { role: 'responsible', partyOrPartyRole: { id: mno.id } },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body.responsibleParty).toMatchObject({
      '@type': 'RelatedPartyRefOrPartyRoleRef',
      partyOrPartyRole: { '@type': 'PartyRef' },
    });
    id = res.body.id;
  });

  it('status on create: the initial state is accepted, open work ignored with a Warning, a finished state is a 422 naming it', async () => {
    const base = { category: 'x', description: 'd', reason: 'r', priority: 3, responsibleParty: responsibleParty() };
    expect((await std('POST', SP, dso.keys.operator, { ...base, status: 'acknowledged' })).status).toBe(201);
    const bad = await std('POST', SP, dso.keys.operator, { ...base, status: 'resolved' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'INVALID_INITIAL_STATUS' });
    expect(bad.body.message).toContain("'acknowledged'");
    // Open work (the state the official TMF621 example sends) is accepted and ignored, with a Warning.
    const ignored = await std('POST', SP, dso.keys.operator, { ...base, status: 'inProgress' });
    expect(ignored.status).toBe(201);
    expect(ignored.body).toMatchObject({ status: 'acknowledged', gridlinkStatus: 'submitted' });
    expect(ignored.headers.warning).toContain("status 'inProgress' ignored");
    const word = await std('POST', SP, dso.keys.operator, { ...base, priority: 'whenever' });
    expect(word.status).toBe(400);
    expect(word.body.message).toContain('critical, high, medium');
  });

  it('get by id; fields= on GET, POST and PATCH returns exactly the listed keys plus id, href and @type', async () => {
    expect((await std('GET', `${SP}/${id}`, dso.keys.viewer)).status).toBe(200);
    const getUrl = `${SP}/${id}?fields=status,priority`;
    const got = await h.call('GET', getUrl, { key: dso.keys.viewer, skipValidation: true });
    official.expectConforms('GET', getUrl, got);
    expect(Object.keys(got.body).sort()).toEqual(['@type', 'href', 'id', 'priority', 'status']);
    const postUrl = `${SP}?fields=status`;
    const posted = await h.call('POST', postUrl, {
      key: dso.keys.operator,
      body: { category: 'x', description: 'd', reason: 'r', priority: 3, responsibleParty: responsibleParty() },
      skipValidation: true,
    });
    official.expectConforms('POST', postUrl, posted);
    expect(Object.keys(posted.body).sort()).toEqual(['@type', 'href', 'id', 'status']);
    const patchUrl = `${SP}/${posted.body.id}?fields=name`;
    const patched = await h.call('PATCH', patchUrl, {
      key: dso.keys.operator,
      body: { name: 'n' },
      contentType: 'application/json',
      skipValidation: true,
    });
    official.expectConforms('PATCH', patchUrl, patched);
    expect(patched.body).toEqual({ id: posted.body.id, href: posted.body.href, '@type': 'ServiceProblem', name: 'n' });
  });

  it('attribute filters: status=acknowledged finds submitted problems; gridlinkStatus= the exact state', async () => {
    const list = await std('GET', `${SP}?status=acknowledged`, dso.keys.viewer);
    expect(list.body.map((p: { id: string }) => p.id)).toContain(id);
    const exact = await std('GET', `${SP}?gridlinkStatus=acknowledged`, dso.keys.viewer);
    expect(exact.body.map((p: { id: string }) => p.id)).not.toContain(id);
    const byPriority = await std('GET', `${SP}?priority=5`, dso.keys.viewer);
    expect(byPriority.body.map((p: { id: string }) => p.id)).toEqual([id]);
  });

  it('trailing-slash collection URL; unknown id 404; missing mandatory 400', async () => {
    const list = await std('GET', `${SP}/`, dso.keys.viewer);
    expect(list.status).toBe(200);
    expect((await std('GET', `${SP}/00000000-0000-4000-8000-000000000000`, dso.keys.viewer)).status).toBe(404);
    const missing = await std('POST', SP, dso.keys.operator, {
      description: 'd',
      reason: 'r',
      priority: 3,
      responsibleParty: responsibleParty(),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("missing required property 'category'");
  });
});

describe('A problem without a responsible party is the originator own until it names one (issue 11 point 2, PI-1)', () => {
  const minimal = { category: 'radio.coverage', description: 'Draft: intermittent backhaul at site 12', reason: 'unknown', priority: 4 };
  const names = (list: { role: string; partyOrPartyRole: { id: string } }[]) => list;

  it('create without responsibleParty -> 201; only the originator sees it, its events and its event records', async () => {
    const since = await lastEventSequence(h);
    const res = await std('POST', SP, dso.keys.operator, minimal);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const p = res.body;
    expect(p.responsibleParty).toBeUndefined();
    expect(p.originatorParty.partyOrPartyRole).toMatchObject({ id: dso.id, name: 'Nordnetz Verteilung', '@type': 'PartyRef' });
    expect((await std('GET', `${SP}/${p.id}`, dso.keys.viewer)).status).toBe(200);
    expect((await std('GET', `${SP}/${p.id}`, mno.keys.viewer)).status).toBe(404);
    expect((await std('GET', SP, mno.keys.viewer)).body.map((x: { id: string }) => x.id)).not.toContain(p.id);
    const events = await eventsSince(h, since, p.id);
    expect(events.map((e) => [e.type, e.audience])).toEqual([['ServiceProblemCreateEvent', [dso.id]]]);
    const row = await h.db.prisma.serviceProblem.findUniqueOrThrow({ where: { id: p.id } });
    expect(row.responsibleOrgId).toBeNull();
    const records = await h.db.prisma.serviceProblemEventRecord.findMany({ where: { serviceProblemId: p.id } });
    expect(records.map((r) => [r.eventType, r.responsibleOrgId])).toEqual([['ServiceProblemCreateEvent', null]]);
    // The partner cannot act on it (not found); the originator may still work on it.
    const ack = await h.call('POST', `${BASE}/problemAcknowledgement`, { key: mno.keys.operator, body: { problem: [{ id: p.id }] } });
    expect(ack.status).toBe(404);
    const renamed = await std('PATCH', `${SP}/${p.id}`, dso.keys.operator, { name: 'Backhaul site 12' }, 'application/json');
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    // A responsibleParty that names no organisation is refused (400 naming it), nothing stored.
    const count = await h.db.prisma.serviceProblem.count();
    const vague = await std('POST', SP, dso.keys.operator, { ...minimal, responsibleParty: { role: 'responsible' } });
    expect(vague.status).toBe(400);
    expect(vague.body.message).toContain('responsibleParty');
    expect(await h.db.prisma.serviceProblem.count()).toBe(count);
  });

  it('a PATCH naming the responsible partner hands it over: the partner sees it and gets the create event', async () => {
    const p = (await std('POST', SP, dso.keys.operator, minimal)).body;
    const url = `${SP}/${p.id}`;
    const stranger = await h.createOrg('MNO', 'Fremdfunk');
    for (const [id, code] of [
      [stranger.id, 'NOT_A_PARTNER'],
      [dso.id, 'INVALID_RESPONSIBLE'],
    ]) {
      const res = await std(
        'PATCH',
        url,
        dso.keys.operator,
        { responsibleParty: { role: 'responsible', partyOrPartyRole: { id } } },
        'application/json',
      );
      expect(res.status, id).toBe(422);
      expect(res.body.code).toBe(code);
    }
    expect((await h.db.prisma.serviceProblem.findUniqueOrThrow({ where: { id: p.id } })).responsibleOrgId).toBeNull();

    const since = await lastEventSequence(h);
    const res = await std(
      'PATCH',
      url,
      dso.keys.operator,
      { responsibleParty: responsibleParty(), name: 'Handed over' },
      'application/merge-patch+json',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responsibleParty).toMatchObject({
      role: 'responsible',
      partyOrPartyRole: { id: mno.id, name: 'Funkwerk Mobil', '@type': 'PartyRef' },
      '@type': 'RelatedPartyRefOrPartyRoleRef',
    });
    const events = await eventsSince(h, since, p.id);
    expect(events.map((e) => [e.type, e.audience])).toEqual([
      ['ServiceProblemCreateEvent', [mno.id]],
      ['ServiceProblemAttributeValueChangeEvent', [dso.id]],
    ]);
    expect((await h.db.prisma.serviceProblem.findUniqueOrThrow({ where: { id: p.id } })).responsibleOrgId).toBe(mno.id);
    const seen = await std('GET', url, mno.keys.viewer);
    expect(seen.status).toBe(200);
    expect(seen.body.name).toBe('Handed over');
    // The partner sees the event records from the hand-over on, not the originator's own before it.
    const records = await h.call('GET', `${BASE}/serviceProblemEventRecord?serviceProblem.id=${p.id}`, { key: mno.keys.viewer });
    expect(records.status).toBe(200);
    expect(records.body.map((r: { eventType: string }) => r.eventType)).toEqual(['ServiceProblemCreateEvent']);
    const mine = await h.call('GET', `${BASE}/serviceProblemEventRecord?serviceProblem.id=${p.id}`, { key: dso.keys.viewer });
    expect(mine.body.map((r: { eventType: string }) => r.eventType).sort()).toEqual([
      'ServiceProblemAttributeValueChangeEvent',
      'ServiceProblemCreateEvent',
      'ServiceProblemCreateEvent',
    ]);
    // Now the normal two-party rules hold: the partner acknowledges; the parties are fixed.
    expect((await std('PATCH', url, mno.keys.operator, { status: 'inProgress' }, 'application/json')).status).toBe(200);
    const again = await std(
      'PATCH',
      url,
      dso.keys.operator,
      { responsibleParty: { role: 'responsible', partyOrPartyRole: { id: stranger.id } } },
      'application/json',
    );
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('READ_ONLY_ATTRIBUTE');
    expect(names(seen.body.relatedParty ?? [])).toEqual([]);
  });

  it('a grouped problem is handed over only after ungrouping (409, nothing changes)', async () => {
    const parent = (await std('POST', SP, dso.keys.operator, minimal)).body;
    const child = (await std('POST', SP, dso.keys.operator, minimal)).body;
    const group = await h.call('POST', `${BASE}/problemGroup`, {
      key: dso.keys.operator,
      body: { parentProblem: { id: parent.id }, childProblem: [{ id: child.id }] },
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const res = await std('PATCH', `${SP}/${child.id}`, dso.keys.operator, { responsibleParty: responsibleParty() }, 'application/json');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PROBLEM_GROUPED');
    expect((await h.db.prisma.serviceProblem.findUniqueOrThrow({ where: { id: child.id } })).responsibleOrgId).toBeNull();
  });
});
