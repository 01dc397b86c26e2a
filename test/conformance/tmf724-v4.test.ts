import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestOrg } from '../support/harness.js';
import { officialApi, TMF724_V4 } from '../support/officialSchema.js';

/**
 * Issue 11, point 4: TMF724 Incident v4 as a client written from the official document
 * would use it (the Swagger 2 document has no examples: the requests below are built from
 * its Incident_Create schema, with its own example values). Every response is checked
 * against the OFFICIAL schema (test/reference/tmf/TMF724-Incident-v4.0.1.swagger.json).
 * PI-2: a DSO reports an incident to its MNO partner.
 */
const BASE = '/tmf-api/Incident/v4';
const INC = `${BASE}/incident`;
const official = officialApi(TMF724_V4, BASE);

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

const std = (method: string, url: string, key: string, body?: unknown) => official.call(h, method, url, { key, body });

/** The official Incident_Create's mandatory properties, with the document's example values. */
const createBody = () => ({
  '@type': 'Incident',
  name: 'BTS 4711 out of service',
  category: 'BTS Software Fault',
  priority: 'critical',
  state: 'raised',
  ackState: 'unacknowledged',
  occurTime: new Date(h.clock.now().getTime() - 60_000).toISOString(),
  domain: 'RAN',
  sourceObject: [{ id: 'BTS-4711', '@type': 'ResourceEntity' }],
  // TMF724 leaves the addressee out; Gridlink needs the partner (documented deviation).
  relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id, '@referredType': 'Organization' } }],
});

beforeAll(async () => {
  // A deployment's hrefs are absolute (the official document declares them format uri).
  h = await createHarness({ env: { GRIDLINK_BASE_URL: 'https://gridlink.example' } });
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
});
afterAll(async () => {
  await h.close();
});

describe('TMF724 v4 conformance (issue 11, PI-2)', () => {
  let id: string;

  it('create with the official mandatory properties (and ackTime/updateTime, ignored) -> 201 conforming to the official Incident', async () => {
    const res = await std('POST', INC, dso.keys.operator, {
      ...createBody(),
      ackTime: '2022-03-10T04:01:12Z',
      updateTime: '2022-03-10T04:01:12Z',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body).toMatchObject({ state: 'raised', ackState: 'unacknowledged', priority: 'critical', '@type': 'Incident' });
    expect(res.body.ackTime).toBeUndefined();
    // Every party reference carries @type.
    for (const p of res.body.relatedParty)
      expect(p).toMatchObject({ '@type': expect.any(String), partyOrPartyRole: { '@type': 'PartyRef' } });
    id = res.body.id;
  });

  it('get by id (both parties) and fields= returning exactly the listed keys plus id, href and @type', async () => {
    expect((await std('GET', `${INC}/${id}`, dso.keys.viewer)).status).toBe(200);
    expect((await std('GET', `${INC}/${id}`, mno.keys.viewer)).status).toBe(200);
    const url = `${INC}/${id}?fields=state,priority`;
    const res = await h.call('GET', url, { key: dso.keys.viewer, skipValidation: true });
    official.expectConforms('GET', url, res);
    expect(Object.keys(res.body).sort()).toEqual(['@type', 'href', 'id', 'priority', 'state']);
    const postUrl = `${INC}?fields=state`;
    const posted = await h.call('POST', postUrl, { key: dso.keys.operator, body: createBody(), skipValidation: true });
    official.expectConforms('POST', postUrl, posted);
    expect(Object.keys(posted.body).sort()).toEqual(['@type', 'href', 'id', 'state']);
  });

  it('attribute filters, trailing-slash collection URL', async () => {
    const byState = await std('GET', `${INC}?state=raised&priority=critical`, dso.keys.viewer);
    expect(byState.status).toBe(200);
    expect(byState.body.map((i: { id: string }) => i.id)).toContain(id);
    const none = await std('GET', `${INC}?priority=low`, dso.keys.viewer);
    expect(none.body).toEqual([]);
    const slash = await std('GET', `${INC}/`, dso.keys.viewer);
    expect(slash.status).toBe(200);
    expect(slash.body.length).toBeGreaterThanOrEqual(1);
  });

  it('unknown id -> 404; missing mandatory -> 400 naming it; a state other than raised on create -> 400 naming raised', async () => {
    expect((await std('GET', `${INC}/00000000-0000-4000-8000-000000000000`, dso.keys.viewer)).status).toBe(404);
    const { domain: _d, ...noDomain } = createBody();
    const missing = await std('POST', INC, dso.keys.operator, noDomain);
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("missing required property 'domain'");
    const cleared = await std('POST', INC, dso.keys.operator, { ...createBody(), state: 'cleared' });
    expect(cleared.status).toBe(400);
    expect(cleared.body.message).toContain('raised');
  });

  it('diagnoseIncident and resolveIncident tasks conform to the official task schemas', async () => {
    const diag = await std('POST', `${BASE}/diagnoseIncident`, mno.keys.operator, { incident: { id } });
    expect(diag.status, JSON.stringify(diag.body)).toBe(201);
    const res = await std('POST', `${BASE}/resolveIncident`, mno.keys.operator, { incident: { id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const after = await std('GET', `${INC}/${id}`, dso.keys.viewer);
    expect(after.body.state).toBe('cleared');
  });
});
