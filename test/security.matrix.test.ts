import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from 'openapi-backend';
import {
  apiKeyId,
  boxPolygon,
  createHarness,
  createUser,
  createMnoSite,
  eventsSince,
  expectTmfError,
  issueToken,
  lastEventSequence,
  setRateTier,
  startReceiver,
  ticketInput,
  type Harness,
  type Receiver,
  type TestOrg,
  MERGE,
} from './support/harness.js';

/**
 * Issue 6, point 8: the cross-tenant matrix, generated from the OpenAPI documents. For every
 * operation of every API, with `{id}` set to a real resource of A (DSO) or B (MNO) where one
 * exists: a third organisation C (partner of A, not of B), a non-partner N, a suspended
 * partner S of A, A's viewer key on writes, an expired OAuth token and no credentials each
 * get the right refusal, a TMF Error body, and see nothing of A's or B's (bodies, headers,
 * counts, events).
 */
let h: Harness;
let receiver: Receiver;
let A: TestOrg, B: TestOrg, C: TestOrg, N: TestOrg, S: TestOrg;
let expiredToken: string;
const uniq = crypto.randomBytes(4).toString('hex');
const res: Record<string, string> = {};
const hubs: Record<string, string> = {};
let auditId = '';

beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_ALARM_THRESHOLD: '1000000', GRIDLINK_TOKEN_TTL_SECONDS: '60' } });
  receiver = await startReceiver();
  A = await h.createOrg('DSO', `Alpha DSO ${uniq}`);
  B = await h.createOrg('MNO', `Bravo MNO ${uniq}`);
  C = await h.createOrg('MNO', `Charlie MNO ${uniq}`);
  N = await h.createOrg('DSO', `November DSO ${uniq}`);
  S = await h.createOrg('MNO', `Sierra MNO ${uniq}`);
  for (const o of [A, B, C, N, S]) await setRateTier(h, o.id, 'unlimited');
  res.partnership = await h.partner(A, B);
  await h.partner(A, C);
  await h.partner(A, S, 'suspended');

  const t = await h.call('POST', '/tmf-api/troubleTicket/v5/troubleTicket', {
    key: A.keys.operator,
    body: ticketInput(B, { name: `Secret ticket ${uniq}` }),
  });
  expect(t.status, JSON.stringify(t.body)).toBe(201);
  res.ticket = t.body.id;
  const n = await h.call('POST', '/tmf-api/energyOutage/v1/energyOutageNotice', {
    key: A.keys.operator,
    body: {
      name: `Secret outage ${uniq}`,
      outageKind: 'unplanned',
      causeKind: 'weather',
      affectedArea: { outageArea: boxPolygon([9.9, 53.4, 10.1, 53.6]) },
      audience: [{ id: B.id }],
    },
  });
  expect(n.status, JSON.stringify(n.body)).toBe(201);
  res.notice = n.body.id;
  const d = await h.call('POST', '/tmf-api/siteRegister/v1/dsoSite', {
    key: A.keys.operator,
    body: { siteId: `DSOSITE${uniq}`, kind: 'rtu', location: { type: 'Point', coordinates: [10, 53.5] }, servingMno: [{ id: B.id }] },
  });
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  res.dsoSite = d.body.id;
  res.mnoSite = (await createMnoSite(h, B, `MNOSITE${uniq}`, [10.01, 53.51])).id;
  for (const api of h.app.apis) {
    if (!api.operationIds.includes('createHub')) continue;
    const r = await h.call('POST', `${api.basePath}/hub`, { key: A.keys.operator, body: { callback: receiver.url } });
    expect(r.status, `${api.name} hub: ${JSON.stringify(r.body)}`).toBe(201);
    hubs[api.name] = r.body.id;
  }
  const bh = await h.call('POST', '/tmf-api/troubleTicket/v5/hub', { key: B.keys.operator, body: { callback: receiver.url } });
  expect(bh.status).toBe(201);
  res.hubB = bh.body.id;
  res.apiKey = await apiKeyId(h, A.keys.admin);
  res.user = (await createUser(h, A, 'operator', `secret-person-${uniq}@alpha.example`)).id;
  await h.app.audit.flush();
  const { rows } = await h.db.pool.query<{ id: string }>('SELECT id::text FROM audit_log WHERE organization_id = $1::uuid LIMIT 1', [A.id]);
  auditId = rows[0]!.id;
  // An OAuth token of A's operator, then let it expire (TTL 60 s).
  expiredToken = await issueToken(h, A.keys.operator);
  h.clock.advance(120_000);
}, 120_000);
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

