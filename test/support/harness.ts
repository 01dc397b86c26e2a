import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import supertest from 'supertest';
import { expect, inject } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { generateApiKey } from '../../src/auth/apiKeys.js';
import type { LoadedApi } from '../../src/http/openapi.js';

export const ADMIN_TOKEN = 'test-platform-admin-token-0123456789abcdef';
const TEMPLATE = 'gridlink_test_template';

export class TestClock {
  constructor(public current = new Date('2026-11-21T08:00:00.000Z')) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestOrg {
  id: string;
  name: string;
  kind: 'DSO' | 'MNO';
  /** role -> API key */
  keys: Record<'admin' | 'operator' | 'viewer', string>;
}

export interface CallOptions {
  key?: string | undefined;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Skip OpenAPI response validation (only for responses shaped by `fields=`). */
  skipValidation?: boolean;
}

/** Validates a response against the OpenAPI operation it answered (or the Error schema). */
export function validateResponse(apis: LoadedApi[], method: string, url: string, status: number, body: unknown): void {
  const path = url.split('?')[0]!;
  const api = apis.find((a) => path.startsWith(a.basePath + '/') || path === a.basePath);
  const isError = status >= 400;
  if (api) {
    const op = api.backend.router.matchOperation({ method: method.toLowerCase(), path: path.slice(api.basePath.length), headers: {} });
    if (op) {
      const result = api.backend.validateResponse(status === 204 ? null : body, op, status);
      expect(
        result.errors ?? [],
        `${method} ${url} -> ${status} does not match the OpenAPI document: ${JSON.stringify(body).slice(0, 400)}`,
      ).toEqual([]);
      return;
    }
  }
  if (isError) {
    expect(body).toMatchObject({ '@type': 'Error', status: String(status) });
    expect(typeof (body as { code: unknown }).code).toBe('string');
    expect(typeof (body as { reason: unknown }).reason).toBe('string');
    expect(typeof (body as { message: unknown }).message).toBe('string');
  }
}

export interface Harness {
  app: App;
  db: Database;
  clock: TestClock;
  databaseUrl: string;
  call(method: string, url: string, opts?: CallOptions): Promise<supertest.Response>;
  createOrg(kind: 'DSO' | 'MNO', name?: string): Promise<TestOrg>;
  partner(a: TestOrg, b: TestOrg, status?: 'active' | 'proposed' | 'suspended' | 'terminated'): Promise<string>;
  /**
   * Serves the app on an ephemeral port with its background work (Socket.IO, relay,
   * webhook worker; scheduled jobs only if asked) and returns the base URL.
   */
  listen(opts?: { jobs?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra environment for loadConfig (e.g. GRIDLINK_WEBHOOK_RETRY_HOURS). */
  env?: Record<string, string>;
  /** Use this database instead of a fresh clone (a second app instance on the same data). */
  databaseUrl?: string;
  clock?: TestClock;
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const adminUrl = inject('adminDatabaseUrl');
  const owned = !opts.databaseUrl;
  const name = `gl_test_${crypto.randomBytes(6).toString('hex')}`;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const db = createDatabase(databaseUrl, 8);
  const config = loadConfig({ NODE_ENV: 'test', GRIDLINK_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', ...opts.env });
  const clock = opts.clock ?? new TestClock();
  let server: http.Server | undefined;
  const app = await createApp({ config, db, log: pino({ level: 'silent' }), now: clock.now });
  const agent = supertest(app.express);
  let orgCount = 0;

  const h: Harness = {
    app,
    db,
    clock,
    databaseUrl,
    async call(method, target, opts = {}) {
      let req = agent[method.toLowerCase() as 'get'](target);
      if (opts.key) req = req.set('Authorization', `Bearer ${opts.key}`);
      for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v);
      if (opts.body !== undefined) {
        req = req.set('Content-Type', opts.contentType ?? 'application/json');
        req = req.send(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      }
      const res = await req;
      expect(res.headers['content-type'] ?? 'application/json', `${method} ${target} must not answer HTML`).not.toMatch(/html/);
      if (!opts.skipValidation) validateResponse(app.apis, method, target, res.status, res.body);
      return res;
    },
    async createOrg(kind, orgName) {
      const id = crypto.randomUUID();
      orgCount += 1;
      const n = orgName ?? `${kind} ${orgCount}`;
      await db.prisma.organization.create({ data: { id, name: n, kind, country: 'DE', createdAt: clock.now() } });
      const keys = {} as TestOrg['keys'];
      for (const role of ['admin', 'operator', 'viewer'] as const) {
        const k = generateApiKey();
        await db.prisma.apiKey.create({
          data: { id: crypto.randomUUID(), organizationId: id, name: role, role, prefix: k.prefix, digest: k.digest },
        });
        keys[role] = k.key;
      }
      return { id, name: n, kind, keys };
    },
    async partner(a, b, status = 'active') {
      const dso = a.kind === 'DSO' ? a : b;
      const mno = a.kind === 'MNO' ? a : b;
      const id = crypto.randomUUID();
      await db.prisma.partnership.create({
        data: {
          id,
          dsoId: dso.id,
          mnoId: mno.id,
          proposedById: a.id,
          status,
          statusChangeHistory: [{ status, statusChangeDate: clock.now().toISOString(), actor: { organizationId: a.id } }],
        },
      });
      return id;
    },
    async listen(listenOpts) {
      server = http.createServer(app.express);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      await app.start(server, { jobs: listenOpts?.jobs ?? false });
      return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    },
    async close() {
      if (server) {
        server.closeAllConnections();
      }
      await app.stop();
      await db.close();
      if (!owned) return;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
  return h;
}

/** A minimal valid ticket from `reporter` to `responsible`. */
export function ticketInput(responsible: TestOrg, overrides: Record<string, unknown> = {}) {
  return {
    name: 'Loss of comms at substation Nord-17',
    description: 'RTU at substation Nord-17 lost its mobile link at 00:36; SCADA polling fails.',
    severity: 'major',
    ticketType: 'down',
    relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: responsible.id, '@referredType': 'Organization' } }],
    ...overrides,
  };
}

/** The id of the `api_key` row behind a key (audit rows and status history name it). */
export async function apiKeyId(h: Harness, key: string): Promise<string> {
  const prefix = key.split('_')[1]!;
  const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { prefix }, select: { id: true } });
  return row.id;
}
