import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness, type TestOrg } from './support/harness.js';

let h: Harness;
let mno: TestOrg;
beforeAll(async () => {
  h = await createHarness();
  mno = await h.createOrg('MNO');
});
afterAll(async () => h?.close());

it('smoke', async () => {
  const S = '/tmf-api/siteRegister/v1/mnoSite';
  const c = await h.call('POST', S, { key: mno.keys.operator, body: { siteId: 'S1', location: { type: 'Point', coordinates: [10.1, 53.5] }, backupPower: { upsInstalled: true, remainingMinutes: 90 } } });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  const csv = 'siteId,name,longitude,latitude,energySupplyId,upsInstalled,remainingMinutes\nS2,two,10.2,53.6,M-1,true,30\nS3,bad,abc,53.6,,,\nS1,one again,10.1,53.5,M-9,true,45\n';
  const i = await h.call('POST', `${S}/import`, { key: mno.keys.operator, body: csv, contentType: 'text/csv' });
  expect(i.status, JSON.stringify(i.body)).toBe(200);
  expect(i.body).toMatchObject({ received: 3, created: 1, updated: 1, rejected: 1 });
  const l = await h.call('GET', `${S}?energySupplyId=M-9`, { key: mno.keys.viewer });
  expect(l.body).toHaveLength(1);
  expect(l.body[0].name).toBe('one again');
  expect(l.body[0].id).toBe(c.body.id);
});