/** The real resource behind a path's `{id}` (else a random uuid). */
function idFor(api: string, path: string): string {
  if (path.startsWith('/troubleTicket/')) return res.ticket!;
  if (path.startsWith('/energyOutageNotice/')) return res.notice!;
  if (path.startsWith('/dsoSite/')) return res.dsoSite!;
  if (path.startsWith('/mnoSite/')) return res.mnoSite!;
  if (path.startsWith('/hub/')) return hubs[api] ?? crypto.randomUUID();
  if (path.startsWith('/partnership/')) return res.partnership!;
  if (path.startsWith('/apiKey/')) return res.apiKey!;
  if (path.startsWith('/user/')) return res.user!;
  if (path.startsWith('/organization/')) return B.id;
  if (path.startsWith('/auditRecord/')) return auditId;
  return crypto.randomUUID();
}

/** Bodies that pass validation, so the refusal proven is the tenancy check, not the schema. */
const templates: Record<string, { body: unknown; contentType?: string }> = {
  patchTroubleTicket: { body: { description: 'hijacked' }, contentType: MERGE },
  patchEnergyOutageNotice: { body: { description: 'hijacked' }, contentType: MERGE },
  patchNetworkStatusNotice: { body: { description: 'hijacked' }, contentType: MERGE },
  patchServiceProblem: { body: { description: 'hijacked' }, contentType: MERGE },
  patchPartnership: { body: { status: 'terminated' }, contentType: MERGE },
  patchUser: { body: { status: 'disabled' }, contentType: MERGE },
  patchMnoSite: { body: { name: 'hijacked' }, contentType: MERGE },
  patchDsoSite: { body: { name: 'hijacked' }, contentType: MERGE },
};

interface Case {
  api: string;
  op: Operation;
  url: string;
  requestedId?: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const api of h.app.apis) {
    for (const op of api.backend.getOperations()) {
      if (Array.isArray(op.security) && op.security.length === 0) continue; // token endpoint and JWKS are public
      let requestedId: string | undefined;
      const p = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        if (name === 'id') return (requestedId = idFor(api.name, op.path));
        return 'export.csv';
      });
      out.push({ api: api.name, op, url: `${api.basePath}${p}`, requestedId });
    }
  }
  return out;
}

function bodyFor(op: Operation, caller: string): { body?: unknown; contentType?: string } {
  const content = (op.requestBody as { content?: Record<string, unknown> } | undefined)?.content;
  if (!content) return {};
  const tpl = templates[op.operationId!];
  if (tpl) return tpl;
  if (op.operationId === 'createEnergyOutageNotice')
    return {
      body: {
        name: 'cross-tenant',
        outageKind: 'unplanned',
        causeKind: 'weather',
        affectedArea: { outageArea: boxPolygon([9.9, 53.4, 10.1, 53.6]) },
        audience: [{ id: B.id }],
      },
    };
  if (op.operationId === 'createTroubleTicket') return { body: ticketInput(caller === 'C' ? B : A, { name: 'cross-tenant' }) };
  const type = Object.keys(content)[0]!;
  if (type === 'text/csv') return { body: 'siteId,kind\nX1,rtu\n', contentType: type };
  return { body: {}, contentType: type };
}

