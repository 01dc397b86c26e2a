import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, createGridlinkClient, oauthClientCredentials } from '../sdk/src/index.js';
import { apiKeyId, createHarness, validateResponse, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 11, point 5: the typed SDK (sdk/, generated from the OpenAPI documents) against
 * the real app on a listening port: API key and OAuth client credentials, typed bodies and
 * TMF Error bodies.
 */
const TT = '/tmf-api/troubleTicket/v5';

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let baseUrl: string;
beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners());
  baseUrl = await h.listen();
});
afterAll(async () => h?.close());

/** A fetch that records the URLs it was asked for. */
function recordingFetch() {
  const urls: string[] = [];
  return {
    urls,
    fetch: (request: Request) => {
      urls.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    },
  };
}

describe('SDK (issue 11)', () => {
  it('PI-2: a DSO creates a ticket through the SDK with an API key and the MNO reads it back', async () => {
    const asDso = createGridlinkClient({ baseUrl, credential: apiKey(dso.keys.operator) });
    const created = await asDso.troubleTicket.POST('/troubleTicket', {
      body: {
        name: 'Loss of comms at substation Nord-17',
        description: 'RTU at substation Nord-17 lost its mobile link; SCADA polling fails.',
        severity: 'major',
        ticketType: 'down',
        relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id, '@referredType': 'Organization' } }],
      },
    });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const ticket = created.data!;
    validateResponse(h.app.apis, 'POST', `${TT}/troubleTicket`, 201, ticket);
    expect(ticket.id).toBeTruthy();
    expect(created.response.headers.get('location')).toBe(ticket.href);

    const asMno = createGridlinkClient({ baseUrl, credential: mno.keys.viewer });
    const read = await asMno.troubleTicket.GET('/troubleTicket/{id}', { params: { path: { id: ticket.id } } });
    expect(read.response.status).toBe(200);
    validateResponse(h.app.apis, 'GET', `${TT}/troubleTicket/${ticket.id}`, 200, read.data);
    expect(read.data).toMatchObject({ id: ticket.id, name: 'Loss of comms at substation Nord-17', severity: ticket.severity });

    const row = await h.db.prisma.troubleTicket.findUnique({ where: { id: ticket.id } });
    expect(row).not.toBeNull();
  });

  it('is typed from the documents: unknown paths and wrong bodies do not compile', () => {
    const gl = createGridlinkClient({ baseUrl, credential: 'unused' });
    // Never called: the assertions are the @ts-expect-error lines, checked by `npm run typecheck`.
    const compileOnly = () => {
      // @ts-expect-error the Trouble Ticket API has no such path
      void gl.troubleTicket.GET('/noSuchPath');
      // @ts-expect-error a path parameter is required
      void gl.troubleTicket.GET('/troubleTicket/{id}', {});
      // @ts-expect-error the body of a create must be an object
      void gl.troubleTicket.POST('/troubleTicket', { body: 'text' });
    };
    expect(typeof compileOnly).toBe('function');
  });

  it('GW-1: errors come back typed as TMF Error bodies (unknown id 404, no credential 401)', async () => {
    const gl = createGridlinkClient({ baseUrl, credential: dso.keys.viewer });
    const missing = await gl.troubleTicket.GET('/troubleTicket/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.data).toBeUndefined();
    expect(missing.error).toMatchObject({ '@type': 'Error', status: '404' });

    const anonymous = createGridlinkClient({ baseUrl });
    const refused = await anonymous.troubleTicket.GET('/troubleTicket');
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ '@type': 'Error', status: '401' });
  });

  it('GW-1: OAuth client credentials: one token request, reused for later calls, sent as Bearer', async () => {
    const rec = recordingFetch();
    const credential = oauthClientCredentials({
      baseUrl,
      clientId: await apiKeyId(h, dso.keys.operator),
      clientSecret: dso.keys.operator,
      scope: ['troubleTicket:read'],
      fetch: rec.fetch,
    });
    const gl = createGridlinkClient({ baseUrl, credential, fetch: rec.fetch });
    const [a, b] = await Promise.all([
      gl.troubleTicket.GET('/troubleTicket'),
      gl.troubleTicket.GET('/troubleTicket', { params: { query: { limit: 1 } } }),
    ]);
    expect(a.response.status).toBe(200);
    expect(b.response.status).toBe(200);
    expect(Array.isArray(a.data)).toBe(true);
    const c = await gl.party.GET('/organization');
    expect(c.response.status, 'the token carries only troubleTicket:read').toBe(403);
    expect(rec.urls.filter((u) => u.endsWith('/oauth/token'))).toEqual(['POST /tmf-api/party/v1/oauth/token']);
  });
});
