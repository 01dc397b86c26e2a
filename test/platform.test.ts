import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ticketInput, type Harness, type TestOrg } from './support/harness.js';
import { readDocument } from '../src/http/openapi.js';
import { operationFacts } from '../src/http/operationFacts.js';
import { partyHandlers } from '../src/modules/party/party.handlers.js';

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners());
});
afterAll(async () => h?.close());

describe('operations endpoints', () => {
  it('GET /health answers without credentials', async () => {
    const res = await h.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'up' });
  });

  it('GET /ready checks the database without credentials', async () => {
    const res = await h.call('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', database: 'up' });
  });

  it('GET /metrics exposes request, latency, pool and backlog metrics', async () => {
    await h.call('GET', '/tmf-api/troubleTicket/v5/troubleTicket', { key: dso.keys.viewer });
    const res = await h.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/gridlink_http_requests_total\{operation="listTroubleTicket",method="GET",status="200"\} \d+/);
    expect(res.text).toContain('gridlink_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/gridlink_db_pool_connections\{state="total"\}/);
    expect(res.text).toMatch(/gridlink_event_backlog \d+/);
  });

  it('returns the request id header, echoing a sane incoming one', async () => {
    const res = await h.call('GET', '/health', { headers: { 'X-Request-ID': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const res2 = await h.call('GET', '/health', { headers: { 'X-Request-ID': 'bad id with spaces' } });
    expect(res2.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI documents', async () => {
    const res = await h.call('GET', '/openapi/troubleTicket.yaml');
    expect(res.status).toBe(200);
    expect(res.text).toContain('createTroubleTicket');
  });
});

describe('OpenAPI documents', () => {
  it('are valid OpenAPI 3 definitions (validated here once; the app loads them in quick mode)', async () => {
    const { OpenAPIBackend } = await import('openapi-backend');
    const { default: addFormats } = await import('ajv-formats');
    for (const api of h.app.apis) {
      const strict = new OpenAPIBackend({
        definition: (await readDocument(api.file)) as never,
        strict: true,
        quick: false,
        customizeAjv: (ajv) => (addFormats as unknown as (a: typeof ajv) => typeof ajv)(ajv),
      });
      await expect(strict.init()).resolves.toBeDefined();
    }
  }, 60_000);
});

describe('every operationId has a handler and every handler an operationId', () => {
  it('matches the documents', async () => {
    const documented = h.app.apis.flatMap((a) => a.operationIds).sort();
    const handlers = h.app.handlers;
    const shared = new Set(['createHub', 'listHub', 'hubGet', 'hubDelete', 'checkHub']);
    // Hub operations and the operations of API profiles (e.g. TMF621 v4 over the v5 service)
    // are registered as `<api>.<operationId>`, the others by operationId (as the router resolves them).
    const expected = [
      ...new Set(
        h.app.apis.flatMap((a) => a.operationIds.map((id) => (`${a.name}.${id}` in handlers || shared.has(id) ? `${a.name}.${id}` : id))),
      ),
    ].sort();
    expect(Object.keys(handlers).sort()).toEqual(expected);
    expect(documented.filter((id) => shared.has(id))).toHaveLength(
      5 * h.app.apis.filter((a) => a.operationIds.includes('createHub')).length,
    );
    expect(documented.length).toBeGreaterThan(10);
    expect(typeof partyHandlers).toBe('function');
  });
});

describe('per-operation facts declared in the documents (issue 15 point 5: x-gridlink-audit-resource, x-gridlink-urgency)', () => {
  const facts = () =>
    h.app.apis.flatMap((a) => a.backend.getOperations().map((op) => ({ api: a.name, op: op.operationId!, ...operationFacts(op, a.name) })));

  it('every operation but the IEC 61968 bridge names its audit resource type (GW-2); the bridge decides per message', () => {
    const missing = facts().filter((f) => !f.auditResource);
    expect(missing.map((f) => `${f.api}.${f.op}`).sort()).toEqual(['iec61968.receiveIecMessage', 'iec61968.receiveIecSoapMessage']);
  });

  it('GW-5: notices are urgent, ticket and incident creates urgent by priority, everything else routine', () => {
    const byUrgency = (u: string) =>
      [
        ...new Set(
          facts()
            .filter((f) => f.urgency === u)
            .map((f) => f.op),
        ),
      ].sort();
    expect(byUrgency('urgent')).toEqual([
      'createEnergyOutageNotice',
      'createNetworkStatusNotice',
      'patchEnergyOutageNotice',
      'patchNetworkStatusNotice',
    ]);
    expect(byUrgency('priority')).toEqual(['createIncident', 'createTroubleTicket']);
  });

  it('a misspelt extension fails at start-up, not on a request', () => {
    const op = { operationId: 'x', method: 'get', path: '/x', 'x-gridlink-urgency': 'asap' } as never;
    expect(() => operationFacts(op, 'doc.yaml')).toThrow(/x-gridlink-urgency must be one of urgent, priority, routine/);
  });

  it('GW-2: the audit row of a retrieve names the declared type with the id, a list names none', async () => {
    const t = await h.call('POST', '/tmf-api/troubleTicket/v5/troubleTicket', { key: dso.keys.operator, body: ticketInput(mno) });
    expect(t.status).toBe(201);
    const got = await h.call('GET', `/tmf-api/troubleTicket/v5/troubleTicket/${t.body.id}`, { key: mno.keys.viewer });
    const listed = await h.call('GET', '/tmf-api/troubleTicket/v5/troubleTicket', { key: mno.keys.viewer });
    await h.app.audit.flush();
    const rows = await h.db.prisma.auditLog.findMany({
      where: { requestId: { in: [t, got, listed].map((r) => String(r.headers['x-request-id'])) } },
    });
    const of = (r: typeof t) => rows.find((a) => a.requestId === r.headers['x-request-id']);
    expect(of(t)).toMatchObject({ operation: 'createTroubleTicket', resourceType: 'troubleTicket', resourceId: t.body.id });
    expect(of(got)).toMatchObject({ operation: 'retrieveTroubleTicket', resourceType: 'troubleTicket', resourceId: t.body.id });
    expect(of(listed)).toMatchObject({ operation: 'listTroubleTicket', resourceType: null, resourceId: null });
  });
});

describe('errors are TMF Error bodies (architecture: never HTML, never a stack trace)', () => {
  const TT = '/tmf-api/troubleTicket/v5/troubleTicket';

  it('unknown path -> 404', async () => {
    const res = await h.call('GET', '/nope', { key: dso.keys.operator });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ '@type': 'Error', status: '404', code: 'NOT_FOUND' });
    const res2 = await h.call('GET', '/tmf-api/troubleTicket/v5/nothingHere', { key: dso.keys.operator });
    expect(res2.status).toBe(404);
  });

  it('wrong method -> 405 with Allow', async () => {
    const res = await h.call('PUT', TT, { key: dso.keys.operator, body: {} });
    expect(res.status).toBe(405);
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('malformed JSON -> 400', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.operator, body: '{"name": ', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MALFORMED_JSON');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js/);
  });

  it('wrong content type -> 415', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.operator, body: 'hello', contentType: 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.message).toContain('application/json');
    const patch = await h.call('PATCH', `${TT}/00000000-0000-4000-8000-000000000000`, {
      key: dso.keys.operator,
      body: 'name=x',
      contentType: 'text/plain',
    });
    expect(patch.status).toBe(415);
    expect(patch.body.message).toContain('application/merge-patch+json');
    // Issue 11: application/json is a merge patch (TMF630), so it gets as far as the lookup.
    const asJson = await h.call('PATCH', `${TT}/00000000-0000-4000-8000-000000000000`, {
      key: dso.keys.operator,
      body: { name: 'x' },
      contentType: 'application/json',
    });
    expect(asJson.status).toBe(404);
  });

  it('schema violation -> 400 naming the field', async () => {
    // (issue 11: severity is free text as in TMF621; a non-string is still a schema violation)
    const res = await h.call('POST', TT, { key: dso.keys.operator, body: { ...ticketInput(mno), severity: 42 } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('body.severity');
    const unknown = await h.call('POST', TT, { key: dso.keys.operator, body: { ...ticketInput(mno), colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain("unknown property 'colour'");
    const missing = await h.call('POST', TT, { key: dso.keys.operator, body: { severity: 'major' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("missing required property 'description'");
  });

  it('missing or bad credentials -> 401', async () => {
    const none = await h.call('GET', TT);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const bad = await h.call('GET', TT, { key: 'glk_AAAAAAAAAAAA_' + 'x'.repeat(43) });
    expect(bad.status).toBe(401);
    const garbage = await h.call('GET', TT, { headers: { Authorization: 'Basic Zm9vOmJhcg==' } });
    expect(garbage.status).toBe(401);
  });

  it('insufficient role -> 403', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.viewer, body: ticketInput(mno) });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('operator');
  });

  it('bad paging parameters -> 400', async () => {
    const res = await h.call('GET', `${TT}?limit=0`, { key: dso.keys.viewer });
    expect(res.status).toBe(400);
    const res2 = await h.call('GET', `${TT}?offset=-1`, { key: dso.keys.viewer });
    expect(res2.status).toBe(400);
  });
});
