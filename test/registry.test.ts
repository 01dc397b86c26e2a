import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ticketInput, type Harness, type TestOrg, TT, REPORT } from './support/harness.js';
import { RESOURCES } from '../src/modules/registry.js';
import { REFERRED_TYPE } from '../src/modules/links/links.service.js';
import { SOURCES as SLA_SOURCES } from '../src/modules/sla/sla.sources.js';
import { EXPORT_TYPES } from '../src/modules/sla/sla.exports.js';

/**
 * Issue 15: one definition per resource (src/modules/registry.ts). Links, SLA clocks and
 * exports read resource tables with their own SQL; they take the table and the tenancy rule
 * from the registry, so a row of another organisation stays out of each of them.
 */
const SP = '/tmf-api/serviceProblemManagement/v5/serviceProblem';
const DAY = '2026-11-21';

let h: Harness;
let dir: string;
let dso: TestOrg;
let mnoA: TestOrg;
let mnoB: TestOrg;
let pairB: string;
let ticketA: string;
let ticketB: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-registry-test-'));
  h = await createHarness({ env: { GRIDLINK_EXPORT_DIR: dir } });
  dso = await h.createOrg('DSO', 'Registry DSO');
  mnoA = await h.createOrg('MNO', 'Registry MNO A');
  mnoB = await h.createOrg('MNO', 'Registry MNO B');
  await h.partner(dso, mnoA);
  pairB = await h.partner(dso, mnoB);
  h.clock.current = new Date(`${DAY}T08:00:00.000Z`);
  const a = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mnoA, { name: 'Between the DSO and MNO A' }) });
  expect(a.status).toBe(201);
  ticketA = a.body.id as string;
  const b = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mnoB, { name: 'Between the DSO and MNO B' }) });
  expect(b.status).toBe(201);
  ticketB = b.body.id as string;
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('issue 15: every resource read outside its module has one registry entry', () => {
  it('linkable, SLA and exported resources are registry entries; their tables and parties are the entry’s', () => {
    const registered = new Map(Object.values(RESOURCES).map((r) => [r.type, r]));
    for (const type of [...Object.values(REFERRED_TYPE), ...Object.keys(SLA_SOURCES), ...EXPORT_TYPES]) {
      expect(registered.get(type), `${type} has a registry entry`).toBeDefined();
    }
    for (const [type, s] of Object.entries(SLA_SOURCES)) {
      const def = registered.get(type)!.store.def;
      expect([s.table, s.reporter, s.responsible], type).toEqual([def.table, ...def.tenancy]);
    }
  });

  it('every entry declares who sees its rows and names an API that is served at its base path', () => {
    for (const r of Object.values(RESOURCES)) {
      expect(r.store.def.tenancy.length, `${r.type} tenancy`).toBeGreaterThan(0);
      expect(h.app.apis.find((a) => a.name === r.api && !a.profileOf)?.basePath, `${r.type} api`).toBe(r.basePath);
    }
  });
});

describe('issue 15: a row of another organisation stays out of links, SLA reports and exports (tenancy from the registry)', () => {
  it('links: MNO B cannot reference the ticket between the DSO and MNO A (422, as if it did not exist); its own, it can', async () => {
    const problem = (ticket: string) => ({
      category: 'c',
      description: 'Latency trend',
      reason: 'unknown',
      priority: 4,
      responsibleParty: { role: 'responsible', partyOrPartyRole: { id: dso.id } },
      troubleTicket: [{ id: ticket }],
    });
    const res = await h.call('POST', SP, { key: mnoB.keys.operator, body: problem(ticketA) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('UNKNOWN_REFERENCE');
    const ok = await h.call('POST', SP, { key: mnoB.keys.operator, body: problem(ticketB) });
    expect(ok.status).toBe(201);
  });

  it("SLA KPIs of the DSO-MNO B partnership count only that pair's tickets", async () => {
    const res = await h.call('GET', `${REPORT}/partnership/${pairB}/kpi?from=${DAY}T00:00:00.000Z&to=${DAY}T23:59:59.000Z`, {
      key: mnoB.keys.viewer,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.troubleTicket.created).toBe(1);
  });

  it("ETL-1 exports: MNO B's export holds its own tickets, never the DSO-MNO A ticket; the DSO's holds all", async () => {
    h.clock.current = new Date('2026-11-22T02:00:00.000Z');
    const run = await h.app.scheduler.runNow('nightly-export');
    expect(run.outcome, run.detail).toBe('success');
    const ids = (org: TestOrg) =>
      fs
        .readFileSync(path.join(dir, org.id, DAY, 'troubleTicket.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids(mnoB)).toContain(ticketB);
    expect(ids(mnoB)).not.toContain(ticketA);
    expect(ids(mnoA)).toEqual([ticketA]);
    expect(ids(dso)).toEqual(expect.arrayContaining([ticketA, ticketB]));
  });
});
