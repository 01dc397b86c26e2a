import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, apiKeyId, createHarness, ticketInput, type Harness, type TestOrg, TT, PARTY, PS } from './support/harness.js';

/**
 * Issue 2, point 4: organisations, partnerships (GW-1, GW-9) and API keys, through the
 * Party API, and how a partnership gates the Trouble Ticket API (PI-2).
 */
const ORG = `${PARTY}/organization`;
const KEYS = `${PARTY}/apiKey`;
const MINUTE = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = /^glk_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;

interface HistoryEntry {
  status: string;
  statusChangeDate: string;
  statusChangeReason?: string;
  actor: { organizationId: string };
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const nowIso = () => h.clock.now().toISOString();
const ids = (body: { id: string }[]) => body.map((x) => x.id);
const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
/** The secret part of `glk_<prefix>_<secret>` (which may itself contain `_`). */
const secretOf = (key: string) => key.slice('glk_'.length + 12 + 1);

function propose(from: TestOrg, to: { id: string }, extra: Record<string, unknown> = {}) {
  return h.call('POST', PS, { key: from.keys.admin, body: { counterparty: { id: to.id }, ...extra } });
}
function move(by: TestOrg, id: string, status: string, statusReason?: string, key = by.keys.admin) {
  return h.patch(`${PS}/${id}`, key, { status, ...(statusReason ? { statusReason } : {}) });
}
function fileTicket(reporter: TestOrg, responsible: TestOrg) {
  return h.call('POST', TT, { key: reporter.keys.operator, body: ticketInput(responsible) });
}

describe('Organisations are created only with the platform-admin token (issue point 4)', () => {
  it('201 with Location, and a first admin key (glk_…) that works at once', async () => {
    const res = await h.call('POST', ORG, { key: ADMIN_TOKEN, body: { name: '  Nordnetz Verteilung GmbH ', kind: 'DSO', country: 'DE' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const org = res.body;
    expect(org.id).toMatch(UUID);
    expect(res.headers.location).toBe(org.href);
    expect(org.href).toBe(`${ORG}/${org.id}`);
    expect(org).toMatchObject({
      name: 'Nordnetz Verteilung GmbH',
      kind: 'DSO',
      country: 'DE',
      createdAt: nowIso(),
      '@type': 'Organization',
    });
    const key = org.apiKey.key as string;
    expect(key.startsWith('glk_')).toBe(true);
    expect(key).toMatch(KEY);
    expect(org.apiKey).toMatchObject({
      role: 'admin',
      organizationId: org.id,
      prefix: KEY.exec(key)![1],
      revokedAt: null,
      '@type': 'ApiKey',
    });

    // The key is an admin key of the new organisation, immediately.
    const self = await h.call('GET', `${ORG}/${org.id}`, { key });
    expect(self.status).toBe(200);
    expect(self.body).toEqual({
      id: org.id,
      href: org.href,
      name: org.name,
      kind: 'DSO',
      country: 'DE',
      createdAt: org.createdAt,
      '@type': 'Organization',
    });
    const keys = await h.call('GET', KEYS, { key });
    expect(keys.status).toBe(200);
    expect(ids(keys.body)).toEqual([org.apiKey.id]);
    const another = await h.call('POST', KEYS, { key, body: { name: 'ServiceNow integration', role: 'operator' } });
    expect(another.status).toBe(201);
    expect(await apiKeyId(h, key)).toBe(org.apiKey.id);
  });

  it('an organisation key (any role) gets 403 and nothing is created', async () => {
    const org = await h.createOrg('MNO');
    const before = await h.db.prisma.organization.count();
    for (const key of Object.values(org.keys)) {
      const res = await h.call('POST', ORG, { key, body: { name: 'Sneaky Org', kind: 'MNO', country: 'DE' } });
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('platform-admin');
    }
    expect(await h.db.prisma.organization.count()).toBe(before);
  });

  it('missing or wrong credentials are 401', async () => {
    expect((await h.call('POST', ORG, { body: { name: 'X', kind: 'DSO', country: 'DE' } })).status).toBe(401);
    expect((await h.call('POST', ORG, { key: `${ADMIN_TOKEN}-not`, body: { name: 'X', kind: 'DSO', country: 'DE' } })).status).toBe(401);
  });

  it('invalid bodies (bad country, kind, name, unknown fields) are 400 naming the field; nothing is created', async () => {
    const before = await h.db.prisma.organization.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'A', kind: 'DSO', country: 'de' }, 'body.country'],
      [{ name: 'A', kind: 'DSO', country: 'DEU' }, 'body.country'],
      [{ name: 'A', kind: 'DSO', country: 'D1' }, 'body.country'],
      [{ name: 'A', kind: 'DSO' }, "missing required property 'country'"],
      [{ name: 'A', kind: 'ISP', country: 'DE' }, 'body.kind'],
      [{ name: '', kind: 'DSO', country: 'DE' }, 'body.name'],
      [{ name: 'A', kind: 'DSO', country: 'DE', vat: 'DE123' }, "unknown property 'vat'"],
    ];
    for (const [body, message] of cases) {
      const res = await h.call('POST', ORG, { key: ADMIN_TOKEN, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(message);
    }
    expect(await h.db.prisma.organization.count()).toBe(before);
  });
});

describe('Organisation visibility: an organisation sees itself and its partners, not strangers', () => {
  let a: TestOrg;
  let active: TestOrg;
  let proposed: TestOrg;
  let terminated: TestOrg;
  let stranger: TestOrg;
  beforeAll(async () => {
    a = await h.createOrg('DSO', 'Visibility DSO');
    active = await h.createOrg('MNO', 'Active Partner');
    proposed = await h.createOrg('MNO', 'Proposed Partner');
    terminated = await h.createOrg('MNO', 'Former Partner');
    stranger = await h.createOrg('MNO', 'Stranger');
    await h.partner(a, active);
    await h.partner(proposed, a, 'proposed');
    await h.partner(a, terminated, 'terminated');
  });

  it('list: itself and every organisation it has a partnership with, in any status', async () => {
    const res = await h.call('GET', ORG, { key: a.keys.viewer });
    expect(res.status).toBe(200);
    expect(new Set(ids(res.body))).toEqual(new Set([a.id, active.id, proposed.id, terminated.id]));
    expect(res.headers['x-total-count']).toBe('4');
    const mnos = await h.call('GET', `${ORG}?kind=MNO&sort=name`, { key: a.keys.viewer });
    expect(ids(mnos.body)).toEqual([active.id, terminated.id, proposed.id]);
    expect((await h.call('GET', ORG, { key: active.keys.viewer })).body.map((o: { id: string }) => o.id).sort()).toEqual(
      [a.id, active.id].sort(),
    );
    expect(ids((await h.call('GET', ORG, { key: stranger.keys.viewer })).body)).toEqual([stranger.id]);
    const fields = await h.call('GET', `${ORG}?fields=name&id=${active.id}`, { key: a.keys.viewer, skipValidation: true });
    expect(fields.body).toEqual([{ id: active.id, href: `${ORG}/${active.id}`, '@type': 'Organization', name: 'Active Partner' }]);
  });

  it('retrieve: partners 200, strangers 404 (both ways), unknown 404', async () => {
    for (const o of [a, active, proposed, terminated]) {
      expect((await h.call('GET', `${ORG}/${o.id}`, { key: a.keys.viewer })).status).toBe(200);
    }
    for (const [key, id] of [
      [a.keys.admin, stranger.id],
      [stranger.keys.admin, a.id],
      [active.keys.viewer, proposed.id],
      [a.keys.viewer, crypto.randomUUID()],
      [a.keys.viewer, 'not-a-uuid'],
    ]) {
      const res = await h.call('GET', `${ORG}/${id}`, { key });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });

  it('the platform-admin token sees every organisation', async () => {
    const res = await h.call('GET', `${ORG}?limit=1000`, { key: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(expect.arrayContaining([a.id, stranger.id, active.id]));
    expect(Number(res.headers['x-total-count'])).toBe(await h.db.prisma.organization.count());
    expect((await h.call('GET', `${ORG}/${stranger.id}`, { key: ADMIN_TOKEN })).status).toBe(200);
  });
});

describe('GW-9 partnerships: proposal, activation, suspension, termination', () => {
  let dso: TestOrg;
  let mno: TestOrg;
  let id: string;
  let ticketId: string;
  /** The moves made so far, as [status, acting organisation]. */
  const moves: [string, string][] = [];
  const history = async () => {
    const res = await h.call('GET', `${PS}/${id}`, { key: dso.keys.viewer });
    expect(res.status).toBe(200);
    return (res.body.statusChangeHistory as HistoryEntry[]).map((e) => [e.status, e.actor.organizationId]);
  };
  /** Expects a refused move to leave the partnership row as it was. */
  const unchanged = async (before: unknown) => expect(await h.db.prisma.partnership.findUnique({ where: { id } })).toEqual(before);

  beforeAll(async () => {
    dso = await h.createOrg('DSO', 'Partner DSO');
    mno = await h.createOrg('MNO', 'Partner MNO');
  });

  it('is proposed by one side’s admin; the proposer cannot activate it (403), the counterparty can (200)', async () => {
    expect((await h.call('POST', PS, { key: dso.keys.operator, body: { counterparty: { id: mno.id } } })).status).toBe(403);
    h.clock.advance(MINUTE);
    const res = await propose(dso, mno);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    id = res.body.id;
    moves.push(['proposed', dso.id]);
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body).toMatchObject({
      status: 'proposed',
      tier: 'standard',
      dso: { id: dso.id, name: dso.name, '@referredType': 'Organization' },
      mno: { id: mno.id, name: mno.name, '@referredType': 'Organization' },
      proposedBy: { id: dso.id },
      createdAt: nowIso(),
      statusChangeHistory: [{ status: 'proposed', statusChangeDate: nowIso(), actor: { organizationId: dso.id } }],
      '@type': 'Partnership',
    });
    // Both sides see it; nobody else does.
    expect((await h.call('GET', `${PS}/${id}`, { key: mno.keys.viewer })).status).toBe(200);
    const stranger = await h.createOrg('MNO', 'Partnership Stranger');
    expect((await h.call('GET', `${PS}/${id}`, { key: stranger.keys.admin })).status).toBe(404);
    expect(ids((await h.call('GET', PS, { key: stranger.keys.admin })).body)).toEqual([]);
    expect((await move(stranger, id, 'active')).status).toBe(404);

    // Proposed is not active: no tickets yet (GW-9).
    const early = await fileTicket(dso, mno);
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('NOT_A_PARTNER');

    const before = await h.db.prisma.partnership.findUnique({ where: { id } });
    const self = await move(dso, id, 'active');
    expect(self.status).toBe(403);
    expect(self.body.message).toContain('counterparty');
    await unchanged(before);
    expect((await move(mno, id, 'active', undefined, mno.keys.operator)).status).toBe(403);
    await unchanged(before);

    h.clock.advance(MINUTE);
    const accepted = await move(mno, id, 'active');
    expect(accepted.status).toBe(200);
    moves.push(['active', mno.id]);
    expect(accepted.body).toMatchObject({ status: 'active', lastUpdate: nowIso() });
    expect(await history()).toEqual(moves);

    const ticket = await fileTicket(dso, mno);
    expect(ticket.status).toBe(201);
    ticketId = ticket.body.id;
  });

  it('a duplicate proposal is 409 in either direction; DSO-DSO, MNO-MNO, self and unknown counterparties are 422', async () => {
    const count = await h.db.prisma.partnership.count();
    for (const [from, to] of [
      [dso, mno],
      [mno, dso],
    ] as [TestOrg, TestOrg][]) {
      const res = await propose(from, to);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('DUPLICATE');
    }
    const dso2 = await h.createOrg('DSO', 'Second DSO');
    const mno2 = await h.createOrg('MNO', 'Second MNO');
    const before = await h.db.prisma.partnership.count();
    expect(before).toBe(count);
    for (const [from, to] of [
      [dso, dso2],
      [mno, mno2],
      [dso, dso],
      [dso, { id: crypto.randomUUID() }],
      [dso, { id: 'not-a-uuid' }],
    ] as [TestOrg, { id: string }][]) {
      const res = await propose(from, to);
      expect(res.status, `${from.name} -> ${to.id}`).toBe(422);
    }
    expect((await propose(dso, dso2)).body.message).toContain('one DSO and one MNO');
    expect(await h.db.prisma.partnership.count()).toBe(before);
  });

  it('either side suspends; only the side that suspended re-activates; tickets freeze meanwhile', async () => {
    h.clock.advance(MINUTE);
    const suspended = await move(dso, id, 'suspended', 'Contract renegotiation');
    expect(suspended.status).toBe(200);
    moves.push(['suspended', dso.id]);
    expect(suspended.body).toMatchObject({ status: 'suspended', statusReason: 'Contract renegotiation' });
    expect(suspended.body.statusChangeHistory.at(-1)).toEqual({
      status: 'suspended',
      statusChangeDate: nowIso(),
      statusChangeReason: 'Contract renegotiation',
      actor: { organizationId: dso.id },
    });
    // Exchange is paused: no new tickets, no changes, but reads work.
    expect((await fileTicket(dso, mno)).status).toBe(422);
    expect((await fileTicket(mno, dso)).status).toBe(422);
    const frozen = await h.patch(`${TT}/${ticketId}`, mno.keys.operator, { status: 'acknowledged' });
    expect(frozen.status).toBe(403);
    // Issue 11: shown as the standard acknowledged; Gridlink's exact state in gridlinkStatus.
    expect((await h.call('GET', `${TT}/${ticketId}`, { key: mno.keys.viewer })).body.gridlinkStatus).toBe('submitted');

    const before = await h.db.prisma.partnership.findUnique({ where: { id } });
    const notTheirs = await move(mno, id, 'active');
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body.message).toContain('suspended');
    await unchanged(before);
    const same = await move(dso, id, 'suspended');
    expect(same.status).toBe(400);
    await unchanged(before);

    h.clock.advance(MINUTE);
    expect((await move(dso, id, 'active')).status).toBe(200);
    moves.push(['active', dso.id]);
    // A ticket can be created (and changed) again after re-activation.
    expect((await fileTicket(dso, mno)).status).toBe(201);
    const ack = await h.patch(`${TT}/${ticketId}`, mno.keys.operator, { status: 'acknowledged' });
    expect(ack.status).toBe(200);

    // The other side may suspend too, and then only it may re-activate.
    h.clock.advance(MINUTE);
    expect((await move(mno, id, 'suspended', 'Planned migration')).status).toBe(200);
    moves.push(['suspended', mno.id]);
    expect((await move(dso, id, 'active')).status).toBe(403);
    h.clock.advance(MINUTE);
    expect((await move(mno, id, 'active')).status).toBe(200);
    moves.push(['active', mno.id]);
    expect(await history()).toEqual(moves);
  });

  it('termination is final: 409 on any further move, and the exchange stops', async () => {
    h.clock.advance(MINUTE);
    expect((await move(mno, id, 'terminated', 'Contract ended')).status).toBe(200);
    moves.push(['terminated', mno.id]);
    const before = await h.db.prisma.partnership.findUnique({ where: { id } });
    for (const by of [dso, mno]) {
      for (const status of ['active', 'suspended']) {
        const res = await move(by, id, status);
        expect(res.status, `${by.name} -> ${status}`).toBe(409);
        expect(res.body.code).toBe('INVALID_TRANSITION');
        expect(res.body.message).toContain('none (final state)');
      }
    }
    await unchanged(before);
    expect((await fileTicket(dso, mno)).status).toBe(422);
    const frozen = await h.patch(`${TT}/${ticketId}`, mno.keys.operator, { status: 'inProgress' });
    expect(frozen.status).toBe(403);
    expect((await h.call('GET', `${TT}/${ticketId}`, { key: dso.keys.viewer })).status).toBe(200);
  });

  it('a new proposal after termination works and its moves continue the history', async () => {
    h.clock.advance(MINUTE);
    const res = await propose(mno, dso, { tier: 'premium' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    moves.push(['proposed', mno.id]);
    expect(res.body).toMatchObject({ status: 'proposed', tier: 'premium', proposedBy: { id: mno.id } });
    expect((await move(mno, res.body.id, 'active')).status).toBe(403);
    h.clock.advance(MINUTE);
    expect((await move(dso, res.body.id, 'active')).status).toBe(200);
    moves.push(['active', dso.id]);
    id = res.body.id;
    expect(await history()).toEqual(moves);
    const dates = ((await h.call('GET', `${PS}/${id}`, { key: dso.keys.viewer })).body.statusChangeHistory as HistoryEntry[]).map((e) =>
      Date.parse(e.statusChangeDate),
    );
    expect(dates).toEqual([...dates].sort((x, y) => x - y));
    expect((await fileTicket(dso, mno)).status).toBe(201);
    const listed = await h.call('GET', `${PS}?status=active`, { key: mno.keys.viewer });
    expect(ids(listed.body)).toEqual([id]);
  });

  it('a proposal can be withdrawn or declined, and a suspended partnership terminated (either side)', async () => {
    const d = await h.createOrg('DSO', 'Withdraw DSO');
    const m = await h.createOrg('MNO', 'Withdraw MNO');
    const p = (await propose(d, m)).body.id as string;
    expect((await move(m, p, 'terminated', 'Declined')).status).toBe(200);
    const again = (await propose(m, d)).body.id as string;
    expect((await move(m, again, 'terminated', 'Withdrawn')).status).toBe(200);
    expect((await move(d, again, 'active')).status).toBe(409);
    const third = (await propose(d, m)).body.id as string;
    expect((await move(m, third, 'active')).status).toBe(200);
    expect((await move(m, third, 'suspended')).status).toBe(200);
    const end = await move(d, third, 'terminated');
    expect(end.status).toBe(200);
    expect((end.body.statusChangeHistory as HistoryEntry[]).map((e) => e.status)).toEqual([
      'proposed',
      'terminated',
      'proposed',
      'terminated',
      'proposed',
      'active',
      'suspended',
      'terminated',
    ]);
  });
});

describe('API keys: created by an admin, shown once, stored as a SHA-256 digest, revocable', () => {
  let org: TestOrg;
  let partner: TestOrg;
  let outsider: TestOrg;
  let created: { id: string; key: string };
  beforeAll(async () => {
    org = await h.createOrg('DSO', 'Key DSO');
    partner = await h.createOrg('MNO', 'Key MNO');
    outsider = await h.createOrg('MNO', 'Key Outsider');
    await h.partner(org, partner);
  });

  it('an admin creates a key; the secret is in the 201 response only', async () => {
    const res = await h.call('POST', KEYS, { key: org.keys.admin, body: { name: 'SCADA gateway', role: 'viewer' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    created = res.body;
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body.key).toMatch(KEY);
    expect(res.body).toMatchObject({
      name: 'SCADA gateway',
      role: 'viewer',
      organizationId: org.id,
      prefix: KEY.exec(res.body.key)![1],
      createdAt: nowIso(),
    });

    const secret = secretOf(created.key);
    const one = await h.call('GET', `${KEYS}/${created.id}`, { key: org.keys.admin });
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('key');
    expect(one.body).toMatchObject({ id: created.id, name: 'SCADA gateway', role: 'viewer', revokedAt: null });
    expect(one.text).not.toContain(secret);
    const all = await h.call('GET', KEYS, { key: org.keys.admin });
    expect(all.status).toBe(200);
    expect(ids(all.body)).toContain(created.id);
    for (const k of all.body as Record<string, unknown>[]) expect(k).not.toHaveProperty('key');
    expect(all.text).not.toContain(secret);
    const fields = await h.call('GET', `${KEYS}/${created.id}?fields=key`, { key: org.keys.admin });
    expect(fields.status).toBe(400);
  });

  it('operators, viewers and the platform-admin token cannot manage keys (403)', async () => {
    const before = await h.db.prisma.apiKey.count();
    for (const key of [org.keys.operator, org.keys.viewer, ADMIN_TOKEN]) {
      expect((await h.call('POST', KEYS, { key, body: { name: 'x', role: 'admin' } })).status).toBe(403);
      expect((await h.call('GET', KEYS, { key })).status).toBe(403);
      expect((await h.call('GET', `${KEYS}/${created.id}`, { key })).status).toBe(403);
      expect((await h.call('DELETE', `${KEYS}/${created.id}`, { key })).status).toBe(403);
    }
    expect((await h.call('POST', KEYS, { key: org.keys.admin, body: { name: 'x', role: 'superuser' } })).status).toBe(400);
    expect(await h.db.prisma.apiKey.count()).toBe(before);
  });

  it('the database holds a 32-byte SHA-256 digest and never the key text', async () => {
    const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    const digest = Buffer.from(row.digest);
    expect(digest).toHaveLength(32);
    expect(digest.equals(sha256(created.key))).toBe(true);
    expect(row.prefix).toBe(KEY.exec(created.key)![1]);
    const rows = await h.db.prisma.$queryRawUnsafe<{ j: string }[]>(
      'SELECT row_to_json(k)::text AS j FROM api_key k WHERE id = $1::uuid',
      created.id,
    );
    expect(rows).toHaveLength(1);
    const j = rows[0]!.j;
    const secret = secretOf(created.key);
    expect(secret).toHaveLength(43);
    expect(j).not.toContain(created.key);
    expect(j).not.toContain(secret);
    expect(j).not.toContain(Buffer.from(created.key).toString('hex'));
    expect(j).not.toContain(Buffer.from(secret).toString('hex'));
    // Nor anywhere else in the database's api_key table or audit log.
    const counts = await h.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT (SELECT count(*) FROM api_key k WHERE position($1 in row_to_json(k)::text) > 0)
            + (SELECT count(*) FROM audit_log a WHERE position($1 in row_to_json(a)::text) > 0) AS n`,
      secret,
    );
    expect(Number(counts[0]!.n)).toBe(0);
  });

  it('a viewer key reads tickets but cannot write them; a new operator key writes at once', async () => {
    expect((await h.call('GET', TT, { key: created.key })).status).toBe(200);
    const post = await h.call('POST', TT, { key: created.key, body: ticketInput(partner) });
    expect(post.status).toBe(403);
    const op = await h.call('POST', KEYS, { key: org.keys.admin, body: { name: 'ITSM', role: 'operator' } });
    const ticket = await h.call('POST', TT, { key: op.body.key, body: ticketInput(partner) });
    expect(ticket.status).toBe(201);
    expect(ticket.body.statusChangeHistory[0].actor).toEqual({ organizationId: org.id, credentialId: op.body.id });
    expect((await h.call('GET', `${TT}/${ticket.body.id}`, { key: created.key })).status).toBe(200);
  });

  it('a revoked key is refused (401) immediately; its record stays with revokedAt', async () => {
    const op = await h.call('POST', KEYS, { key: org.keys.admin, body: { name: 'To be revoked', role: 'operator' } });
    expect((await h.call('GET', TT, { key: op.body.key })).status).toBe(200);
    h.clock.advance(MINUTE);
    const revoked = await h.call('DELETE', `${KEYS}/${op.body.id}`, { key: org.keys.admin });
    expect(revoked.status).toBe(204);
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', ticketInput(partner)],
    ] as [string, unknown][]) {
      const res = await h.call(method, TT, { key: op.body.key, body });
      expect(res.status).toBe(401);
      expect(res.body.message).toContain('revoked');
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
    const record = await h.call('GET', `${KEYS}/${op.body.id}`, { key: org.keys.admin });
    expect(record.status).toBe(200);
    expect(record.body.revokedAt).toBe(nowIso());
    // Other keys of the organisation keep working.
    expect((await h.call('GET', TT, { key: org.keys.operator })).status).toBe(200);
  });

  it('another organisation’s key id is 404 (retrieve and revoke), and that key keeps working', async () => {
    for (const [method, expected] of [
      ['GET', 404],
      ['DELETE', 404],
    ] as [string, number][]) {
      const res = await h.call(method, `${KEYS}/${created.id}`, { key: outsider.keys.admin });
      expect(res.status).toBe(expected);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect((await h.call('GET', `${KEYS}/${crypto.randomUUID()}`, { key: org.keys.admin })).status).toBe(404);
    expect((await h.call('GET', `${KEYS}/not-a-uuid`, { key: org.keys.admin })).status).toBe(404);
    expect(ids((await h.call('GET', KEYS, { key: outsider.keys.admin })).body)).not.toContain(created.id);
    expect((await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } })).revokedAt).toBeNull();
    expect((await h.call('GET', TT, { key: created.key })).status).toBe(200);
  });
});

describe('Bootstrap end to end through the API only (PI-2 under GW-1/GW-9)', () => {
  it('platform creates a DSO and an MNO; they partner; the DSO files a ticket the MNO can read', async () => {
    const mk = async (name: string, kind: string) => {
      const res = await h.call('POST', ORG, { key: ADMIN_TOKEN, body: { name, kind, country: 'AT' } });
      expect(res.status).toBe(201);
      return { id: res.body.id as string, admin: res.body.apiKey.key as string };
    };
    const d = await mk('Alpenstrom Netz', 'DSO');
    const m = await mk('Mobilnet Alpha', 'MNO');
    const p = await h.call('POST', PS, { key: d.admin, body: { counterparty: { id: m.id } } });
    expect(p.status).toBe(201);
    expect((await h.patch(`${PS}/${p.body.id}`, m.admin, { status: 'active' })).status).toBe(200);
    const op = await h.call('POST', KEYS, { key: d.admin, body: { name: 'OMS', role: 'operator' } });
    const ticket = await h.call('POST', TT, {
      key: op.body.key,
      body: {
        description: 'Feeder 12 RTUs unreachable',
        severity: 'critical',
        ticketType: 'down',
        relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: m.id } }],
      },
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    const seen = await h.call('GET', `${TT}/${ticket.body.id}`, { key: m.admin });
    expect(seen.status).toBe(200);
    expect(
      seen.body.relatedParty.map((r: { role: string; partyOrPartyRole: { id: string; name: string } }) => [
        r.role,
        r.partyOrPartyRole.name,
      ]),
    ).toEqual([
      ['reporter', 'Alpenstrom Netz'],
      ['responsible', 'Mobilnet Alpha'],
    ]);
  });
});
