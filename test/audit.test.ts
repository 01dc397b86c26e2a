import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, ticketInput, type Harness, type TestOrg, TT } from './support/harness.js';

/**
 * Issue 6, point 5 (GW-2): the audit trail through the audit API. Organisation admins see
 * their own rows, the platform token everything; TMF630 filters and paging; NDJSON export;
 * retrieval by id; the `security-retention` purge job.
 */
const AUDIT = '/tmf-api/audit/v1/auditRecord';

interface AuditRecord {
  id: string;
  time: string;
  organizationId?: string;
  outcome: string;
  status: number;
  path: string;
}

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let startedAt: string;
beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_AUDIT_RETENTION_DAYS: '30' } });
  ({ dso, mno } = await h.partners());
  startedAt = new Date(Date.now() - 1000).toISOString();
  expect((await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno) })).status).toBe(201);
  expect((await h.call('POST', TT, { key: mno.keys.operator, body: ticketInput(dso) })).status).toBe(201);
  for (let i = 0; i < 3; i++) expect((await h.call('GET', TT, { key: dso.keys.viewer })).status).toBe(200);
  expect((await h.call('POST', TT, { key: dso.keys.viewer, body: ticketInput(mno) })).status).toBe(403);
  expect((await h.call('DELETE', `${TT}/00000000-0000-4000-8000-000000000000`, { key: mno.keys.operator })).status).toBe(403);
  await h.app.audit.flush();
});
afterAll(async () => h?.close());

describe('GW-2 audit query', () => {
  it('an organisation admin sees only its own rows; an operator key is refused', async () => {
    const r = await h.call('GET', `${AUDIT}?limit=1000`, { key: dso.keys.admin });
    expect(r.status).toBe(200);
    const rows = r.body as AuditRecord[];
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(new Set(rows.map((x) => x.organizationId))).toEqual(new Set([dso.id]));
    expect(Number(r.headers['x-total-count'])).toBe(rows.length);
    expect((await h.call('GET', AUDIT, { key: dso.keys.operator })).status).toBe(403);
    expect((await h.call('GET', AUDIT, { key: dso.keys.viewer })).status).toBe(403);
    expect((await h.call('GET', AUDIT)).status).toBe(401);
  });

  it('the platform token sees every organisation', async () => {
    const r = await h.call('GET', `${AUDIT}?limit=1000`, { key: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    const orgs = new Set((r.body as AuditRecord[]).map((x) => x.organizationId));
    expect(orgs.has(dso.id) && orgs.has(mno.id)).toBe(true);
  });

  it('filters (outcome=refused, time.gte) and paging headers', async () => {
    const refused = await h.call('GET', `${AUDIT}?outcome=refused`, { key: dso.keys.admin });
    expect(refused.status).toBe(200);
    expect((refused.body as AuditRecord[]).length).toBeGreaterThanOrEqual(1);
    for (const row of refused.body as AuditRecord[]) {
      expect(row.outcome).toBe('refused');
      expect(row.status).toBeGreaterThanOrEqual(400);
    }
    const future = await h.call('GET', `${AUDIT}?time.gte=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, {
      key: dso.keys.admin,
    });
    expect(future.body).toEqual([]);
    expect(future.headers['x-total-count']).toBe('0');
    const since = await h.call('GET', `${AUDIT}?time.gte=${encodeURIComponent(startedAt)}&limit=1000`, { key: dso.keys.admin });
    for (const row of since.body as AuditRecord[]) expect(row.time >= startedAt).toBe(true);
    // Audit rows are written in batches after the response: flush so the counts are stable.
    await h.app.audit.flush();
    const all = await h.call('GET', AUDIT, { key: dso.keys.admin });
    const total = Number(all.headers['x-total-count']);
    await h.app.audit.flush();
    const page = await h.call('GET', `${AUDIT}?limit=2&offset=1`, { key: dso.keys.admin });
    expect(page.body).toHaveLength(2);
    // The first listing is itself a transaction (GW-2), so it is counted by the second.
    expect(page.headers['x-total-count']).toBe(String(total + 1));
    expect(page.headers['x-result-count']).toBe('2');
  });

  it('NDJSON export: one JSON record per line, as many as X-Total-Count', async () => {
    const r = await h.call('GET', AUDIT, { key: dso.keys.admin, headers: { Accept: 'application/x-ndjson' }, skipValidation: true });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/x-ndjson/);
    const text = r.text ?? (Buffer.isBuffer(r.body) ? r.body.toString('utf8') : '');
    const lines = text.split('\n').filter(Boolean);
    const rows = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(rows.length).toBe(Number(r.headers['x-total-count']));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) expect(row.organizationId).toBe(dso.id);
  });

  it("retrieve by id: own rows only (another organisation's row is a 404)", async () => {
    const own = (await h.call('GET', `${AUDIT}?limit=1`, { key: dso.keys.admin })).body[0] as AuditRecord;
    const got = await h.call('GET', `${AUDIT}/${own.id}`, { key: dso.keys.admin });
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(own.id);
    expect((await h.call('GET', `${AUDIT}/${own.id}`, { key: mno.keys.admin })).status).toBe(404);
    expect((await h.call('GET', `${AUDIT}/${own.id}`, { key: ADMIN_TOKEN })).status).toBe(200);
    expect((await h.call('GET', `${AUDIT}/999999999`, { key: dso.keys.admin })).status).toBe(404);
  });

  it('the security-retention job purges rows older than the retention', async () => {
    const t = h.clock.now();
    const old = new Date(t.getTime() - 31 * 86_400_000);
    const recent = new Date(t.getTime() - 29 * 86_400_000);
    const ins = (time: Date, requestId: string) =>
      h.db.pool.query(
        `INSERT INTO audit_log (time, request_id, organization_id, method, path, status, outcome, duration_ms)
         VALUES ($1, $2, $3::uuid, 'GET', '/tmf-api/x', 200, 'success', 1)`,
        [time, requestId, dso.id],
      );
    await ins(old, 'retention-old');
    await ins(recent, 'retention-recent');
    const result = await h.app.scheduler.runNow('security-retention');
    expect(JSON.stringify(result)).toMatch(/audit record/);
    const { rows } = await h.db.pool.query<{ request_id: string }>("SELECT request_id FROM audit_log WHERE request_id LIKE 'retention-%'");
    expect(rows.map((r) => r.request_id)).toEqual(['retention-recent']);
    // Requests of today are kept.
    const today = await h.call('GET', `${AUDIT}?limit=1`, { key: dso.keys.admin });
    expect(Number(today.headers['x-total-count'])).toBeGreaterThan(1);
  });
});
