import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTMAN_SCHEMA, type PostmanCollection } from '../src/docs/postman.js';
import { createHarness, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 11, point 5: documentation for integrators outside the OpenAPI documents. The
 * reference pages (/docs, /docs/<api>) are served with their assets from this server, and
 * the Postman collection at /docs/postman.json has one request per operation.
 */
let h: Harness;
let dso: TestOrg;
let http: ReturnType<typeof supertest>;
beforeAll(async () => {
  h = await createHarness();
  ({ dso } = await h.partners());
  http = supertest(h.app.express);
});
afterAll(async () => h?.close());

const operationsOf = (h: Harness) =>
  h.app.apis.flatMap((api) =>
    api.backend.getOperations().map((op) => ({ api, op, key: `${op.method.toUpperCase()} ${api.basePath}${op.path}` })),
  );

describe('API reference pages', () => {
  it('/docs lists every API document with a link to its page and its OpenAPI file, under a strict CSP', async () => {
    const res = await http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    for (const api of h.app.apis) {
      expect(res.text).toContain(`href="/docs/${api.name}"`);
      expect(res.text).toContain(`href="/openapi/${api.name}.yaml"`);
    }
    expect(res.text).toContain('href="/docs/postman.json"');
  });

  it('/docs/<api> renders its document with Redoc served by this server (no CDN)', async () => {
    for (const api of h.app.apis) {
      const res = await http.get(`/docs/${api.name}`);
      expect(res.status, api.name).toBe(200);
      expect(res.text).toContain(`<redoc spec-url="/openapi/${api.name}.yaml"`);
      expect(res.text).toContain('<script src="/docs/assets/redoc.standalone.js"></script>');
      expect(res.text, 'no external URL in the page').not.toMatch(/(src|href)="https?:/);
      const doc = await http.get(`/openapi/${api.name}.yaml`);
      expect(doc.status, `${api.name}: the document Redoc loads`).toBe(200);
    }
    expect((await http.get('/openapi/common.yaml')).status, 'the shared components the documents point to').toBe(200);
    const js = await http.get('/docs/assets/redoc.standalone.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(Number(js.headers['content-length'])).toBeGreaterThan(500_000);
  });

  it('an unknown API page is a TMF 404, not HTML', async () => {
    const res = await http.get('/docs/noSuchApi');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ '@type': 'Error', status: '404' });
  });
});

describe('Postman collection', () => {
  let collection: PostmanCollection;
  beforeAll(async () => {
    const res = await http.get('/docs/postman.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.headers['content-disposition']).toContain('attachment');
    collection = JSON.parse(res.text) as PostmanCollection;
  });

  it('is a v2.1 collection with the baseUrl and apiKey variables and Bearer auth on {{apiKey}}', () => {
    expect(collection.info.schema).toBe(POSTMAN_SCHEMA);
    expect(collection.info.name).toBe('Gridlink');
    expect(collection.variable.map((v) => v.key).sort()).toEqual(['apiKey', 'baseUrl']);
    expect(collection.auth).toEqual({ type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] });
  });

  it('has one folder per API and exactly one request per operation, with valid JSON bodies', () => {
    expect(collection.item.map((f) => f.description?.split(' ')[0])).toEqual(h.app.apis.map((a) => a.basePath));
    const requests = collection.item.flatMap((f) => f.item);
    const keys = requests.map((r) => `${r.request.method} /${r.request.url.path.map((s) => s.replace(/^:(.+)$/, '{$1}')).join('/')}`);
    const expected = operationsOf(h).map((o) => o.key);
    expect(keys.sort()).toEqual(expected.sort());
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of requests) {
      expect(
        h.app.apis.some((a) => r.request.url.raw.startsWith(`{{baseUrl}}${a.basePath}/`)),
        r.name,
      ).toBe(true);
      for (const v of r.request.url.path.filter((s) => s.startsWith(':')))
        expect(
          r.request.url.variable?.map((x) => x.key),
          r.name,
        ).toContain(v.slice(1));
      if (r.request.body?.options?.raw.language === 'json') expect(() => JSON.parse(r.request.body!.raw), r.name).not.toThrow();
    }
    // Operations open to anyone say so; the others inherit the collection's Bearer auth.
    const open = operationsOf(h).filter((o) => Array.isArray(o.op.security) && o.op.security.length === 0);
    expect(open.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.request.auth?.type === 'noauth')).toHaveLength(open.length);
  });

  it('its requests reach the operations they name (every GET without path variables, run with an API key)', async () => {
    const gets = collection.item.flatMap((f) => f.item).filter((r) => r.request.method === 'GET' && !r.request.url.variable);
    expect(gets.length).toBeGreaterThan(5);
    for (const r of gets) {
      const url = r.request.url.raw.replace('{{baseUrl}}', '');
      const res = await h.call('GET', url, { key: r.request.auth ? undefined : dso.keys.admin });
      expect(res.status, `${r.name}: GET ${url} -> ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(500);
      expect([405, 400], `${r.name}: GET ${url}`).not.toContain(res.status);
      // A 404 may be the operation's own answer (e.g. OIDC not configured), not a missed route.
      if (res.status === 404) expect((res.body as { message: string }).message, `${r.name}: GET ${url}`).not.toMatch(/^Resource \//);
    }
  });
});
