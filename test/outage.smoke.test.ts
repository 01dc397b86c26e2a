import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness, type TestOrg } from './support/harness.js';

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
beforeAll(async () => {
  h = await createHarness();
  dso = await h.createOrg('DSO');
  mno = await h.createOrg('MNO');
  await h.partner(dso, mno);
});
afterAll(async () => h?.close());

it('storm smoke', async () => {
  const S = '/tmf-api/siteRegister/v1/mnoSite';
  await h.call('POST', S, { key: mno.keys.operator, body: { siteId: 'S', location: { type: 'Point', coordinates: [10.5, 53.5] }, energySupplyId: 'M-1', backupPower: { upsInstalled: true, remainingMinutes: 120 }, priority: true } });
  await h.call('POST', S, { key: mno.keys.operator, body: { siteId: 'OUT', location: { type: 'Point', coordinates: [12, 53.5] } } });
  const N = '/tmf-api/energyOutage/v1/energyOutageNotice';
  const c = await h.call('POST', N, {
    key: dso.keys.operator,
    body: { outageKind: 'unplanned', cause: 'storm', causeKind: 'weather', outageStartTime: '2026-11-21T00:34:00Z', expectedOutageEndTime: '2026-11-21T02:45:00Z', dsoRapidInterventionTime: '2026-11-21T02:45:00Z', dsoRapidInterventionDuration: 5, affectedArea: { outageArea: { type: 'Polygon', coordinates: [[[10, 53], [11, 53], [11, 54], [10, 54], [10, 53]]] } } },
  });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  const imp = await h.call('GET', `${N}/${c.body.id}/impact`, { key: mno.keys.viewer });
  expect(imp.status, JSON.stringify(imp.body)).toBe(200);
  expect(imp.body.sites.map((s: { siteId: string }) => s.siteId)).toEqual(['S']);
  expect(imp.body.sites[0].exhaustionTime).toBe('2026-11-21T02:34:00.000Z');
  const dimp = await h.call('GET', `${N}/${c.body.id}/impact`, { key: dso.keys.viewer });
  expect(dimp.body.summary[0]).toMatchObject({ impactedSites: 1, prioritySites: 1 });
  expect(JSON.stringify(dimp.body)).not.toContain('"S"');
  const a = await h.call('PATCH', `${N}/${c.body.id}`, { key: mno.keys.operator, body: { mnoInterventionTime: '2026-11-21T02:45:00Z', mnoInterventionDuration: 5 }, contentType: 'application/merge-patch+json' });
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  const r = await h.call('POST', `${N}/${c.body.id}/siteReport`, { key: mno.keys.operator, body: { site: { siteId: 'S' }, powerStatus: 'onBattery', remainingMinutes: 110, priorityRestoration: { requested: true, reason: 'emergency coverage' } } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const d = await h.call('PATCH', `/tmf-api/energyOutage/v1/siteReport/${r.body.id}`, { key: dso.keys.operator, body: { priorityStatus: 'acknowledged' }, contentType: 'application/merge-patch+json' });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  const p = await h.call('PATCH', `${N}/${c.body.id}`, { key: dso.keys.operator, body: { status: 'restored', actualOutageEndTime: '2026-11-21T02:38:00Z' }, contentType: 'application/merge-patch+json' });
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  const cap = await h.call('GET', `${N}/${c.body.id}`, { key: mno.keys.viewer, headers: { Accept: 'application/cap+xml' }, skipValidation: true });
  expect(cap.status).toBe(200);
  expect(cap.text).toContain('<msgType>Update</msgType>');
  const list = await h.call('GET', `${N}?atPoint=10.5,53.5`, { key: mno.keys.viewer });
  expect(list.body).toHaveLength(1);
  const list2 = await h.call('GET', `${N}?atPoint=12,53.5`, { key: mno.keys.viewer });
  expect(list2.body).toHaveLength(0);
});
