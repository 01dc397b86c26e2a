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
  /** A DSO and an MNO in an active partnership (the DSO proposed it): most tests' two parties. */
  partners(names?: { dso?: string; mno?: string }): Promise<{ dso: TestOrg; mno: TestOrg }>;
  /** A new organisation of the other kind in an active partnership with `org` (which proposed it). */
  createPartner(org: TestOrg, name?: string): Promise<TestOrg>;
  /** A JSON merge patch (`application/merge-patch+json`) of `url` with `key`. */
  patch(url: string, key: string | undefined, body: unknown, opts?: Omit<CallOptions, 'key' | 'body'>): Promise<supertest.Response>;
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
    async partners(names = {}) {
      const dso = await h.createOrg('DSO', names.dso);
      const mno = await h.createOrg('MNO', names.mno);
      await h.partner(dso, mno);
      return { dso, mno };
    },
    async createPartner(org, partnerName) {
      const partner = await h.createOrg(org.kind === 'DSO' ? 'MNO' : 'DSO', partnerName);
      await h.partner(org, partner);
      return partner;
    },
    patch(url, key, body, opts = {}) {
      return h.call('PATCH', url, { contentType: MERGE, ...opts, key, body });
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

// ---------------------------------------------------------------------------------------
// Real receivers for event-delivery tests (issue 3): a webhook endpoint on an ephemeral
// port, a Socket.IO client that records what it is sent, and a polling wait.
// ---------------------------------------------------------------------------------------
// (Imports are hoisted; this one sits here so the section can be appended as a block.)
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';

/** Polls `fn` until it returns a truthy value (a throw counts as "not yet"); returns that value. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      if (last instanceof Error) throw last;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body exactly as received (what the signature covers). */
  body: string;
  /** The parsed body (a TMF event envelope plus `sequence`, or a health-check ping). */
  json: ReceivedEvent;
  /** The status this receiver answered. */
  status: number;
}

export interface ReceivedEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  '@type': string;
  sequence: number;
  event: Record<string, Record<string, unknown>>;
  [k: string]: unknown;
}

export interface Receiver {
  /** Callback URL (with a path, so callbacks of different receivers never collide). */
  url: string;
  requests: ReceivedRequest[];
  /** Statuses for the next requests, consumed first; then `status`. */
  script: number[];
  status: number;
  /** Delay before answering, in ms. */
  delayMs: number;
  /** Called as each request arrives (e.g. to move a test clock). */
  onRequest?: (path: string) => void;
  /** While set, answers wait for this promise (holds a caller mid-request). */
  gate?: Promise<unknown>;
  /** Deliveries (everything but health-check pings). */
  events(): ReceivedEvent[];
  eventIds(): string[];
  close(): Promise<void>;
}

/** A local webhook endpoint on 127.0.0.1 that records every request with its raw body. */
export async function startReceiver(opts: { status?: number; delayMs?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const r: Receiver = {
    url: '',
    requests,
    script: [],
    status: opts.status ?? 200,
    delayMs: opts.delayMs ?? 0,
    events: () => requests.filter((q) => q.json?.eventType !== 'HubHealthCheckEvent').map((q) => q.json),
    eventIds: () => r.events().map((e) => e.eventId),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedEvent;
      try {
        json = JSON.parse(body) as ReceivedEvent;
      } catch {
        json = undefined as unknown as ReceivedEvent;
      }
      r.onRequest?.(req.url ?? '');
      const status = r.script.length ? r.script.shift()! : r.status;
      const answer = () => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, status });
        res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      };
      const go = () => (r.delayMs > 0 ? setTimeout(answer, r.delayMs) : answer());
      if (r.gate) void r.gate.then(go);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hooks/${crypto.randomBytes(4).toString('hex')}`;
  return r;
}

/** A callback URL on a port nothing listens on (connection refused). */
export async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/gone`;
}

export interface ReadyInfo {
  replayed: number;
  lastSequence: number | null;
  gap: boolean;
}

export interface TestSocket {
  socket: ClientSocket;
  /** Every 'event' received, in arrival order. */
  events: ReceivedEvent[];
  readies: ReadyInfo[];
  sequences(): number[];
  close(): void;
}

