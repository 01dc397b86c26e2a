import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/events/signature.js';
import {
  closeSockets,
  connectSocket,
  createHarness,
  deadUrl,
  startReceiver,
  ticketInput,
  waitFor,
  type Harness,
  type ReceivedRequest,
  type Receiver,
  type TestOrg,
  TT,
  TT_HUB,
  PS,
  PARTY_HUB,
  settleDeliveries,
} from './support/harness.js';

/**
 * Issue 3 points 3-5: TMF hub webhooks (subscription API, TMF630 query filters, signed
 * envelopes with an idempotency key, retries with backoff in per-subscription order,
 * dead-lettering), the GW-7 undeliverable notice and the GW-8 endpoint health checks.
 *
 * The webhook worker decides "due" and "expired" with the injected clock, which stands
 * still unless a test advances it: a failed delivery is retried exactly when the test
 * moves the clock past its backoff (10-100 ms here) and asks the worker to run.
 */
const MINUTE = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let h: Harness;
let base: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  h = await createHarness({
    env: {
      GRIDLINK_WEBHOOK_BACKOFF_BASE_MS: '10',
      GRIDLINK_WEBHOOK_BACKOFF_MAX_MS: '100',
      GRIDLINK_WEBHOOK_RETRY_HOURS: '1',
      GRIDLINK_WEBHOOK_TIMEOUT_MS: '3000',
    },
  });
  base = await h.listen();
});
afterEach(async () => {
  closeSockets();
  // Each test starts with no subscriptions, so clock moves cannot touch another test's queue.
  await h.db.pool.query('DELETE FROM hub_subscription');
});
afterAll(async () => {
  closeSockets();
  await Promise.all(receivers.map((r) => r.close()));
  await h?.close();
});

async function receiver(opts: { status?: number; delayMs?: number } = {}) {
  const r = await startReceiver(opts);
  receivers.push(r);
  return r;
}

async function pair() {
  const { dso, mno } = await h.partners();
  return { dso, mno };
}

interface HubBody {
  id: string;
  href: string;
  callback: string;
  query?: string;
  secret?: string;
  deliveryState: {
    consecutiveFailures: number;
    backlog: number;
    deadLettered: number;
    lastSuccess?: string;
    lastError?: string;
    lastErrorAt?: string;
  };
  healthCheck?: { checkedAt: string; ok: boolean; statusCode?: number; latencyMs?: number; detail?: string };
}

