import crypto from 'node:crypto';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  eventsSince,
  expectTmfError,
  lastEventSequence,
  mainTableCounts,
  signIn,
  ticketInput,
  waitFor,
  type Harness,
  type TestOrg,
  createHarness,
  TT,
  ID,
} from './support/harness.js';

/**
 * Issue 13, point 1 ("people, not only keys"): console users, password sign-in, the
 * session cookie on every API with CSRF protection, sign-out, expiry, GW-3 lock-out, admin
 * user management with tenancy, the audit trail naming the person, Socket.IO by cookie.
 */
let h: Harness;
let base: string;
let dso: TestOrg;
let mno: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  // Only the sign-in lock-out may lock anything here: the per-address GW-3 limit (5), not the
  // per-IP one (every request of this file comes from 127.0.0.1).
  h = await createHarness({
    env: {
      GRIDLINK_ALARM_THRESHOLD: '100000',
      GRIDLINK_BASE_URL: 'https://gridlink.example',
      GRIDLINK_COOKIE_SECURE: 'false',
      GRIDLINK_SESSION_IDLE_MINUTES: '30',
      GRIDLINK_SESSION_MAX_HOURS: '12',
      GRIDLINK_SIGNIN_MAX_FAILURES: '5',
      GRIDLINK_SIGNIN_LOCKOUT_MINUTES: '15',
    },
  });
  base = await h.listen();
  dso = await h.createOrg('DSO', 'Nordgrid DSO');
  mno = await h.createOrg('MNO', 'Telco MNO');
  other = await h.createOrg('DSO', 'Other DSO');
  await h.partner(dso, mno);
}, 60_000);
afterAll(async () => h?.close());

const setCookieOf = (r: { headers: Record<string, unknown> }) =>
  ([] as string[]).concat((r.headers['set-cookie'] as string[]) ?? []).join('\n');