export interface SocketAuth {
  token?: string;
  lastSequence?: number;
  eventTypes?: string[];
  resourceTypes?: string[];
  resourceId?: string;
}

const openSockets = new Set<ClientSocket>();

/** Connects a Socket.IO client and resolves once the server said 'ready' (after any replay). */
export async function connectSocket(baseUrl: string, auth: SocketAuth, timeoutMs = 15_000): Promise<TestSocket> {
  const socket = ioClient(baseUrl, {
    auth: { ...auth },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  openSockets.add(socket);
  const t: TestSocket = {
    socket,
    events: [],
    readies: [],
    sequences: () => t.events.map((e) => e.sequence),
    close: () => {
      socket.disconnect();
      openSockets.delete(socket);
    },
  };
  socket.on('event', (e: ReceivedEvent) => t.events.push(e));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not become ready')), timeoutMs);
    socket.once('ready', (info: ReadyInfo) => {
      clearTimeout(timer);
      t.readies.push(info);
      socket.on('ready', (i: ReadyInfo) => t.readies.push(i));
      resolve();
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      t.close();
      reject(e);
    });
  });
  return t;
}

/** Attempts a connection that the server must refuse; resolves with the connect_error. */
export async function refusedSocket(
  baseUrl: string,
  auth: Record<string, unknown>,
): Promise<Error & { data?: { code?: string; status?: string; message?: string } }> {
  const socket = ioClient(baseUrl, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000 });
  openSockets.add(socket);
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connection was accepted')));
      socket.once('connect_error', (e) => resolve(e as Error & { data?: { code?: string; status?: string; message?: string } }));
    });
  } finally {
    socket.disconnect();
    openSockets.delete(socket);
  }
}

/** Disconnects every client socket still open (afterAll/afterEach). */
export function closeSockets(): void {
  for (const s of openSockets) s.disconnect();
  openSockets.clear();
}

// ---------------------------------------------------------------------------------------
// Energy outage notices and site registers (issue 4: EO-1, ETL-1): API paths, GeoJSON
// builders, MNO site factory and the event rows a command wrote.
// ---------------------------------------------------------------------------------------
/** Waits until the relay has handed on every committed event. */
export async function allRelayed(h: Harness, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => (await h.db.pool.query('SELECT 1 FROM event WHERE relayed_at IS NULL LIMIT 1')).rowCount === 0,
    timeoutMs,
    'the relay',
  );
}

/** Relays everything, then runs the webhook worker of each instance until no subscription's head delivery is due. */
export async function settleDeliveries(...hs: Harness[]): Promise<void> {
  const h = hs[0]!;
  await allRelayed(h);
  await Promise.all(hs.map((x) => x.app.webhooks.deliverDue()));
  await waitFor(
    async () =>
      (
        await h.db.pool.query(
          `SELECT 1 FROM (SELECT DISTINCT ON (subscription_id) next_attempt_at FROM webhook_delivery
                           WHERE status = 'pending' ORDER BY subscription_id, event_sequence) head
            WHERE head.next_attempt_at <= $1 LIMIT 1`,
          [h.clock.now()],
        )
      ).rowCount === 0,
    15_000,
    'due deliveries',
  );
}

/** Relays everything, runs the webhook worker and waits for `count` deliveries at `receiver`. */
export async function delivered(h: Harness, receiver: Receiver, count: number): Promise<void> {
  await allRelayed(h);
  await h.app.webhooks.deliverDue();
  await waitFor(() => receiver.events().length >= count, 10_000, `${count} deliveries`);
}

/** Paths and media types the tests share. */
export const TT = '/tmf-api/troubleTicket/v5/troubleTicket';
export const TT_HUB = '/tmf-api/troubleTicket/v5/hub';
export const SP = '/tmf-api/serviceProblemManagement/v5';
export const INC = '/tmf-api/Incident/v4';
export const REPORT = '/tmf-api/gridlinkReport/v1';
export const PARTY = '/tmf-api/party/v1';
export const PS = `${PARTY}/partnership`;
export const PARTY_HUB = `${PARTY}/hub`;
export const ID = '/tmf-api/identity/v1';
export const MERGE = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const OUTAGE = '/tmf-api/energyOutage/v1';
export const SITES = '/tmf-api/siteRegister/v1';

