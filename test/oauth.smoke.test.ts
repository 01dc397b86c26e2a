import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiKeyId, createHarness, ticketInput, type Harness, type TestOrg } from './support/harness.js';

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

it('client credentials', async () => {
  const id = await apiKeyId(h, dso.keys.operator);
  const t = await h.call('POST', '/tmf-api/party/v1/oauth/token', { body: `grant_type=client_credentials&client_id=${id}&client_secret=${dso.keys.operator}&scope=troubleTicket:write troubleTicket:read`, contentType: 'application/x-www-form-urlencoded' });
  expect(t.status, JSON.stringify(t.body)).toBe(200);
  const c = await h.call('POST', '/tmf-api/troubleTicket/v5/troubleTicket', { key: t.body.access_token, body: ticketInput(mno) });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  const e = await h.call('GET', '/tmf-api/energyOutage/v1/energyOutageNotice', { key: t.body.access_token });
  expect(e.status).toBe(403);
});
