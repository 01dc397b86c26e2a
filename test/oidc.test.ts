import http from 'node:http';
import type net from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, TestClock, type Harness, type TestOrg, ID } from './support/harness.js';

/**
 * Issue 13, point 1: OpenID Connect sign-in against a real OpenID Connect provider
 * (npm `oidc-provider`) started here on a loopback port. Its interaction step signs in
 * whichever account `nextAccount` names and grants the requested scopes, as a user
 * clicking through the provider's login page would.
 */
const REDIRECT = 'http://gridlink.test/tmf-api/identity/v1/oidc/callback';
let h: Harness;
let dso: TestOrg;
let providerServer: http.Server;
let issuer: string;
let nextAccount = '';
let emailVerified = true;

beforeAll(async () => {
  providerServer = http.createServer();
  await new Promise<void>((resolve) => providerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(providerServer.address() as net.AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'gridlink', client_secret: 'gridlink-oidc-test-secret', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: id, email_verified: emailVerified, name: `Person ${id}` }),
    }),
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  const callback = provider.callback();
  providerServer.on('request', (req, res) => {
    void (async () => {
      if (req.url?.startsWith('/interaction/')) {
        // The provider's login + consent page, answered at once for `nextAccount`.
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: nextAccount, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: nextAccount }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      callback(req, res);
    })().catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  h = await createHarness({
    clock: new TestClock(new Date()), // ID tokens carry the provider's (wall-clock) times
    env: {
      GRIDLINK_ALARM_THRESHOLD: '100000',
      GRIDLINK_OIDC_ISSUER: issuer,
      GRIDLINK_OIDC_CLIENT_ID: 'gridlink',
      GRIDLINK_OIDC_CLIENT_SECRET: 'gridlink-oidc-test-secret',
      GRIDLINK_OIDC_REDIRECT_URI: REDIRECT,
    },
  });
  dso = await h.createOrg('DSO', 'Nordgrid DSO');
}, 60_000);
afterAll(async () => {
  await h?.close();
  providerServer?.closeAllConnections();
  await new Promise((r) => providerServer?.close(r));
});

/** A browser at the provider: follows redirects with its own cookies until it leaves the provider. */
async function browseProvider(url: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = new URL(url);
  for (let i = 0; i < 10 && next.origin === issuer; i++) {
    const r = await fetch(next, { redirect: 'manual', headers: { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = r.headers.get('location');
    if (!location) throw new Error(`provider answered ${r.status} without a redirect: ${(await r.text()).slice(0, 300)}`);
    next = new URL(location, next);
  }
  return next;
}

async function startLogin(): Promise<URL> {
  const r = await h.call('GET', `${ID}/oidc/login`);
  expect(r.status, JSON.stringify(r.body)).toBe(302);
  return new URL(r.headers.location as string);
}

describe('OpenID Connect sign-in (issue 13 point 1)', () => {
  it('login redirects to the provider with PKCE, state and nonce; the callback signs in the user with that e-mail and redirects to /console', async () => {
    const u = await createUser(h, dso, 'operator', `oidc-${Date.now()}@nordgrid.example`);
    const auth = await startLogin();
    expect(auth.origin + auth.pathname).toBe(`${issuer}/auth`);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'gridlink',
      redirect_uri: REDIRECT,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    expect(auth.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);

    nextAccount = u.email;
    const back = await browseProvider(auth.toString());
    expect(back.origin + back.pathname).toBe(REDIRECT);
    const cb = await h.call('GET', `${ID}/oidc/callback${back.search}`);
    expect(cb.status, JSON.stringify(cb.body)).toBe(302);
    expect(cb.headers.location).toBe('/console');
    const cookie = /gridlink_session=([\w-]+); Path=\/; HttpOnly; SameSite=Lax/.exec(String(cb.headers['set-cookie']))![1]!;
    const s = await h.call('GET', `${ID}/session`, { headers: { Cookie: `gridlink_session=${cookie}` } });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ method: 'oidc', user: { id: u.id, email: u.email, role: 'operator', organizationId: dso.id } });
    // the state is used once
    const replay = await h.call('GET', `${ID}/oidc/callback${back.search}`);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('INVALID_STATE');
  });

  it('an identity with no Gridlink user, a disabled user or an unverified e-mail is refused (401), and no cookie is set', async () => {
    const disabled = await createUser(h, dso, 'viewer', `oidc-disabled-${Date.now()}@nordgrid.example`);
    await h.db.prisma.user.update({ where: { id: disabled.id }, data: { status: 'disabled' } });
    const unverified = await createUser(h, dso, 'viewer', `oidc-unverified-${Date.now()}@nordgrid.example`);
    for (const [account, verified, message] of [
      [`stranger-${Date.now()}@elsewhere.example`, true, /No active Gridlink user/],
      [disabled.email, true, /No active Gridlink user/],
      [unverified.email, false, /no verified e-mail/],
    ] as const) {
      nextAccount = account;
      emailVerified = verified;
      const back = await browseProvider((await startLogin()).toString());
      const cb = await h.call('GET', `${ID}/oidc/callback${back.search}`);
      expect(cb.status, account).toBe(401);
      expect(cb.body.message).toMatch(message);
      expect(cb.headers['set-cookie']).toBeUndefined();
    }
    emailVerified = true;
  });

  it('a forged state, a missing code and a provider error are refused with TMF errors', async () => {
    expect((await h.call('GET', `${ID}/oidc/callback?code=x&state=forged`)).status).toBe(400);
    expect((await h.call('GET', `${ID}/oidc/callback`)).status).toBe(400);
    const denied = await h.call('GET', `${ID}/oidc/callback?error=access_denied&error_description=no`);
    expect(denied.status).toBe(401);
    // a code of someone else's flight: valid state, bogus code → the provider refuses the exchange
    const auth = await startLogin();
    const r = await h.call('GET', `${ID}/oidc/callback?code=bogus&state=${auth.searchParams.get('state')}`);
    expect(r.status).toBe(401);
  });

  it('without GRIDLINK_OIDC_* settings the OIDC operations are 404', async () => {
    const plain = await createHarness({ databaseUrl: h.databaseUrl });
    try {
      const r = await plain.call('GET', `${ID}/oidc/login`);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('OIDC_NOT_CONFIGURED');
    } finally {
      await plain.close();
    }
  });
});