export type LonLat = [number, number];

/** The closed, counter-clockwise ring of the box [lon0,lat0]-[lon1,lat1]. */
export function boxRing(lon0: number, lat0: number, lon1: number, lat1: number): LonLat[] {
  return [
    [lon0, lat0],
    [lon1, lat0],
    [lon1, lat1],
    [lon0, lat1],
    [lon0, lat0],
  ];
}

/** A GeoJSON Polygon: the box, with optional holes (each a box too). */
export function boxPolygon(box: [number, number, number, number], ...holes: [number, number, number, number][]) {
  return { type: 'Polygon' as const, coordinates: [boxRing(...box), ...holes.map((b) => boxRing(...b).reverse())] };
}

export interface MnoSiteOptions {
  name?: string;
  energySupplyId?: string;
  baseStationId?: string[];
  backupPower?: { upsInstalled?: boolean; upsCapacityMinutes?: number; remainingMinutes?: number; generator?: boolean };
  priority?: boolean;
}

/** Registers an MNO site through the API and returns it. */
export async function createMnoSite(
  h: Harness,
  mno: TestOrg,
  siteId: string,
  at: LonLat,
  opts: MnoSiteOptions = {},
): Promise<{ id: string; siteId: string; [k: string]: unknown }> {
  const res = await h.call('POST', `${SITES}/mnoSite`, {
    key: mno.keys.operator,
    body: { siteId, location: { type: 'Point', coordinates: at }, ...opts },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; siteId: string };
}

export interface StoredEvent {
  sequence: bigint;
  type: string;
  audience: string[];
  resourceType: string;
  resourceId: string;
  /** The resource inside the envelope (`payload.event.<resourceType>`). */
  resource: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** The highest event sequence so far (0n when none). */
export async function lastEventSequence(h: Harness): Promise<bigint> {
  const last = await h.db.prisma.event.findFirst({ orderBy: { sequence: 'desc' }, select: { sequence: true } });
  return last?.sequence ?? 0n;
}

/** Event rows written after `since`, in sequence order, optionally about one resource. */
export async function eventsSince(h: Harness, since: bigint, resourceId?: string): Promise<StoredEvent[]> {
  const rows = await h.db.prisma.event.findMany({
    where: { sequence: { gt: since }, ...(resourceId ? { resourceId } : {}) },
    orderBy: { sequence: 'asc' },
  });
  return rows.map((r) => {
    const payload = r.payload as { event: Record<string, Record<string, unknown>> };
    return {
      sequence: r.sequence,
      type: r.eventType,
      audience: r.audience,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      resource: payload.event[r.resourceType]!,
      payload: payload as unknown as Record<string, unknown>,
    };
  });
}

// ---------------------------------------------------------------------------------------
// Issue 6 (gateway policies and security): OAuth tokens, rate tiers, TMF error checks and
// row counts of the main tables (to prove a refused request changed nothing).
// ---------------------------------------------------------------------------------------

/** Issues a client-credentials token for an API key (all the key's scopes unless `scope`). */
export async function issueToken(h: Harness, key: string, scope?: string): Promise<string> {
  const id = await apiKeyId(h, key);
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: key, ...(scope ? { scope } : {}) });
  const res = await h.call('POST', '/tmf-api/party/v1/oauth/token', {
    body: form.toString(),
    contentType: 'application/x-www-form-urlencoded',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

/** Puts an organisation on a rate tier (GW-4): 'standard', 'ami-example' or 'unlimited'. */
export async function setRateTier(h: Harness, organizationId: string, tier: string): Promise<void> {
  await h.db.pool.query(
    'INSERT INTO organization_policy (organization_id, rate_tier) VALUES ($1::uuid, $2) ON CONFLICT (organization_id) DO UPDATE SET rate_tier = EXCLUDED.rate_tier',
    [organizationId, tier],
  );
}

/** Asserts a TMF630 Error body for an error status. */
export function expectTmfError(res: { status: number; body: unknown; text?: string }, what = ''): void {
  if (isIecFailure(res)) return; // the IEC 61968 bridge answers refusals in its own XML (CIM-1)
  const b = res.body as Record<string, unknown>;
  expect(b, `${what} -> ${res.status} must carry a TMF Error body`).toMatchObject({ '@type': 'Error', status: String(res.status) });
  expect(typeof b.code, what).toBe('string');
  expect(typeof b.reason, what).toBe('string');
  expect(typeof b.message, what).toBe('string');
}

/** An IEC 61968 FaultMessage/ResponseMessage with Reply.Result FAILED (the bridge's error body). */
export function isIecFailure(res: { text?: string }): boolean {
  return (
    typeof res.text === 'string' &&
    /^<\?xml[^>]*\?>\s*<(?:\w+:)?(?:ResponseMessage|FaultMessage|Envelope)[\s\S]*<Result>FAILED<\/Result>/.test(res.text)
  );
}

/** Tables whose row counts a refused request must leave unchanged. */
export const MAIN_TABLES = [
  'organization',
  'api_key',
  'partnership',
  'trouble_ticket',
  'energy_outage_notice',
  'network_status_notice',
  'hub_subscription',
  'webhook_delivery',
  'event',
  'outage_site_report',
  'mno_site',
  'dso_site',
  'service_problem',
  'service_problem_task',
  'incident',
  'incident_task',
  'resource_link',
  'data_export',
  'organization_policy',
  'security_alarm',
  'signing_key',
  'app_user',
  'user_session',
] as const;

/** Row counts of the main tables, in one round trip (tables that do not exist are skipped). */
let countSql: string | undefined;
export async function mainTableCounts(h: Harness): Promise<Record<string, number>> {
  if (!countSql) {
    const { rows: present } = await h.db.pool.query<{ t: string }>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[])',
      [[...MAIN_TABLES]],
    );
    const names = present.map((r) => r.t).sort();
    countSql = `SELECT ${names.map((n) => `(SELECT count(*) FROM "${n}") AS "${n}"`).join(', ')}`;
  }
  const { rows } = await h.db.pool.query<Record<string, string>>(countSql);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

// ---------------------------------------------------------------------------------------
// Console users and sessions (issue 13).

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: 'admin' | 'operator' | 'viewer';
}

/** A user of `org` created directly in the database (password hashed like the API does). */
export async function createUser(h: Harness, org: TestOrg, role: TestUser['role'], email?: string): Promise<TestUser> {
  const { hashPassword } = await import('../../src/auth/passwords.js');
  const id = crypto.randomUUID();
  const password = `pw-${crypto.randomBytes(9).toString('base64url')}`;
  const address = email ?? `${role}-${crypto.randomBytes(4).toString('hex')}@${org.kind.toLowerCase()}.example`;
  const t = h.clock.now();
  await h.db.prisma.user.create({
    data: {
      id,
      organizationId: org.id,
      name: `${org.name} ${role}`,
      email: address,
      role,
      passwordHash: await hashPassword(password),
      createdAt: t,
      lastUpdate: t,
    },
  });
  return { id, email: address, password, role };
}

export interface SignedIn {
  cookie: string;
  csrfToken: string;
  sessionId: string;
  /** Headers for h.call: the cookie and, for unsafe methods, the CSRF token. */
  headers: Record<string, string>;
}

/** POST /session; expects 201 and returns the cookie and CSRF token. */
export async function signIn(h: Harness, user: { email: string; password: string }): Promise<SignedIn> {
  const r = await h.call('POST', '/tmf-api/identity/v1/session', { body: { email: user.email, password: user.password } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const setCookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  const cookie = /gridlink_session=([^;]+)/.exec(setCookie.join('\n'))![1]!;
  const csrfToken = r.body.csrfToken as string;
  return {
    cookie,
    csrfToken,
    sessionId: r.body.id as string,
    headers: { Cookie: `gridlink_session=${cookie}`, 'X-CSRF-Token': csrfToken },
  };
}
