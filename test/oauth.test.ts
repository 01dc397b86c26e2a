import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  apiKeyId,
  createHarness,
  expectTmfError,
  issueToken,
  ticketInput,
  type Harness,
  type TestOrg,
  TT,
} from './support/harness.js';

/**
 * Issue 6, point 1: OAuth2 client credentials beside API keys. Token issue (form and HTTP
 * Basic), scopes per API and access, expiry on the injected clock, revocation, and
 * signing-key rotation without downtime (JWKS, old tokens keep verifying).
 */
const TOKEN = '/tmf-api/party/v1/oauth/token';
const FORM = 'application/x-www-form-urlencoded';

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_TOKEN_TTL_SECONDS: '60' } });
  ({ dso, mno } = await h.partners());
});
afterAll(async () => h?.close());

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('token endpoint', () => {
  it('issues a short-lived ES256 JWT for form credentials and for HTTP Basic', async () => {
    const id = await apiKeyId(h, dso.keys.operator);
    const f = await h.call('POST', TOKEN, {
      body: form({
        grant_type: 'client_credentials',
        client_id: id,
        client_secret: dso.keys.operator,
        scope: 'troubleTicket:read troubleTicket:write',
      }),
      contentType: FORM,
    });
    expect(f.status, JSON.stringify(f.body)).toBe(200);
    expect(f.body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'troubleTicket:read troubleTicket:write' });
    expect(f.headers['cache-control']).toBe('no-store');
    expect(decodeProtectedHeader(f.body.access_token as string)).toMatchObject({ alg: 'ES256' });
    const created = await h.call('POST', TT, { key: f.body.access_token, body: ticketInput(mno) });
    expect(created.status).toBe(201);

    const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(dso.keys.operator)}`).toString('base64');
    const b = await h.call('POST', TOKEN, {
      body: form({ grant_type: 'client_credentials' }),
      contentType: FORM,
      headers: { Authorization: `Basic ${basic}` },
    });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    // All the key's scopes when none are asked for.
    expect(b.body.scope.split(' ')).toEqual(expect.arrayContaining(['troubleTicket:write', 'energyOutage:read', 'audit:read']));
    expect((await h.call('GET', TT, { key: b.body.access_token })).status).toBe(200);
  });

  it('refuses a bad secret (401), an unknown grant (400), a viewer asking for write scopes (400 invalid_scope)', async () => {
    const id = await apiKeyId(h, dso.keys.operator);
    const bad = await h.call('POST', TOKEN, {
      body: form({ grant_type: 'client_credentials', client_id: id, client_secret: `${dso.keys.operator.slice(0, -3)}abc` }),
      contentType: FORM,
    });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('invalid_client');
    const other = await h.call('POST', TOKEN, {
      body: form({ grant_type: 'client_credentials', client_id: await apiKeyId(h, mno.keys.operator), client_secret: dso.keys.operator }),
      contentType: FORM,
    });
    expect(other.status).toBe(401);
    const grant = await h.call('POST', TOKEN, {
      body: form({ grant_type: 'password', client_id: id, client_secret: dso.keys.operator }),
      contentType: FORM,
    });
    expect(grant.status).toBe(400);
    const vid = await apiKeyId(h, dso.keys.viewer);
    const scope = await h.call('POST', TOKEN, {
      body: form({
        grant_type: 'client_credentials',
        client_id: vid,
        client_secret: dso.keys.viewer,
        scope: 'troubleTicket:read troubleTicket:write',
      }),
      contentType: FORM,
    });
    expect(scope.status).toBe(400);
    expect(scope.body.code).toBe('invalid_scope');
    const unknown = await h.call('POST', TOKEN, {
      body: form({ grant_type: 'client_credentials', client_id: id, client_secret: dso.keys.operator, scope: 'everything:write' }),
      contentType: FORM,
    });
    expect(unknown.status).toBe(400);
    // A viewer token, with all its (read) scopes, still cannot write.
    const vt = await issueToken(h, dso.keys.viewer);
    const w = await h.call('POST', TT, { key: vt, body: ticketInput(mno) });
    expect(w.status).toBe(403);
  });
});

describe('scopes and lifetime', () => {
  it('a missing scope is a 403 INSUFFICIENT_SCOPE', async () => {
    const t = await issueToken(h, dso.keys.operator, 'troubleTicket:read');
    expect((await h.call('GET', TT, { key: t })).status).toBe(200);
    const w = await h.call('POST', TT, { key: t, body: ticketInput(mno) });
    expect(w.status).toBe(403);
    expect(w.body.code).toBe('INSUFFICIENT_SCOPE');
    expectTmfError(w);
    const e = await h.call('GET', '/tmf-api/energyOutage/v1/energyOutageNotice', { key: t });
    expect(e.status).toBe(403);
    expect(e.body.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('an expired token is a 401; a tampered one too', async () => {
    const t = await issueToken(h, mno.keys.operator);
    expect((await h.call('GET', TT, { key: t })).status).toBe(200);
    const [hd, pl, sig] = t.split('.');
    const tampered = `${hd}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(pl!, 'base64url').toString()), org: dso.id })).toString('base64url')}.${sig}`;
    expect((await h.call('GET', TT, { key: tampered })).status).toBe(401);
    h.clock.advance(61_000);
    const r = await h.call('GET', TT, { key: t });
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/expired/);
  });

  it('revoking the API key stops its tokens at once', async () => {
    const created = await h.call('POST', '/tmf-api/party/v1/apiKey', {
      key: dso.keys.admin,
      body: { name: 'to revoke', role: 'operator' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const t = await issueToken(h, created.body.key as string);
    expect((await h.call('GET', TT, { key: t })).status).toBe(200);
    const del = await h.call('DELETE', `/tmf-api/party/v1/apiKey/${created.body.id}`, { key: dso.keys.admin });
    expect(del.status).toBeLessThan(300);
    expect((await h.call('GET', TT, { key: t })).status).toBe(401);
  });
});

describe('signing-key rotation', () => {
  it('old tokens keep verifying, new tokens use the new kid, JWKS lists both; only the platform token rotates', async () => {
    const old = await issueToken(h, dso.keys.operator);
    const oldKid = decodeProtectedHeader(old).kid!;
    const refused = await h.call('POST', '/tmf-api/party/v1/oauth/signingKey', { key: dso.keys.admin });
    expect(refused.status).toBe(403);
    const rot = await h.call('POST', '/tmf-api/party/v1/oauth/signingKey', { key: ADMIN_TOKEN });
    expect(rot.status, JSON.stringify(rot.body)).toBe(200);
    const newKid = rot.body.kid as string;
    expect(newKid).not.toBe(oldKid);
    expect((await h.call('GET', TT, { key: old })).status).toBe(200);
    const fresh = await issueToken(h, dso.keys.operator);
    expect(decodeProtectedHeader(fresh).kid).toBe(newKid);
    expect((await h.call('GET', TT, { key: fresh })).status).toBe(200);
    const jwks = await h.call('GET', '/tmf-api/party/v1/oauth/jwks');
    expect(jwks.status).toBe(200);
    const kids = (jwks.body.keys as { kid: string; d?: string }[]).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const k of jwks.body.keys as { d?: string }[]) expect(k.d).toBeUndefined(); // public halves only
  });

  it('a rotation on another instance is honoured at once by this one (no downtime across instances)', async () => {
    const h2 = await createHarness({ databaseUrl: h.databaseUrl, clock: h.clock, env: { GRIDLINK_TOKEN_TTL_SECONDS: '60' } });
    try {
      // Warm this instance's verification keys, then rotate on the other.
      expect((await h.call('GET', TT, { key: await issueToken(h, dso.keys.operator) })).status).toBe(200);
      const rot = await h2.call('POST', '/tmf-api/party/v1/oauth/signingKey', { key: ADMIN_TOKEN });
      expect(rot.status).toBe(200);
      const fresh = await issueToken(h2, dso.keys.operator);
      expect(decodeProtectedHeader(fresh).kid).toBe(rot.body.kid);
      expect((await h.call('GET', TT, { key: fresh })).status).toBe(200);
    } finally {
      await h2.close();
    }
  });
});