async function subscribe(org: TestOrg, callback: string, query?: string, hub = TT_HUB): Promise<HubBody> {
  const res = await h.call('POST', hub, { key: org.keys.operator, body: { callback, ...(query ? { query } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as HubBody;
}

async function getHub(org: TestOrg, id: string, hub = TT_HUB): Promise<HubBody> {
  const res = await h.call('GET', `${hub}/${id}`, { key: org.keys.viewer });
  expect(res.status).toBe(200);
  return res.body as HubBody;
}

async function fileTicket(reporter: TestOrg, responsible: TestOrg, overrides: Record<string, unknown> = {}) {
  const res = await h.call('POST', TT, { key: reporter.keys.operator, body: ticketInput(responsible, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; severity: string };
}

async function setStatus(by: TestOrg, id: string, status: string) {
  const res = await h.patch(`${TT}/${id}`, by.keys.operator, { status });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The outbox event a ticket's creation wrote. */
async function createEventOf(ticketId: string) {
  const { rows } = await h.db.pool.query<{ id: string; sequence: string }>(
    `SELECT id, sequence FROM event WHERE resource_id = $1 AND event_type = 'TroubleTicketCreateEvent'`,
    [ticketId],
  );
  expect(rows).toHaveLength(1);
  return { id: rows[0]!.id, sequence: Number(rows[0]!.sequence) };
}

/** Moves the clock past any backoff and lets the worker retry once. */
async function retry(ms = 1_000) {
  h.clock.advance(ms);
  await h.app.webhooks.deliverDue();
}

async function notices(eventType: string, orgId: string) {
  const { rows } = await h.db.pool.query<{ id: string; payload: { event: { notification: Record<string, unknown> } } }>(
    'SELECT id, payload FROM event WHERE event_type = $1 AND $2::uuid = ANY(audience) ORDER BY sequence',
    [eventType, orgId],
  );
  return rows.map((r): Record<string, unknown> & { outboxEventId: string } => ({ ...r.payload.event.notification, outboxEventId: r.id }));
}

const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
const nowSeconds = () => Math.floor(h.clock.now().getTime() / 1000);
const header = (r: ReceivedRequest, name: string) => r.headers[name] as string | undefined;

describe('TMF hub API: POST/GET/DELETE /hub on each API (issue 3 point 3)', () => {
  it('POST → 201 with Location and the signing secret, shown once; GET and list never show it; DELETE → 204 then 404', async () => {
    const { mno } = await pair();
    const r = await receiver();
    const res = await h.call('POST', TT_HUB, {
      key: mno.keys.operator,
      body: { callback: r.url, query: 'eventType=TroubleTicketCreateEvent', '@type': 'Hub' },
    });
    expect(res.status).toBe(201);
    const created = res.body as HubBody;
    expect(created.id).toMatch(UUID);
    expect(created.href).toBe(`${TT_HUB}/${created.id}`);
    expect(res.headers.location).toBe(created.href);
    expect(created).toMatchObject({ callback: r.url, query: 'eventType=TroubleTicketCreateEvent', '@type': 'Hub' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.deliveryState).toEqual({ consecutiveFailures: 0, backlog: 0, deadLettered: 0 });

    const got = await getHub(mno, created.id);
    expect(got).not.toHaveProperty('secret');
    const { secret: _secret, ...withoutSecret } = created;
    expect(got).toEqual(withoutSecret);
    expect(JSON.stringify(got)).not.toContain(created.secret!);

    const second = await subscribe(mno, r.url);
    const list = await h.call('GET', TT_HUB, { key: mno.keys.viewer });
    expect(list.status).toBe(200);
    expect(list.body.map((x: HubBody) => x.id).sort()).toEqual([created.id, second.id].sort());
    expect(list.headers['x-total-count']).toBe('2');
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    // The party API's hub is a different list.
    expect((await h.call('GET', PARTY_HUB, { key: mno.keys.viewer })).body).toEqual([]);

    expect((await h.call('DELETE', `${TT_HUB}/${created.id}`, { key: mno.keys.operator })).status).toBe(204);
    expect((await h.call('GET', `${TT_HUB}/${created.id}`, { key: mno.keys.viewer })).status).toBe(404);
    expect((await h.call('DELETE', `${TT_HUB}/${created.id}`, { key: mno.keys.operator })).status).toBe(404);
    expect((await h.call('GET', TT_HUB, { key: mno.keys.viewer })).body.map((x: HubBody) => x.id)).toEqual([second.id]);
  });

  it('another organisation’s subscription, an unknown id and the id under the other API are 404; nothing is removed', async () => {
    const { dso, mno } = await pair();
    const r = await receiver();
    const mine = await subscribe(mno, r.url);
    for (const [key, url] of [
      [dso.keys.admin, `${TT_HUB}/${mine.id}`],
      [mno.keys.viewer, `${PARTY_HUB}/${mine.id}`],
      [mno.keys.viewer, `${TT_HUB}/${crypto.randomUUID()}`],
      [mno.keys.viewer, `${TT_HUB}/not-a-uuid`],
    ] as const) {
      const res = await h.call('GET', url, { key });
      expect(res.status, url).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect((await h.call('DELETE', `${TT_HUB}/${mine.id}`, { key: dso.keys.admin })).status).toBe(404);
    expect((await h.call('POST', `${TT_HUB}/${mine.id}/check`, { key: dso.keys.admin })).status).toBe(404);
    expect((await h.call('GET', TT_HUB, { key: dso.keys.viewer })).body).toEqual([]);
    expect((await getHub(mno, mine.id)).id).toBe(mine.id);
  });

  it('subscribing needs an operator key (viewer 403, none 401)', async () => {
    const { mno } = await pair();
    const r = await receiver();
    expect((await h.call('POST', TT_HUB, { key: mno.keys.viewer, body: { callback: r.url } })).status).toBe(403);
    expect((await h.call('POST', TT_HUB, { body: { callback: r.url } })).status).toBe(401);
    expect((await h.call('GET', TT_HUB, {})).status).toBe(401);
    expect((await h.call('GET', TT_HUB, { key: mno.keys.viewer })).body).toEqual([]);
  });

  it('an invalid query or callback is 400 naming the problem, and nothing is stored', async () => {
    const { mno } = await pair();
    const r = await receiver();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [TT_HUB, { callback: r.url, query: 'eventType=NoSuchEvent' }, /unknown eventType 'NoSuchEvent'/],
      [TT_HUB, { callback: r.url, query: 'eventType=PartnershipStatusChangeEvent' }, /unknown eventType/],
      [TT_HUB, { callback: r.url, query: 'event.troubleTicket.colour=red' }, /colour/],
      [TT_HUB, { callback: r.url, query: 'colour=red' }, /colour/],
      [PARTY_HUB, { callback: r.url, query: 'eventType=TroubleTicketCreateEvent' }, /unknown eventType/],
      [PARTY_HUB, { callback: r.url, query: 'status=active' }, /only eventType/],
      [TT_HUB, { callback: 'ftp://example.com/hook' }, /callback/],
      [TT_HUB, { callback: 'javascript:alert(1)' }, /callback/],
      [TT_HUB, { callback: '/relative/hook' }, /callback/],
      [TT_HUB, {}, /callback/],
      [TT_HUB, { callback: r.url, secret: 'mine' }, /secret/],
    ];
    for (const [hub, body, message] of cases) {
      const res = await h.call('POST', hub, { key: mno.keys.operator, body });
      expect(res.status, `${hub} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.message, JSON.stringify(body)).toMatch(message);
    }
    const { rows } = await h.db.pool.query('SELECT 1 FROM hub_subscription WHERE organization_id = $1', [mno.id]);
    expect(rows).toHaveLength(0);
  });

  it('the party API’s hub carries PartnershipStatusChangeEvent; the trouble-ticket hub does not', async () => {
    const { dso, mno } = await pair();
    const partyR = await receiver();
    const ttR = await receiver();
    await subscribe(mno, partyR.url, 'eventType=PartnershipStatusChangeEvent', PARTY_HUB);
    await subscribe(mno, ttR.url);
    const [p] = await h.db.prisma.partnership.findMany({ where: { dsoId: dso.id, mnoId: mno.id } });
    const res = await h.patch(`${PS}/${p!.id}`, dso.keys.admin, { status: 'suspended', statusReason: 'maintenance window' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await settleDeliveries(h);
    expect(partyR.events().map((e) => [e.eventType, e.event.partnership!.id, e.event.partnership!.status])).toEqual([
      ['PartnershipStatusChangeEvent', p!.id, 'suspended'],
    ]);
    expect(ttR.events()).toEqual([]);
  });
});

describe('TMF630 query filters on subscriptions (issue 3 point 3)', () => {
  it('eventType and resource-attribute filters select exactly the matching events', async () => {
    const { dso, mno } = await pair();
    const all = await receiver();
    const statusOnly = await receiver();
    const critical = await receiver();
    const criticalNoPrefix = await receiver();
    const both = await receiver();
    await subscribe(mno, all.url);
    await subscribe(mno, statusOnly.url, 'eventType=TroubleTicketStatusChangeEvent');
    await subscribe(mno, critical.url, 'event.troubleTicket.severity=critical');
    await subscribe(mno, criticalNoPrefix.url, 'severity=critical');
    await subscribe(mno, both.url, 'eventType=TroubleTicketCreateEvent&event.troubleTicket.severity=critical');

    const major = await fileTicket(dso, mno, { severity: 'major' });
    const crit = await fileTicket(dso, mno, { severity: 'critical' });
    await setStatus(mno, major.id, 'acknowledged');
    await setStatus(mno, crit.id, 'acknowledged');
    await settleDeliveries(h);

    const seen = (r: Receiver) => r.events().map((e) => `${e.eventType}:${e.event.troubleTicket!.id === crit.id ? 'crit' : 'major'}`);
    expect(seen(all)).toEqual([
      'TroubleTicketCreateEvent:major',
      'TroubleTicketCreateEvent:crit',
      'TroubleTicketStatusChangeEvent:major',
      'TroubleTicketStatusChangeEvent:crit',
    ]);
    expect(seen(statusOnly)).toEqual(['TroubleTicketStatusChangeEvent:major', 'TroubleTicketStatusChangeEvent:crit']);
    expect(seen(critical)).toEqual(['TroubleTicketCreateEvent:crit', 'TroubleTicketStatusChangeEvent:crit']);
    expect(seen(criticalNoPrefix)).toEqual(seen(critical));
    expect(seen(both)).toEqual(['TroubleTicketCreateEvent:crit']);
    for (const r of [statusOnly, critical, both]) expect(r.events().every((e) => e.event.troubleTicket)).toBe(true);
  });
});

describe('event envelope, idempotency key and HMAC signature (issue 3 point 3)', () => {
  it('the delivery is a TMF event envelope with sequence, signed over timestamp + raw body, keyed by eventId', async () => {
    const { dso, mno } = await pair();
    const r = await receiver();
    const sub = await subscribe(mno, r.url);
    const socket = await connectSocket(base, { token: mno.keys.viewer });
    const t = await fileTicket(dso, mno, { severity: 'critical' });
    const ev = await createEventOf(t.id);
    await settleDeliveries(h);

    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    const body = req.json;
    expect(req.method).toBe('POST');
    expect(new URL(r.url).pathname).toBe(req.path);
    expect(body).toMatchObject({
      eventId: ev.id,
      eventTime: h.clock.now().toISOString(),
      eventType: 'TroubleTicketCreateEvent',
      '@type': 'TroubleTicketCreateEvent',
      sequence: ev.sequence,
    });
    const ticket = (await h.call('GET', `${TT}/${t.id}`, { key: mno.keys.viewer })).body as Record<string, unknown>;
    expect(body.event.troubleTicket).toMatchObject({
      id: t.id,
      severity: 'critical',
      // Issue 11: the standard representation, as in responses.
      status: 'acknowledged',
      gridlinkStatus: 'submitted',
      description: ticket.description,
    });
    expect(header(req, 'content-type')).toMatch(/^application\/json/);
    expect(header(req, 'idempotency-key')).toBe(ev.id);
    expect(header(req, 'x-gridlink-event-id')).toBe(ev.id);
    expect(header(req, 'x-gridlink-sequence')).toBe(String(ev.sequence));
    expect(header(req, 'x-gridlink-subscription')).toBe(sub.id);

    // The socket carries the same envelope.
    await waitFor(() => socket.events.length === 1, 10_000, 'the socket event');
    expect(socket.events[0]).toEqual(body);

    const ts = header(req, 'x-gridlink-timestamp');
    const signature = header(req, 'x-gridlink-signature');
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(Number(ts)).toBe(nowSeconds());
    const check = (o: Partial<Parameters<typeof verifySignature>[0]>) =>
      verifySignature({ secret: sub.secret!, body: req.body, timestamp: ts, signature, nowSeconds: nowSeconds(), ...o });
    expect(check({})).toBe(true);
    // A partner's own check, as the README shows it.
    const expected = 'v1=' + crypto.createHmac('sha256', sub.secret!).update(`${ts}.${req.body}`).digest('hex');
    expect(signature).toBe(expected);
    // Tampering with the body, the timestamp, the secret or the signature fails.
    expect(check({ body: req.body.replace('"critical"', '"minor"') })).toBe(false);
    expect(check({ body: req.body + ' ' })).toBe(false);
    expect(check({ timestamp: String(Number(ts) + 1) })).toBe(false);
    expect(check({ secret: `${sub.secret}x` })).toBe(false);
    expect(check({ signature: signature!.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).toBe(false);
    expect(check({ signature: undefined })).toBe(false);
    expect(check({ timestamp: undefined })).toBe(false);
    // Replay: an old (or far-future) timestamp fails even with a valid signature.
    expect(check({ nowSeconds: Number(ts) + 299 })).toBe(true);
    expect(check({ nowSeconds: Number(ts) + 301 })).toBe(false);
    expect(check({ nowSeconds: Number(ts) - 301 })).toBe(false);
    expect(check({ nowSeconds: Number(ts) + 3600, toleranceSeconds: 7200 })).toBe(true);
  });

  it('each subscription signs with its own secret', async () => {
    const { dso, mno } = await pair();
    const r1 = await receiver();
    const r2 = await receiver();
    const s1 = await subscribe(mno, r1.url);
    const s2 = await subscribe(mno, r2.url);
    expect(s1.secret).not.toBe(s2.secret);
    await fileTicket(dso, mno);
    await settleDeliveries(h);
    const [q1, q2] = [r1.requests[0]!, r2.requests[0]!];
    const ok = (q: ReceivedRequest, secret: string) =>
      verifySignature({
        secret,
        body: q.body,
        timestamp: header(q, 'x-gridlink-timestamp'),
        signature: header(q, 'x-gridlink-signature'),
        nowSeconds: nowSeconds(),
      });
    expect([ok(q1, s1.secret!), ok(q2, s2.secret!), ok(q1, s2.secret!), ok(q2, s1.secret!)]).toEqual([true, true, false, false]);
    expect(q1.json.eventId).toBe(q2.json.eventId);
  });
});

describe('retries with exponential backoff, in order per subscription (issue 3 point 3)', () => {
  it('500 twice then 200: retried with backoff, delivered in order; deliveryState shows the failures, then resets', async () => {
    const { dso, mno } = await pair();
    const r = await receiver();
    r.script = [500, 500];
    const sub = await subscribe(mno, r.url);
    const a = await fileTicket(dso, mno);
    await settleDeliveries(h);
    const b = await fileTicket(dso, mno); // queued behind a, which is failing
    await settleDeliveries(h);
    const ea = await createEventOf(a.id);
    const eb = await createEventOf(b.id);

    expect(r.requests.map((q) => [q.json.eventId, q.status])).toEqual([[ea.id, 500]]);
    let state = (await getHub(mno, sub.id)).deliveryState;
    expect(state).toMatchObject({
      consecutiveFailures: 1,
      backlog: 2,
      deadLettered: 0,
      lastError: 'endpoint answered HTTP 500',
      lastErrorAt: h.clock.now().toISOString(),
    });
    expect(state.lastSuccess).toBeUndefined();
    const delivery = async (eventId: string) =>
      (await h.db.prisma.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: sub.id, eventId } })) as {
        attempts: number;
        status: string;
        nextAttemptAt: Date;
        lastAttemptAt: Date | null;
        lastStatusCode: number | null;
      };
    let d = await delivery(ea.id);
    expect(d).toMatchObject({ attempts: 1, status: 'pending', lastStatusCode: 500 });
    let wait = d.nextAttemptAt.getTime() - d.lastAttemptAt!.getTime();
    expect(wait).toBeGreaterThanOrEqual(5); // base 10 ms, "equal jitter": [base/2, base]
    expect(wait).toBeLessThanOrEqual(10);

    // Not due yet: nothing happens without time passing.
    await h.app.webhooks.deliverDue();
    expect(r.requests).toHaveLength(1);

    await retry();
    expect(r.requests.map((q) => [q.json.eventId, q.status])).toEqual([
      [ea.id, 500],
      [ea.id, 500],
    ]);
    state = (await getHub(mno, sub.id)).deliveryState;
    expect(state).toMatchObject({ consecutiveFailures: 2, backlog: 2 });
    d = await delivery(ea.id);
    wait = d.nextAttemptAt.getTime() - d.lastAttemptAt!.getTime();
    expect(d.attempts).toBe(2);
    expect(wait).toBeGreaterThanOrEqual(10); // doubled: [20/2, 20]
    expect(wait).toBeLessThanOrEqual(20);
    expect((await delivery(eb.id)).attempts).toBe(0); // b waits behind the head

    await retry();
    await settleDeliveries(h);
    expect(r.requests.map((q) => [q.json.eventId, q.status])).toEqual([
      [ea.id, 500],
      [ea.id, 500],
      [ea.id, 200],
      [eb.id, 200],
    ]);
    // Every attempt carries the same idempotency key; the sequence increases.
    expect(r.requests.slice(0, 3).map((q) => header(q, 'idempotency-key'))).toEqual([ea.id, ea.id, ea.id]);
    expect(r.requests[3]!.json.sequence).toBeGreaterThan(r.requests[2]!.json.sequence);
    state = (await getHub(mno, sub.id)).deliveryState;
    expect(state).toMatchObject({
      consecutiveFailures: 0,
      backlog: 0,
      deadLettered: 0,
      lastSuccess: h.clock.now().toISOString(),
      lastError: 'endpoint answered HTTP 500',
    });
    expect(await delivery(ea.id)).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
    expect(await delivery(eb.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('the backoff grows exponentially up to the configured maximum; a refused connection is retried like an error status', async () => {
    const { dso, mno } = await pair();
    const url = await deadUrl();
    const sub = await subscribe(mno, url);
    await fileTicket(dso, mno);
    await settleDeliveries(h);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = await h.db.prisma.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: sub.id } });
      waits.push(d.nextAttemptAt.getTime() - d.lastAttemptAt!.getTime());
      await retry();
    }
    // base 10 ms doubling per attempt, capped at 100 ms, each with equal jitter [cap/2, cap].
    const caps = [10, 20, 40, 80, 100, 100];
    waits.forEach((w, i) => {
      expect(w, `attempt ${i + 1}: ${waits.join(',')}`).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(w, `attempt ${i + 1}: ${waits.join(',')}`).toBeLessThanOrEqual(caps[i]!);
    });
    const state = (await getHub(mno, sub.id)).deliveryState;
    expect(state.consecutiveFailures).toBe(7);
    expect(state.lastError).toMatch(/endpoint unreachable: ECONNREFUSED/);
  });
});

describe('issue 12: pipelined delivery per subscription (several requests in flight, order kept, nothing lost)', () => {
  /** Create events of `reporter`'s tickets, in outbox order. */
  async function createEvents(reporter: TestOrg) {
    const { rows } = await h.db.pool.query<{ id: string; sequence: string }>(
      `SELECT id, sequence FROM event WHERE event_type = 'TroubleTicketCreateEvent' AND originator_org_id = $1 ORDER BY sequence`,
      [reporter.id],
    );
    return rows.map((r) => ({ id: r.id, sequence: Number(r.sequence) }));
  }

  /**
   * A bare HTTP/1.1 receiver on a TCP socket: it counts each request as soon as its bytes
   * arrive (an HTTP server would show pipelined requests to its handler one at a time) and
   * answers 204, in order, only while `open`.
   */
  async function wireReceiver() {
    const received: { eventId: string; sequence: number }[] = [];
    const sockets: net.Socket[] = [];
    const flushers: (() => void)[] = [];
    const w = {
      received,
      open: true,
      url: '',
      release() {
        w.open = true;
        for (const f of flushers) f();
      },
    };
    const server = net.createServer((sock) => {
      sockets.push(sock);
      let buf = Buffer.alloc(0);
      let owed = 0;
      const flush = () => {
        for (; w.open && owed > 0; owed--) sock.write('HTTP/1.1 204 No Content\r\n\r\n');
      };
      flushers.push(flush);
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) break;
          const len = Number(/content-length: *(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
          if (buf.length < end + 4 + len) break;
          const body = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString()) as { eventId: string; sequence: number };
          buf = buf.subarray(end + 4 + len);
          received.push({ eventId: body.eventId, sequence: body.sequence });
          owed++;
        }
        flush();
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    w.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/wire`;
    receivers.push({
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    } as Receiver);
    return w;
  }

  /** A subscription whose window has opened: slow start doubles it (1, 2, 4, ...) after each acknowledged window. */
  async function warmSubscription(callback?: string) {
    const { dso, mno } = await pair();
    const r = await receiver();
    const sub = await subscribe(mno, callback ?? r.url);
    for (let i = 0; i < 6; i++) {
      await fileTicket(dso, mno);
      await settleDeliveries(h);
    }
    return { dso, mno, r, sub };
  }

  /** `n` events relayed in one batch: the relay is held while they are filed. */
  async function burst(dso: TestOrg, mno: TestOrg, n: number) {
    await h.app.relay.stop();
    try {
      for (let i = 0; i < n; i++) await fileTicket(dso, mno);
    } finally {
      await h.app.relay.start();
    }
  }

  it('a window of requests is in flight at once on one connection; the receiver gets them in sequence order, each once', async () => {
    const w = await wireReceiver();
    const { dso, mno, sub } = await warmSubscription(w.url);
    expect(w.received).toHaveLength(6);
    w.open = false; // nothing is answered from now on
    await burst(dso, mno, 20);
    // All twenty are on the wire before the first is answered.
    await waitFor(() => w.received.length === 26, 10_000, 'twenty requests in flight');
    expect(
      await h.db.pool.query(`SELECT 1 FROM webhook_delivery WHERE subscription_id = $1 AND status = 'pending'`, [sub.id]),
    ).toMatchObject({
      rowCount: 20,
    });
    w.release();
    await settleDeliveries(h);
    const events = await createEvents(dso);
    expect(events).toHaveLength(26);
    expect(w.received.map((e) => e.eventId)).toEqual(events.map((e) => e.id)); // all, once, in order
    expect(strictlyIncreasing(w.received.map((e) => e.sequence))).toBe(true);
    const rows = await h.db.prisma.webhookDelivery.findMany({ where: { subscriptionId: sub.id } });
    expect(rows.map((d) => [d.status, d.attempts])).toEqual(Array(26).fill(['delivered', 1]));
  });

  it('a receiver failing one request of a window gets it and every later one again, in order, after the backoff; nothing lost', async () => {
    const { dso, mno, r, sub } = await warmSubscription();
    r.script = [200, 200, 200, 500]; // the 4th request of the burst fails; the rest of the window is answered 200
    let arrived = 0;
    r.onRequest = () => void arrived++;
    await burst(dso, mno, 12);
    await waitFor(() => arrived >= 12, 10_000, 'the whole window sent at once');
    await settleDeliveries(h);
    const events = (await createEvents(dso)).slice(6);
    const ids = events.map((e) => e.id);
    const sent = () => r.requests.slice(6).map((q) => [q.json.eventId, q.status]);
    // The first window: all twelve in order, the 4th refused.
    expect(sent()).toEqual(ids.map((id, i) => [id, i === 3 ? 500 : 200]));
    expect((await getHub(mno, sub.id)).deliveryState).toMatchObject({ backlog: 9, consecutiveFailures: 1 });
    await retry();
    await settleDeliveries(h);
    // Then from the first unacknowledged one on, again in order (slow start: 1, 2, 4, ... in flight).
    expect(sent().slice(12)).toEqual(ids.slice(3).map((id) => [id, 200]));
    const acknowledged = r.requests.filter((q) => q.status === 200).map((q) => q.json.eventId);
    expect(new Set(acknowledged)).toEqual(new Set([...r.eventIds()]));
    for (const id of ids) expect(acknowledged).toContain(id); // none lost
    const rows = await h.db.prisma.webhookDelivery.findMany({ where: { subscriptionId: sub.id }, orderBy: { eventSequence: 'asc' } });
    expect(rows.slice(6).map((d) => [d.eventId, d.status, d.attempts])).toEqual(ids.map((id, i) => [id, 'delivered', i === 3 ? 2 : 1]));
    expect((await getHub(mno, sub.id)).deliveryState).toMatchObject({ backlog: 0, consecutiveFailures: 0 });
  });
});

describe('dead-lettering after the retry period; the owner is told (issue 3 point 3)', () => {
  it('a permanently failing endpoint: deliveries die after the period, with a HubDeliveryDeadLetterEvent and an audit row each', async () => {
    const { dso, mno } = await pair();
    const r = await receiver({ status: 503 });
    const ownerFeed = await receiver(); // the MNO's own platform-notice webhook
    const sub = await subscribe(mno, r.url);
    await subscribe(mno, ownerFeed.url, undefined, PARTY_HUB);
    const socket = await connectSocket(base, { token: mno.keys.viewer });
    const a = await fileTicket(dso, mno);
    const b = await fileTicket(dso, mno);
    await settleDeliveries(h);
    const [ea, eb] = [await createEventOf(a.id), await createEventOf(b.id)];
    expect(r.requests).toHaveLength(1);

    await retry(30 * MINUTE); // still within the 1 h period
    expect((await getHub(mno, sub.id)).deliveryState).toMatchObject({ backlog: 2, deadLettered: 0, consecutiveFailures: 2 });
    expect(await notices('HubDeliveryDeadLetterEvent', mno.id)).toEqual([]);

    await retry(31 * MINUTE); // past it: the head dies, then the next (same age) dies too
    await settleDeliveries(h);
    expect(r.requests.map((q) => q.json.eventId)).toEqual([ea.id, ea.id, ea.id, eb.id]);
    const state = (await getHub(mno, sub.id)).deliveryState;
    expect(state).toMatchObject({ backlog: 0, deadLettered: 2, lastError: 'endpoint answered HTTP 503' });
    const rows = await h.db.prisma.webhookDelivery.findMany({ where: { subscriptionId: sub.id }, orderBy: { eventSequence: 'asc' } });
    expect(rows.map((x) => [x.eventId, x.status, x.attempts])).toEqual([
      [ea.id, 'dead', 3],
      [eb.id, 'dead', 1],
    ]);

    const dead = await notices('HubDeliveryDeadLetterEvent', mno.id);
    expect(dead.map((n) => (n.deadLetteredEvent as { eventId: string }).eventId)).toEqual([ea.id, eb.id]);
    expect(dead[0]).toMatchObject({
      subscription: { id: sub.id, callback: r.url },
      deadLetteredEvent: { eventId: ea.id, sequence: ea.sequence, eventType: 'TroubleTicketCreateEvent' },
      attempts: 3,
      reason: 'endpoint answered HTTP 503',
    });
    const { rows: audience } = await h.db.pool.query('SELECT audience FROM event WHERE id = ANY($1::uuid[])', [
      dead.map((n) => n.outboxEventId),
    ]);
    expect(audience.map((x) => x.audience)).toEqual([[mno.id], [mno.id]]); // the owner only, never the DSO
    // The owner hears of it on its other channels.
    await waitFor(() => ownerFeed.events().length === 2, 10_000, 'dead-letter notices on the party hub');
    expect(ownerFeed.events().map((e) => e.eventType)).toEqual(['HubDeliveryDeadLetterEvent', 'HubDeliveryDeadLetterEvent']);
    await waitFor(
      () => socket.events.filter((e) => e.eventType === 'HubDeliveryDeadLetterEvent').length === 2,
      10_000,
      'notices on the socket',
    );
    expect(await notices('HubDeliveryDeadLetterEvent', dso.id)).toEqual([]);

    const audit = await h.db.prisma.auditLog.findMany({
      where: { operation: 'webhookDeadLetter', resourceId: sub.id },
      orderBy: { id: 'asc' },
    });
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      organizationId: mno.id,
      resourceType: 'hub',
      status: 503,
      outcome: 'error',
      credentialKind: 'system',
      method: 'POST',
    });
    expect(audit[0]!.detail).toContain(ea.id);
    expect(audit[1]!.detail).toContain(eb.id);

    // The queue is not stuck: once the endpoint recovers, new events flow.
    r.status = 200;
    const c = await fileTicket(dso, mno);
    await settleDeliveries(h);
    expect(r.requests.at(-1)!.json.eventId).toBe((await createEventOf(c.id)).id);
    expect((await getHub(mno, sub.id)).deliveryState).toMatchObject({ backlog: 0, deadLettered: 2, consecutiveFailures: 0 });
  });
});

describe('GW-7: the originator learns within 15 minutes that an event could not reach the counterpart (issue 3 point 4)', () => {
  it('one DeliveryFailedEvent to the originator naming the event, the destination and the reason; never twice', async () => {
    const { dso, mno } = await pair();
    const r = await receiver({ status: 500 });
    const dsoFeed = await receiver();
    await subscribe(mno, r.url); // the MNO's only webhook, failing
    await subscribe(dso, dsoFeed.url, 'eventType=DeliveryFailedEvent', PARTY_HUB);
    const dsoSocket = await connectSocket(base, { token: dso.keys.viewer, eventTypes: ['DeliveryFailedEvent'] });
    const t = await fileTicket(dso, mno);
    const ev = await createEventOf(t.id);
    await settleDeliveries(h);
    expect(r.requests).toHaveLength(1);
    const runs = async () => h.db.prisma.jobRun.findMany({ where: { name: 'undeliverable-notice' }, orderBy: { id: 'asc' } });
    const before = (await runs()).length;

    h.clock.advance(14 * MINUTE); // not yet 15 minutes
    expect(await h.app.scheduler.runNow('undeliverable-notice')).toMatchObject({ ran: true, outcome: 'success' });
    expect(await notices('DeliveryFailedEvent', dso.id)).toEqual([]);

    h.clock.advance(2 * MINUTE);
    const run = await h.app.scheduler.runNow('undeliverable-notice');
    expect(run).toMatchObject({ ran: true, outcome: 'success' });
    expect(run.detail).toMatch(/^[1-9]\d* DeliveryFailedEvent\(s\) raised$/);
    const failed = await notices('DeliveryFailedEvent', dso.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      failedEvent: { eventId: ev.id, eventType: 'TroubleTicketCreateEvent', sequence: ev.sequence },
      destination: { id: mno.id, '@referredType': 'Organization' },
      reason: 'endpoint answered HTTP 500',
    });
    const { rows } = await h.db.pool.query('SELECT audience, originator_org_id FROM event WHERE id = $1', [failed[0]!.outboxEventId]);
    expect(rows[0]).toEqual({ audience: [dso.id], originator_org_id: null });
    expect(await notices('DeliveryFailedEvent', mno.id)).toEqual([]);

    // The originator receives it on its socket and its own webhook.
    await waitFor(() => dsoSocket.events.length === 1, 10_000, 'the notice on the DSO socket');
    expect(dsoSocket.events[0]!.event.notification).toMatchObject({ failedEvent: { eventId: ev.id } });
    await settleDeliveries(h);
    expect(dsoFeed.events().map((e) => [e.eventType, (e.event.notification!.failedEvent as { eventId: string }).eventId])).toEqual([
      ['DeliveryFailedEvent', ev.id],
    ]);

    // Later runs raise nothing new for the same event.
    h.clock.advance(5 * MINUTE);
    expect(await h.app.scheduler.runNow('undeliverable-notice')).toMatchObject({
      ran: true,
      outcome: 'success',
      detail: '0 DeliveryFailedEvent(s) raised',
    });
    expect(await notices('DeliveryFailedEvent', dso.id)).toHaveLength(1);

    const recorded = (await runs()).slice(before);
    expect(recorded).toHaveLength(3);
    for (const j of recorded) {
      expect(j.outcome).toBe('success');
      expect(j.finishedAt!.getTime()).toBeGreaterThanOrEqual(j.startedAt.getTime());
    }
    expect(recorded.map((j) => j.detail)).toEqual(['0 DeliveryFailedEvent(s) raised', run.detail, '0 DeliveryFailedEvent(s) raised']);
  });

  it('no notice when the destination received the event through another of its subscriptions, or when it was delivered late but in time', async () => {
    const { dso, mno } = await pair();
    const failing = await receiver({ status: 500 });
    const healthy = await receiver();
    await subscribe(mno, failing.url);
    await subscribe(mno, healthy.url);
    const other = await pair();
    const slow = await receiver();
    slow.script = [500];
    await subscribe(other.mno, slow.url);
    const t1 = await fileTicket(dso, mno);
    const t2 = await fileTicket(other.dso, other.mno);
    await settleDeliveries(h);
    await retry(); // the slow endpoint recovers on the second attempt
    expect(healthy.eventIds()).toEqual([(await createEventOf(t1.id)).id]);
    const e2 = (await createEventOf(t2.id)).id;
    expect(slow.requests.map((q) => [q.json.eventId, q.status])).toEqual([
      [e2, 500],
      [e2, 200],
    ]);
    h.clock.advance(16 * MINUTE);
    await h.app.scheduler.runNow('undeliverable-notice');
    expect(await notices('DeliveryFailedEvent', dso.id)).toEqual([]);
    expect(await notices('DeliveryFailedEvent', other.dso.id)).toEqual([]);
  });
});

describe('GW-8: webhook endpoint health checks, on demand and scheduled (issue 3 point 5)', () => {
  it('POST /hub/{id}/check against a healthy endpoint records ok with latency; the probe is signed', async () => {
    const { mno } = await pair();
    const r = await receiver({ delayMs: 30 });
    const sub = await subscribe(mno, r.url);
    const res = await h.call('POST', `${TT_HUB}/${sub.id}/check`, { key: mno.keys.operator });
    expect(res.status).toBe(200);
    const hc = (res.body as HubBody).healthCheck!;
    expect(hc).toMatchObject({ ok: true, statusCode: 200, checkedAt: h.clock.now().toISOString() });
    expect(hc.latencyMs).toBeGreaterThanOrEqual(25);
    expect(hc.detail).toBeUndefined();
    expect((await getHub(mno, sub.id)).healthCheck).toEqual(hc);
    expect(r.requests).toHaveLength(1);
    const probe = r.requests[0]!;
    expect(probe.json).toMatchObject({ eventType: 'HubHealthCheckEvent', event: { hub: { id: sub.id } } });
    expect(
      verifySignature({
        secret: sub.secret!,
        body: probe.body,
        timestamp: header(probe, 'x-gridlink-timestamp'),
        signature: header(probe, 'x-gridlink-signature'),
        nowSeconds: nowSeconds(),
      }),
    ).toBe(true);
    expect(r.events()).toEqual([]); // not counted as an event delivery
    expect(await notices('HubEndpointUnhealthyEvent', mno.id)).toEqual([]);
    expect((await h.call('POST', `${TT_HUB}/${sub.id}/check`, { key: mno.keys.viewer })).status).toBe(403);
  });

  it('a dead endpoint records ok=false with the reason and raises HubEndpointUnhealthyEvent to the owner, once per transition', async () => {
    const { mno } = await pair();
    const url = await deadUrl();
    const sub = await subscribe(mno, url);
    const check = async () => {
      const res = await h.call('POST', `${TT_HUB}/${sub.id}/check`, { key: mno.keys.operator });
      expect(res.status).toBe(200);
      return (res.body as HubBody).healthCheck!;
    };
    const first = await check();
    expect(first).toMatchObject({ ok: false, detail: expect.stringMatching(/endpoint unreachable: ECONNREFUSED/) });
    expect(first.statusCode).toBeUndefined();
    let raised = await notices('HubEndpointUnhealthyEvent', mno.id);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ subscription: { id: sub.id, callback: url }, reason: first.detail });

    await check(); // still failing: no second notice
    expect(await notices('HubEndpointUnhealthyEvent', mno.id)).toHaveLength(1);

    // Recovers (500 is a failure too, so point it at a healthy receiver), then fails again: a new notice.
    const r = await receiver();
    await h.db.pool.query('UPDATE hub_subscription SET callback = $2 WHERE id = $1', [sub.id, r.url]);
    expect(await check()).toMatchObject({ ok: true, statusCode: 200 });
    r.status = 500;
    expect(await check()).toMatchObject({ ok: false, statusCode: 500, detail: 'endpoint answered HTTP 500' });
    raised = await notices('HubEndpointUnhealthyEvent', mno.id);
    expect(raised).toHaveLength(2);
    expect(raised[1]).toMatchObject({ reason: 'endpoint answered HTTP 500' });
    // GW-2: the on-demand checks are audited as operations on the subscription.
    await h.app.audit.flush();
    const audits = await h.db.prisma.auditLog.findMany({ where: { operation: 'checkHub', organizationId: mno.id } });
    expect(audits.map((a) => [a.resourceType, a.resourceId, a.status, a.outcome])).toEqual(Array(4).fill(['hub', sub.id, 200, 'success']));
  });

  it('the webhook-health-check job probes every subscription, records results and the run', async () => {
    const { dso, mno } = await pair();
    const good = await receiver();
    const bad = await deadUrl();
    const s1 = await subscribe(mno, good.url);
    const s2 = await subscribe(dso, bad, undefined, PARTY_HUB);
    const run = await h.app.scheduler.runNow('webhook-health-check');
    expect(run).toEqual({ ran: true, outcome: 'success', detail: '2 endpoint(s) checked, 1 failing' });
    expect((await getHub(mno, s1.id)).healthCheck).toMatchObject({ ok: true, statusCode: 200 });
    expect((await getHub(dso, s2.id, PARTY_HUB)).healthCheck).toMatchObject({ ok: false });
    expect(good.requests.map((q) => q.json.eventType)).toEqual(['HubHealthCheckEvent']);
    expect(await notices('HubEndpointUnhealthyEvent', dso.id)).toHaveLength(1);
    expect(await notices('HubEndpointUnhealthyEvent', mno.id)).toHaveLength(0);
    const [job] = await h.db.prisma.jobRun.findMany({ where: { name: 'webhook-health-check' }, orderBy: { id: 'desc' }, take: 1 });
    expect(job).toMatchObject({ outcome: 'success', detail: '2 endpoint(s) checked, 1 failing' });
    expect(job!.finishedAt).not.toBeNull();
  });
});