describe('cross-tenant matrix (generated from the OpenAPI documents)', () => {
  it('every operation refuses every caller that must not see or touch A/B resources', { timeout: 120_000 }, async () => {
    const since = await lastEventSequence(h);
    const all = cases();
    expect(all.length).toBeGreaterThan(80);
    const outcomes = new Map<string, number>();
    let total = 0;
    const failures: string[] = [];
    const secretsOf = (who: string): string[] => {
      const resIds = [...Object.values(res), ...Object.values(hubs)];
      const names = [
        `Secret ticket ${uniq}`,
        `Secret outage ${uniq}`,
        `DSOSITE${uniq}`,
        `MNOSITE${uniq}`,
        `secret-person-${uniq}`,
        receiver.url,
        B.id,
        B.name,
      ];
      const a = who === 'N' ? [A.id, A.name] : []; // C and S have a partnership with A: they may see A itself
      return [...resIds, ...names, ...a];
    };
    const run = async (c: Case, who: string, key: string | undefined, expected: number[] | 'non2xx' | 'list') => {
      const isWrite = c.op.method !== 'get';
      const { body, contentType } = isWrite ? bodyFor(c.op, who) : {};
      const r = await h.call(c.op.method.toUpperCase(), c.url, { key, body, contentType });
      total += 1;
      const label = `${who} ${c.op.method.toUpperCase()} ${c.url} (${c.api}.${c.op.operationId})`;
      outcomes.set(`${who}:${r.status}`, (outcomes.get(`${who}:${r.status}`) ?? 0) + 1);
      if (expected === 'list') {
        if (![200, 403, 422].includes(r.status)) failures.push(`${label}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        if (r.status === 200 && Array.isArray(r.body) && r.headers['x-total-count'] !== undefined && r.body.length < 100) {
          if (Number(r.headers['x-total-count']) !== r.body.length)
            failures.push(`${label}: X-Total-Count ${r.headers['x-total-count']} but ${r.body.length} items`);
        }
      } else if (expected === 'non2xx') {
        if (r.status < 400 || r.status >= 500) failures.push(`${label}: expected a 4xx refusal, got ${r.status}`);
      } else if (!expected.includes(r.status)) {
        failures.push(`${label}: expected ${expected.join('/')}, got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      }
      if (isWrite && r.status < 300) failures.push(`${label}: a write by ${who} succeeded`);
      if (r.status >= 400) expectTmfError(r, label);
      // Nothing of A's or B's leaks: bodies and headers (the id the caller sent itself aside;
      // audit rows are the caller's own requests and may repeat the ids it sent).
      if (who !== 'none' && who !== 'expired' && who !== 'viewer') {
        const text = (JSON.stringify(r.body ?? '') + (r.text ?? '') + JSON.stringify(r.headers)).replaceAll(c.requestedId ?? '\u0000', '');
        const sent = JSON.stringify(body ?? '');
        const secrets = secretsOf(who).filter((s) => !sent.includes(s) && !(c.api === 'audit' && /^[0-9a-f-]{36}$/.test(s)));
        for (const s of secrets) if (s && text.includes(s)) failures.push(`${label}: response leaks ${s}`);
      }
    };

    for (const c of all) {
      const isWrite = c.op.method !== 'get';
      const pending: Promise<void>[] = [run(c, 'none', undefined, [401]), run(c, 'expired', expiredToken, [401])];
      if (isWrite) pending.push(run(c, 'viewer', A.keys.viewer, [403]));
      for (const [who, org] of [
        ['C', C],
        ['N', N],
        ['S', S],
      ] as const) {
        if (c.requestedId) {
          const hasTemplate = !isWrite || !(c.op.requestBody as object | undefined) || templates[c.op.operationId!];
          pending.push(run(c, who, org.keys.admin, isWrite ? (hasTemplate ? [403, 404] : 'non2xx') : [404]));
        } else if (!isWrite) {
          pending.push(run(c, who, org.keys.admin, 'list'));
        } else if (['createTroubleTicket', 'createEnergyOutageNotice'].includes(c.op.operationId!)) {
          // cross-tenant creates: a ticket to a non-partner / through a suspended partnership
          // an MNO may not publish outage notices; the non-partner DSO may not address B
          pending.push(run(c, who, org.keys.admin, c.op.operationId === 'createEnergyOutageNotice' && who !== 'N' ? [403] : 'non2xx'));
        }
        // other creates (own hub, own key, own site...) are not cross-tenant: covered by viewer/expired/none
      }
      await Promise.all(pending);
    }

    // No event rows addressed to the callers that were refused.
    const events = await eventsSince(h, since);
    const toOutsiders = events.filter((e) => e.audience.some((a) => [C.id, N.id, S.id].includes(a)));
    expect(toOutsiders.map((e) => e.type)).toEqual([]);
    // A's and B's resources are unchanged by the refused writes.
    const t = await h.call('GET', `/tmf-api/troubleTicket/v5/troubleTicket/${res.ticket}`, { key: A.keys.viewer });
    expect(t.body.description).not.toBe('hijacked');
    const p = await h.db.prisma.partnership.findUniqueOrThrow({ where: { id: res.partnership! } });
    expect(p.status).toBe('active');
    expect((await h.db.prisma.user.findUniqueOrThrow({ where: { id: res.user! } })).status).toBe('active');

    const summary = [...outcomes.entries()]
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    // eslint-disable-next-line no-console -- the case count and outcomes are part of the proof (issue 6)
    console.log(
      `security matrix: ${total} cases over ${all.length} operations; ${failures.length ? `${failures.length} FAILED` : 'all refused as expected'}; ${summary}; ${events.length} event(s) written, ${toOutsiders.length} to outsiders`,
    );
    expect(failures).toEqual([]);
  });
});