describe('password sign-in (issue 13 point 1)', () => {
  it('POST /session signs in: 201 session body, HttpOnly SameSite=Lax cookie; only its SHA-256 digest is stored', async () => {
    const u = await createUser(h, dso, 'operator');
    const r = await h.call('POST', `${ID}/session`, { body: { email: u.email.toUpperCase(), password: u.password } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      user: {
        id: u.id,
        email: u.email,
        role: 'operator',
        organizationId: dso.id,
        organizationName: 'Nordgrid DSO',
        organizationKind: 'DSO',
      },
    });
    expect(r.body.csrfToken).toMatch(/^[\w-]{43}$/);
    // idle timeout 30 min from the sign-in (test clock)
    expect(new Date(r.body.expiresAt).getTime() - h.clock.now().getTime()).toBe(30 * 60_000);
    const sc = setCookieOf(r);
    expect(sc).toMatch(/^gridlink_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(sc).not.toContain('Secure'); // NODE_ENV=test over http
    const cookie = /gridlink_session=([\w-]+)/.exec(sc)![1]!;
    const { rows } = await h.db.pool.query<{ digest: Buffer; csrf_token: string }>(
      'SELECT digest, csrf_token FROM user_session WHERE id = $1::uuid',
      [r.body.id],
    );
    expect(rows[0]!.digest.equals(crypto.createHash('sha256').update(cookie).digest())).toBe(true);
    const dump = JSON.stringify((await h.db.pool.query('SELECT * FROM user_session')).rows);
    expect(dump).not.toContain(cookie);
    expect((await h.db.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).toMatch(/^\$argon2id\$/);
    // behind a TLS-terminating proxy (trusted: loopback) the cookie is Secure
    const tls = await h.call('POST', `${ID}/session`, {
      body: { email: u.email, password: u.password },
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    expect(setCookieOf(tls)).toMatch(/; Secure$/);
  });

  it('a wrong password and an unknown e-mail address get the same 401 TMF Error', async () => {
    const u = await createUser(h, dso, 'viewer');
    const wrong = await h.call('POST', `${ID}/session`, { body: { email: u.email, password: 'not the password' } });
    const unknown = await h.call('POST', `${ID}/session`, { body: { email: `nobody-${u.id}@x.example`, password: 'whatever' } });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expectTmfError(r);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    expect(wrong.body.message).toBe(unknown.body.message);
    await h.app.audit.flush();
    const rows = await h.db.pool.query(`SELECT status, detail FROM audit_log WHERE operation = 'createSession' AND detail = $1`, [
      `sign-in as ${u.email}`,
    ]);
    expect(rows.rows).toEqual([{ status: 401, detail: `sign-in as ${u.email}` }]);
    const bad = await h.call('POST', `${ID}/session`, { body: { email: u.email } });
    expect(bad.status).toBe(400);
  });

  it('GET /session answers for the cookie (200), 401 without one, 403 for an API key', async () => {
    const u = await createUser(h, mno, 'viewer');
    const s = await signIn(h, u);
    const r = await h.call('GET', `${ID}/session`, { headers: { Cookie: `gridlink_session=${s.cookie}` } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: s.sessionId, csrfToken: s.csrfToken, user: { id: u.id, role: 'viewer', organizationKind: 'MNO' } });
    expect((await h.call('GET', `${ID}/session`)).status).toBe(401);
    expect((await h.call('GET', `${ID}/session`, { headers: { Cookie: 'gridlink_session=forged' } })).status).toBe(401);
    expect((await h.call('GET', `${ID}/session`, { key: mno.keys.admin })).status).toBe(403);
  });

  it('a disabled user cannot sign in', async () => {
    const u = await createUser(h, dso, 'operator');
    await h.db.prisma.user.update({ where: { id: u.id }, data: { status: 'disabled' } });
    const r = await h.call('POST', `${ID}/session`, { body: { email: u.email, password: u.password } });
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/disabled/);
  });
});

describe('the session cookie authenticates every API like a key of the user’s role (issue 13 point 1)', () => {
  it('reads and, with X-CSRF-Token, writes tickets; the ticket is the user’s organisation’s', async () => {
    const u = await createUser(h, dso, 'operator');
    const s = await signIn(h, u);
    const created = await h.call('POST', TT, { headers: s.headers, body: ticketInput(mno, { name: 'filed from the console' }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const listed = await h.call('GET', `${TT}?name=filed from the console`, { headers: { Cookie: `gridlink_session=${s.cookie}` } });
    expect(listed.status).toBe(200);
    expect(listed.body.map((t: { id: string }) => t.id)).toEqual([created.body.id]);
    // the partner sees it with its API key: the cookie acted as the DSO
    expect((await h.call('GET', `${TT}/${created.body.id}`, { key: mno.keys.viewer })).status).toBe(200);
    expect((await h.call('GET', `${TT}/${created.body.id}`, { key: other.keys.admin })).status).toBe(404);
  });

  it('an unsafe request by cookie without the right X-CSRF-Token is refused (403) and changes nothing; bearer keys need none', async () => {
    const u = await createUser(h, dso, 'operator');
    const s = await signIn(h, u);
    const before = await mainTableCounts(h);
    const cookieOnly = { Cookie: `gridlink_session=${s.cookie}` };
    const missing = await h.call('POST', TT, { headers: cookieOnly, body: ticketInput(mno) });
    const wrong = await h.call('POST', TT, { headers: { ...cookieOnly, 'X-CSRF-Token': 'x'.repeat(43) }, body: ticketInput(mno) });
    for (const r of [missing, wrong]) {
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('CSRF_TOKEN_INVALID');
      expectTmfError(r);
    }
    expect(await mainTableCounts(h)).toEqual(before);
    // A bearer key wins over a cookie and needs no CSRF token.
    const byKey = await h.call('POST', TT, { key: dso.keys.operator, headers: cookieOnly, body: ticketInput(mno) });
    expect(byKey.status).toBe(201);
  });

  it('a viewer user may read but not write (403), like a viewer key', async () => {
    const u = await createUser(h, mno, 'viewer');
    const s = await signIn(h, u);
    expect((await h.call('GET', TT, { headers: s.headers })).status).toBe(200);
    const w = await h.call('POST', TT, { headers: s.headers, body: ticketInput(dso) });
    expect(w.status).toBe(403);
    expect(w.body.code).toBe('FORBIDDEN');
  });
});

describe('sign-out and expiry (issue 13 point 1)', () => {
  it('DELETE /session needs the CSRF token, then ends the session (204) and clears the cookie', async () => {
    const u = await createUser(h, dso, 'viewer');
    const s = await signIn(h, u);
    const cookieOnly = { Cookie: `gridlink_session=${s.cookie}` };
    expect((await h.call('DELETE', `${ID}/session`, { headers: cookieOnly })).status).toBe(403);
    const out = await h.call('DELETE', `${ID}/session`, { headers: s.headers });
    expect(out.status).toBe(204);
    expect(setCookieOf(out)).toMatch(/^gridlink_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/);
    expect((await h.call('GET', `${ID}/session`, { headers: cookieOnly })).status).toBe(401);
    const r = await h.call('GET', TT, { headers: cookieOnly });
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/sign in again/);
    const row = await h.db.prisma.userSession.findUniqueOrThrow({ where: { id: s.sessionId } });
    expect(row.endedAt).not.toBeNull();
  });

  it('a session ends after 30 idle minutes (test clock); requests keep it alive', async () => {
    const u = await createUser(h, dso, 'viewer');
    const s = await signIn(h, u);
    const get = () => h.call('GET', `${ID}/session`, { headers: s.headers });
    h.clock.advance(20 * 60_000);
    const alive = await get();
    expect(alive.status).toBe(200);
    expect(new Date(alive.body.expiresAt).getTime()).toBe(h.clock.now().getTime() + 30 * 60_000);
    h.clock.advance(20 * 60_000); // 40 min after sign-in, 20 after the last request
    expect((await get()).status).toBe(200);
    h.clock.advance(30 * 60_000 + 1000);
    expect((await get()).status).toBe(401);
  });

  it('a session ends 12 hours after sign-in however busy it is', async () => {
    const u = await createUser(h, dso, 'viewer');
    const s = await signIn(h, u);
    const started = h.clock.now().getTime();
    for (let i = 0; i < 35; i++) {
      h.clock.advance(20 * 60_000);
      const r = await h.call('GET', `${ID}/session`, { headers: s.headers });
      expect(r.status).toBe(200);
      expect(new Date(r.body.expiresAt).getTime()).toBeLessThanOrEqual(started + 12 * 3_600_000);
    }
    h.clock.advance(20 * 60_000); // 12 h 00 min
    expect((await h.call('GET', `${ID}/session`, { headers: s.headers })).status).toBe(401);
  });
});

describe('lock-out after repeated failed sign-ins, counted by the GW-3 machinery (issue 13 point 1, GW-3)', () => {
  it('the 5th failure locks the address for 15 minutes (429 + Retry-After, even with the right password) and alarms its organisation', async () => {
    const u = await createUser(h, dso, 'operator');
    const since = await lastEventSequence(h);
    const attempt = (password: string) => h.call('POST', `${ID}/session`, { body: { email: u.email, password } });
    for (let i = 1; i <= 4; i++) expect((await attempt(`wrong ${i}`)).status).toBe(401);
    const fifth = await attempt('wrong 5');
    expect(fifth.status).toBe(429);
    expect(fifth.body.code).toBe('SIGN_IN_LOCKED');
    expect(Number(fifth.headers['retry-after'])).toBe(15 * 60);
    const right = await attempt(u.password);
    expect(right.status).toBe(429);
    expect(right.headers['set-cookie']).toBeUndefined();
    // one GW-3 alarm, to the user's organisation; the source names no e-mail address
    const alarms = (await eventsSince(h, since)).filter((e) => e.type === 'UnauthorizedAttemptsAlarmEvent');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.audience).toEqual([dso.id]);
    expect(JSON.stringify(alarms[0]!.payload)).not.toContain(u.email);
    // other addresses are not locked
    const v = await createUser(h, dso, 'viewer');
    expect((await signIn(h, v)).cookie).toBeTruthy();

    h.clock.advance(15 * 60_000 + 1000);
    await new Promise((r) => setTimeout(r, 2_100)); // the gateway's block cache (BLOCK_REFRESH_MS)
    expect((await attempt(u.password)).status).toBe(201);
    // still within the hour: one more failure locks again at once
    const again = await attempt('wrong 6');
    expect(again.status).toBe(429);
  });
});

describe('ended sessions are not GW-3 attempts (issue 13 point 1, GW-3)', () => {
  it('a console asking GET /session without a cookie, or with an ended one, 15 times raises no alarm and blocks no address', async () => {
    const fresh = await createHarness(); // default GW-3 threshold: 10 refusals per source and hour
    try {
      const org = await fresh.createOrg('DSO');
      const u = await createUser(fresh, org, 'viewer');
      const s = await signIn(fresh, u);
      expect((await fresh.call('DELETE', `${ID}/session`, { headers: s.headers })).status).toBe(204);
      for (let i = 0; i < 15; i++) {
        expect((await fresh.call('GET', `${ID}/session`)).status).toBe(401);
        expect((await fresh.call('GET', TT, { headers: s.headers })).status).toBe(401);
        expect((await fresh.call('POST', TT, { headers: { Cookie: `gridlink_session=${s.cookie}` }, body: {} })).status).toBe(401);
      }
      expect(await fresh.db.prisma.securityAlarm.count()).toBe(0);
      expect((await fresh.call('GET', TT, { key: org.keys.viewer })).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});

describe('user management by the organisation’s admin, with tenancy (issue 13 point 1)', () => {
  it('an admin key creates, lists, reads, changes and deletes its users; passwords are never returned', async () => {
    const email = `erika-${crypto.randomBytes(3).toString('hex')}@nordgrid.example`;
    const c = await h.call('POST', `${ID}/user`, {
      key: dso.keys.admin,
      body: { name: 'Erika Mustermann', email, role: 'operator', password: 'a long and unguessable passphrase' },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.headers.location).toBe(c.body.href);
    expect(c.body).toMatchObject({
      '@type': 'User',
      name: 'Erika Mustermann',
      email,
      role: 'operator',
      status: 'active',
      organizationId: dso.id,
      hasPassword: true,
    });
    expect(JSON.stringify(c.body)).not.toMatch(/passphrase|argon2|password"/);
    const s = await signIn(h, { email, password: 'a long and unguessable passphrase' });

    const list = await h.call('GET', `${ID}/user`, { key: dso.keys.admin });
    expect(list.status).toBe(200);
    expect(list.body.map((u: { email: string }) => u.email)).toContain(email);
    expect(list.body.every((u: { organizationId: string }) => u.organizationId === dso.id)).toBe(true);
    expect((await h.call('GET', `${ID}/user/${c.body.id}`, { key: dso.keys.admin })).body.email).toBe(email);

    const dup = await h.call('POST', `${ID}/user`, {
      key: dso.keys.admin,
      body: { name: 'Again', email: email.toUpperCase(), role: 'viewer' },
    });
    expect(dup.status).toBe(409);

    const p = await h.call('PATCH', `${ID}/user/${c.body.id}`, {
      key: dso.keys.admin,
      contentType: 'application/merge-patch+json',
      body: { role: 'viewer', name: 'Erika M.' },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ role: 'viewer', name: 'Erika M.' });
    // the new role applies to the open session at once
    expect((await h.call('POST', TT, { headers: s.headers, body: ticketInput(mno) })).status).toBe(403);
    // disabling ends the sessions
    const d = await h.call('PATCH', `${ID}/user/${c.body.id}`, { key: dso.keys.admin, body: { status: 'disabled' } });
    expect(d.status).toBe(200);
    expect((await h.call('GET', `${ID}/session`, { headers: s.headers })).status).toBe(401);

    expect((await h.call('DELETE', `${ID}/user/${c.body.id}`, { key: dso.keys.admin })).status).toBe(204);
    expect((await h.call('GET', `${ID}/user/${c.body.id}`, { key: dso.keys.admin })).status).toBe(404);
    expect(await h.db.prisma.userSession.count({ where: { userId: c.body.id } })).toBe(0);
  });

  it('another organisation’s user is 404 to an admin; operators and viewers get 403; bad input 400', async () => {
    const theirs = await createUser(h, other, 'operator');
    const before = await mainTableCounts(h);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { status: 'disabled' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await h.call(method, `${ID}/user/${theirs.id}`, { key: dso.keys.admin, body });
      expect(r.status, `${method} ${JSON.stringify(r.body)}`).toBe(404);
    }
    expect((await h.call('GET', `${ID}/user`, { key: dso.keys.admin })).body.map((u: { id: string }) => u.id)).not.toContain(theirs.id);
    expect((await h.call('GET', `${ID}/user`, { key: dso.keys.operator })).status).toBe(403);
    const byOperator = await h.call('POST', `${ID}/user`, {
      key: dso.keys.operator,
      body: { name: 'X', email: 'x@nordgrid.example', role: 'admin', password: 'a long and unguessable passphrase' },
    });
    expect(byOperator.status).toBe(403);
    const short = await h.call('POST', `${ID}/user`, {
      key: dso.keys.admin,
      body: { name: 'X', email: 'x@nordgrid.example', role: 'admin', password: 'short' },
    });
    expect(short.status).toBe(400);
    const badEmail = await h.call('POST', `${ID}/user`, {
      key: dso.keys.admin,
      body: { name: 'X', email: 'not-an-address', role: 'admin' },
    });
    expect(badEmail.status).toBe(400);
    expect(await mainTableCounts(h)).toEqual(before);
    expect((await h.db.prisma.user.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe('active');
  });

  it('an admin user manages users from the console (cookie + CSRF) but cannot lock itself out; a password change ends sessions', async () => {
    const admin = await createUser(h, mno, 'admin');
    const s = await signIn(h, admin);
    const c = await h.call('POST', `${ID}/user`, {
      headers: s.headers,
      body: {
        name: 'Desk 1',
        email: `desk-${crypto.randomBytes(3).toString('hex')}@telco.example`,
        role: 'operator',
        password: 'first passphrase 123',
      },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body.organizationId).toBe(mno.id);
    const self = await h.call('PATCH', `${ID}/user/${admin.id}`, { headers: s.headers, body: { status: 'disabled' } });
    expect(self.status).toBe(409);
    expect((await h.call('DELETE', `${ID}/user/${admin.id}`, { headers: s.headers })).status).toBe(409);

    const desk = await signIn(h, { email: c.body.email, password: 'first passphrase 123' });
    const pw = await h.call('PATCH', `${ID}/user/${c.body.id}`, { headers: s.headers, body: { password: 'second passphrase 456' } });
    expect(pw.status).toBe(200);
    expect((await h.call('GET', `${ID}/session`, { headers: desk.headers })).status).toBe(401);
    expect((await h.call('POST', `${ID}/session`, { body: { email: c.body.email, password: 'first passphrase 123' } })).status).toBe(401);
    await signIn(h, { email: c.body.email, password: 'second passphrase 456' });
  });
});

describe('the audit trail names the person (issue 13 point 1, GW-2)', () => {
  it('a cookie request’s audit row carries the user id and e-mail besides the organisation; the audit API shows and filters them', async () => {
    const u = await createUser(h, dso, 'admin');
    const s = await signIn(h, u);
    const t = await h.call('POST', TT, { headers: s.headers, body: ticketInput(mno) });
    expect(t.status).toBe(201);
    await h.app.audit.flush();
    const { rows } = await h.db.pool.query(
      `SELECT organization_id::text AS org, user_id::text AS "userId", user_email AS "userEmail", credential_kind AS kind, credential_id AS cred
         FROM audit_log WHERE resource_id = $1 AND operation = 'createTroubleTicket'`,
      [t.body.id],
    );
    expect(rows).toEqual([{ org: dso.id, userId: u.id, userEmail: u.email, kind: 'session', cred: s.sessionId }]);
    const signInRow = await h.db.pool.query(`SELECT user_email FROM audit_log WHERE operation = 'createSession' AND resource_id = $1`, [
      s.sessionId,
    ]);
    expect(signInRow.rows).toEqual([{ user_email: u.email }]);
    const api = await h.call(
      'GET',
      `/tmf-api/audit/v1/auditRecord?userEmail=${encodeURIComponent(u.email)}&operation=createTroubleTicket`,
      {
        key: dso.keys.admin,
      },
    );
    expect(api.status).toBe(200);
    expect(api.body).toHaveLength(1);
    expect(api.body[0]).toMatchObject({ userId: u.id, userEmail: u.email, credentialKind: 'session', organizationId: dso.id });
  });
});

describe('Socket.IO accepts the session cookie (issue 13 point 1)', () => {
  const open: Socket[] = [];
  afterAll(() => open.forEach((s) => s.disconnect()));
  const connect = (headers: Record<string, string>) =>
    new Promise<{ socket: Socket; events: { event: Record<string, { id?: string }> }[]; error?: Error & { data?: { status?: string } } }>(
      (resolve) => {
        const socket = ioClient(base, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
        open.push(socket);
        const events: { event: Record<string, { id?: string }> }[] = [];
        socket.on('event', (e: { event: Record<string, { id?: string }> }) => events.push(e));
        socket.once('ready', () => resolve({ socket, events }));
        socket.once('connect_error', (error) => resolve({ socket, events, error }));
      },
    );

  it('a signed-in MNO person’s socket joins the MNO’s room and receives its events; a bad cookie or another site’s page is refused', async () => {
    const u = await createUser(h, mno, 'viewer');
    const s = await signIn(h, u);
    const ok = await connect({ Cookie: `gridlink_session=${s.cookie}` });
    expect(ok.error).toBeUndefined();
    const t = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno, { name: 'to the console' }) });
    expect(t.status).toBe(201);
    await waitFor(() => ok.events.some((e) => e.event.troubleTicket?.id === t.body.id), 10_000, 'the ticket on the cookie socket');
    // a ticket of another pair does not arrive
    const stranger = await h.createOrg('MNO');
    await h.partner(other, stranger);
    const x = await h.call('POST', TT, { key: other.keys.operator, body: ticketInput(stranger) });
    expect(x.status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect(ok.events.some((e) => e.event.troubleTicket?.id === x.body.id)).toBe(false);

    await h.app.audit.flush();
    const audit = await h.db.pool.query(
      `SELECT credential_kind, user_email FROM audit_log WHERE operation = 'socketConnect' AND credential_id = $1`,
      [s.sessionId],
    );
    expect(audit.rows).toEqual([{ credential_kind: 'session', user_email: u.email }]);

    const forged = await connect({ Cookie: 'gridlink_session=' + 'A'.repeat(43) });
    expect(forged.error?.data?.status).toBe('401');
    const crossSite = await connect({ Cookie: `gridlink_session=${s.cookie}`, Origin: 'https://evil.example' });
    expect(crossSite.error?.data?.status).toBe('403');
    // the public address (GRIDLINK_BASE_URL) is this site even when a proxy sends another Host
    const viaProxy = await connect({ Cookie: `gridlink_session=${s.cookie}`, Origin: 'https://gridlink.example' });
    expect(viaProxy.error).toBeUndefined();
  });
});
