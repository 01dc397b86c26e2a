import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  setRateTier,
  startReceiver,
  ticketInput,
  type CallOptions,
  type Harness,
  type Receiver,
  type TestOrg,
  MERGE,
  delivered,
} from '../support/harness.js';
import { officialApi, TMF621_V4 } from '../support/officialSchema.js';

/**
 * Issue 11, points 3 and 4: the TMF621 v4 profile, tested from the official TMF621 v4.0.0
 * document. TMF621 v4 publishes no example requests, so the requests are the ones a v4
 * conformance kit sends (minimal create, get by id, fields projection, attribute filters,
 * unknown id, missing mandatory attribute, trailing slash). Every response is validated
 * against the OFFICIAL v4 schema (and, by the harness, against our own v4 document).
 */
const V4 = '/tmf-api/troubleTicket/v4';
const V5 = '/tmf-api/troubleTicket/v5';
const official = officialApi(TMF621_V4, V4);

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let other: TestOrg;
const receivers: Receiver[] = [];

/** A call to the v4 API whose response must conform to the official v4 document. */
const v4 = (method: string, path: string, opts: CallOptions = {}) => official.call(h, method, `${V4}${path}`, opts);

/** The minimal v4 create a conformance kit sends, addressed to a partner. */
const minimal = (responsible: TestOrg, extra: Record<string, unknown> = {}) => ({
  description: 'RTU at substation Nord-17 lost its mobile link at 00:36.',
  severity: 'major',
  ticketType: 'down',
  relatedParty: [{ id: responsible.id, role: 'responsible', '@referredType': 'Organization' }],
  ...extra,
});

beforeAll(async () => {
  h = await createHarness();
  await h.listen();
  ({ dso, mno } = await h.partners());
  other = await h.createPartner(dso);
  for (const o of [dso, mno, other]) await setRateTier(h, o.id, 'unlimited');
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h?.close();
});

describe('TMF621 v4 profile: conformance-kit requests (PI-2)', () => {
  it('minimal create (description, severity, ticketType + responsible party) -> 201, Location, v4 shape', async () => {
    const res = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno) });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${V4}/troubleTicket/${res.body.id}`);
    expect(res.body).toMatchObject({
      href: `${V4}/troubleTicket/${res.body.id}`,
      '@type': 'TroubleTicket',
      status: 'acknowledged',
      gridlinkStatus: 'submitted',
      severity: 'major',
      ticketType: 'down',
    });
    // relatedParty with id/role directly; the server added the reporter.
    expect(res.body.relatedParty).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: dso.id, role: 'reporter', '@referredType': 'Organization' }),
        expect.objectContaining({ id: mno.id, role: 'responsible', name: mno.name, '@referredType': 'Organization' }),
      ]),
    );
    expect(res.body.statusChange).toEqual([
      expect.objectContaining({ status: 'acknowledged', changeDate: res.body.creationDate, '@type': 'StatusChange' }),
    ]);
    expect(res.body).not.toHaveProperty('statusChangeHistory');
    expect(res.body.relatedParty[0]).not.toHaveProperty('partyOrPartyRole');
  });

  it('create with every TMF621 v4 create attribute: kept, mapped or ignored as documented', async () => {
    const res = await v4('POST', '/troubleTicket', {
      key: dso.keys.operator,
      body: minimal(mno, {
        '@type': 'TroubleTicket',
        name: 'Loss of comms at Nord-17',
        priority: '2',
        externalId: 'INC0042',
        requestedResolutionDate: '2026-11-22T08:00:00Z',
        status: 'acknowledged',
        statusChangeReason: 'ignored',
        creationDate: '2001-01-01T00:00:00Z',
        lastUpdate: '2001-01-01T00:00:00Z',
        statusChangeDate: '2001-01-01T00:00:00Z',
        resolutionDate: '2001-01-01T00:00:00Z',
        expectedResolutionDate: '2001-01-01T00:00:00Z',
        statusChange: [{ status: 'resolved', changeDate: '2001-01-01T00:00:00Z' }],
        note: [{ text: 'Devices on the backup network report normally.' }],
        attachment: [{ name: 'photo.jpg', mimeType: 'image/jpeg', url: 'https://files.example/photo.jpg' }],
        relatedEntity: [{ id: 'RTU-4711', role: 'affectedSite', '@referredType': 'Site', name: 'RTU 4711' }],
        channel: { id: 'api', name: 'API' },
        troubleTicketRelationship: [{ id: 'TT-1', relationshipType: 'isRelatedTo' }],
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const t = res.body;
    expect(t).toMatchObject({
      name: 'Loss of comms at Nord-17',
      priority: '2',
      externalId: 'INC0042',
      requestedResolutionDate: '2026-11-22T08:00:00.000Z',
      status: 'acknowledged',
      creationDate: h.clock.now().toISOString(),
      channel: { id: 'api', name: 'API' },
      relatedEntity: [{ id: 'RTU-4711', role: 'affectedSite', '@referredType': 'Site', name: 'RTU 4711' }],
      troubleTicketRelationship: [{ id: 'TT-1', relationshipType: 'isRelatedTo' }],
      attachment: [expect.objectContaining({ name: 'photo.jpg' })],
    });
    for (const k of ['resolutionDate', 'expectedResolutionDate', 'statusChangeReason']) expect(t).not.toHaveProperty(k);
    expect(t.statusChange).toHaveLength(1);
    expect(t.note).toEqual([
      expect.objectContaining({ text: 'Devices on the backup network report normally.', author: dso.name, id: expect.any(String) }),
    ]);
  });

  it('status on create: open work (inProgress) accepted and ignored with a Warning; a finished state -> 422 naming the allowed value, nothing written', async () => {
    const ignored = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { status: 'inProgress' }) });
    expect(ignored.status).toBe(201);
    expect(ignored.body.status).toBe('acknowledged');
    expect(ignored.headers.warning).toContain("status 'inProgress' ignored");
    const before = await h.db.pool.query('SELECT count(*)::int AS n FROM trouble_ticket');
    const res = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { status: 'closed' }) });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/acknowledged/);
    const after = await h.db.pool.query('SELECT count(*)::int AS n FROM trouble_ticket');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it.each(['description', 'severity', 'ticketType'])('missing mandatory %s -> 400 naming it', async (attr) => {
    const body: Record<string, unknown> = minimal(mno);
    delete body[attr];
    const res = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(attr);
  });

  it('v5-only shapes are refused by the v4 document (relatedParty without id) -> 400', async () => {
    const res = await v4('POST', '/troubleTicket', {
      key: dso.keys.operator,
      body: { ...minimal(mno), relatedParty: ticketInput(mno).relatedParty },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/relatedParty/);
  });

  it('get by id; fields= returns exactly the listed attributes plus id, href and @type', async () => {
    const c = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { externalId: 'INC-FIELDS' }) });
    const full = await v4('GET', `/troubleTicket/${c.body.id}`, { key: mno.keys.viewer });
    expect(full.status).toBe(200);
    expect(full.body).toEqual(c.body);
    expect(full.headers.etag).toBeTruthy();
    const res = await h.call('GET', `${V4}/troubleTicket/${c.body.id}?fields=status,severity,externalId`, { key: dso.keys.viewer });
    official.expectConforms('GET', `${V4}/troubleTicket/${c.body.id}`, res);
    expect(Object.keys(res.body).sort()).toEqual(['@type', 'externalId', 'href', 'id', 'severity', 'status']);
    const bad = await v4('GET', `/troubleTicket/${c.body.id}?fields=partyOrPartyRole`, { key: dso.keys.viewer });
    expect(bad.status).toBe(400);
  });

  it('attribute filters use v4 names (status, externalId, relatedParty.id, severity); trailing slash; counts', async () => {
    const a = await v4('POST', '/troubleTicket', {
      key: dso.keys.operator,
      body: minimal(other, { externalId: 'INC-FILTER-A', severity: 'critical' }),
    });
    const b = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(other, { externalId: 'INC-FILTER-B' }) });
    expect(
      (await v4('PATCH', `/troubleTicket/${b.body.id}`, { key: other.keys.operator, body: { status: 'acknowledged' }, contentType: MERGE }))
        .status,
    ).toBe(200);
    const ids = (r: { body: { id: string }[] }) => r.body.map((t) => t.id).sort();

    const byParty = await v4('GET', `/troubleTicket?relatedParty.id=${other.id}`, { key: dso.keys.viewer });
    expect(ids(byParty)).toEqual([a.body.id, b.body.id].sort());
    expect(byParty.headers['x-total-count']).toBe('2');
    const byExt = await v4('GET', '/troubleTicket?externalId=INC-FILTER-A', { key: dso.keys.viewer });
    expect(ids(byExt)).toEqual([a.body.id]);
    // `acknowledged` in v4 covers Gridlink's not-yet-acknowledged `submitted`.
    const acked = await v4('GET', `/troubleTicket?status=acknowledged&relatedParty.id=${other.id}`, { key: dso.keys.viewer });
    expect(ids(acked)).toEqual([a.body.id, b.body.id].sort());
    const sev = await v4('GET', `/troubleTicket?severity=critical&relatedParty.id=${other.id}`, { key: dso.keys.viewer });
    expect(ids(sev)).toEqual([a.body.id]);
    const slash = await v4('GET', `/troubleTicket/?relatedParty.id=${other.id}&fields=externalId`, { key: other.keys.viewer });
    expect(slash.status).toBe(200);
    expect(slash.body.map((t: Record<string, unknown>) => Object.keys(t).sort())).toEqual([
      ['@type', 'externalId', 'href', 'id'],
      ['@type', 'externalId', 'href', 'id'],
    ]);
    const unknown = await v4('GET', '/troubleTicket?partyOrPartyRole.id=x', { key: dso.keys.viewer });
    expect(unknown.status).toBe(400);
  });

  it('unknown id -> 404 (uuid or not); another organisation -> 404 on get, patch and delete, absent from its list', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-ticket']) {
      expect((await v4('GET', `/troubleTicket/${id}`, { key: dso.keys.viewer })).status).toBe(404);
    }
    const c = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { name: 'tenancy probe' }) });
    expect((await v4('GET', `/troubleTicket/${c.body.id}`, { key: other.keys.admin })).status).toBe(404);
    const p = await v4('PATCH', `/troubleTicket/${c.body.id}`, {
      key: other.keys.admin,
      body: { description: 'hijacked' },
      contentType: MERGE,
    });
    expect(p.status).toBe(404);
    expect((await v4('DELETE', `/troubleTicket/${c.body.id}`, { key: other.keys.admin })).status).toBe(404);
    const list = await v4('GET', '/troubleTicket', { key: other.keys.admin });
    expect(list.body.map((t: { id: string }) => t.id)).not.toContain(c.body.id);
    expect((await v4('GET', `/troubleTicket/${c.body.id}`, { key: dso.keys.viewer })).body.description).not.toBe('hijacked');
  });

  it('patch: the responsible acknowledges and works the ticket; notes are appended; an echo of GET changes nothing', async () => {
    const c = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { note: [{ text: 'first' }] }) });
    const id = c.body.id as string;
    // The reporter sending back what it read: no change, no 409.
    const echo = await v4('PATCH', `/troubleTicket/${id}`, {
      key: dso.keys.operator,
      body: { status: c.body.status, relatedParty: c.body.relatedParty, note: c.body.note, severity: c.body.severity },
      contentType: 'application/json',
    });
    expect(echo.status, JSON.stringify(echo.body)).toBe(200);
    expect(echo.body.lastUpdate).toBe(c.body.lastUpdate);

    const ack = await v4('PATCH', `/troubleTicket/${id}`, { key: mno.keys.operator, body: { status: 'acknowledged' }, contentType: MERGE });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body.status).toBe('acknowledged');
    expect(ack.body).not.toHaveProperty('gridlinkStatus');
    const wip = await v4('PATCH', `/troubleTicket/${id}`, {
      key: mno.keys.operator,
      body: { status: 'inProgress', note: [{ text: 'crew dispatched' }], expectedResolutionDate: '2026-11-21T12:00:00Z' },
      contentType: 'application/json',
    });
    expect(wip.status, JSON.stringify(wip.body)).toBe(200);
    expect(wip.body.status).toBe('inProgress');
    expect(wip.body.note.map((n: { text: string; author: string }) => [n.text, n.author])).toEqual([
      ['first', dso.name],
      ['crew dispatched', mno.name],
    ]);
    expect(wip.body.statusChange.map((s: { status: string }) => s.status)).toEqual(['acknowledged', 'acknowledged', 'inProgress']);
    // The lifecycle is the v5 one: the reporter may not resolve (409), pending needs a reason (422).
    expect(
      (await v4('PATCH', `/troubleTicket/${id}`, { key: dso.keys.operator, body: { status: 'resolved' }, contentType: MERGE })).status,
    ).toBe(409);
    expect(
      (await v4('PATCH', `/troubleTicket/${id}`, { key: mno.keys.operator, body: { status: 'pending' }, contentType: MERGE })).status,
    ).toBe(422);
    // Server-managed and party attributes stay the server's.
    const ro = await v4('PATCH', `/troubleTicket/${id}`, {
      key: dso.keys.operator,
      body: { relatedParty: [{ id: other.id, role: 'responsible', '@referredType': 'Organization' }] },
      contentType: MERGE,
    });
    expect(ro.status).toBe(422);
    const ext = await v4('PATCH', `/troubleTicket/${id}`, { key: dso.keys.operator, body: { externalId: 'INC-NEW' }, contentType: MERGE });
    expect(ext.body.externalId).toBe('INC-NEW');
    expect(
      (await v4('PATCH', `/troubleTicket/${id}`, { key: dso.keys.operator, body: { status: 'closed' }, contentType: 'text/plain' })).status,
    ).toBe(415);
  });

  it('delete by the reporter admin -> 204, then 404 in v4 and v5; the responsible gets 403', async () => {
    const c = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno) });
    expect((await v4('DELETE', `/troubleTicket/${c.body.id}`, { key: mno.keys.admin })).status).toBe(403);
    expect((await v4('DELETE', `/troubleTicket/${c.body.id}`, { key: dso.keys.operator })).status).toBe(403);
    expect((await v4('DELETE', `/troubleTicket/${c.body.id}`, { key: dso.keys.admin })).status).toBe(204);
    expect((await v4('GET', `/troubleTicket/${c.body.id}`, { key: dso.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${V5}/troubleTicket/${c.body.id}`, { key: dso.keys.viewer })).status).toBe(404);
  });
});

describe('TMF621 v4 and v5 serve the same tickets (issue 11 point 3)', () => {
  it('a ticket created through v4 is read and patched through v5, and the change is seen through v4', async () => {
    const c = await v4('POST', '/troubleTicket', { key: dso.keys.operator, body: minimal(mno, { externalId: 'INC-X1' }) });
    const id = c.body.id as string;
    const v5 = await h.call('GET', `${V5}/troubleTicket/${id}`, { key: mno.keys.viewer });
    expect(v5.status).toBe(200);
    expect(v5.body).toMatchObject({ id, externalIdentifier: [{ id: 'INC-X1' }], description: c.body.description });
    // Gridlink's exact state (v5 may show the standard status with the `gridlinkStatus` extension).
    expect(v5.body.gridlinkStatus ?? v5.body.status).toBe('submitted');
    expect(v5.body.relatedParty).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: 'responsible', partyOrPartyRole: expect.objectContaining({ id: mno.id }) })]),
    );
    const p = await h.patch(`${V5}/troubleTicket/${id}`, mno.keys.operator, { status: 'acknowledged' });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const back = await v4('GET', `/troubleTicket/${id}`, { key: dso.keys.viewer });
    expect(back.body.status).toBe('acknowledged');
    expect(back.body).not.toHaveProperty('gridlinkStatus');
    expect(back.body.statusChange.map((s: { status: string }) => s.status)).toEqual(['acknowledged', 'acknowledged']);
  });

  it('a ticket created through v5 is read and patched through v4, and the change is seen through v5', async () => {
    const c = await h.call('POST', `${V5}/troubleTicket`, {
      key: mno.keys.operator,
      body: ticketInput(dso, {
        externalIdentifier: [{ id: 'MNO-77', owner: 'MNO NOC' }],
        relatedEntity: [{ role: 'affectedSite', entity: { id: 'CELL-9', '@referredType': 'Site' } }],
      }),
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const id = c.body.id as string;
    const read = await v4('GET', `/troubleTicket/${id}`, { key: dso.keys.viewer });
    expect(read.body).toMatchObject({
      id,
      href: `${V4}/troubleTicket/${id}`,
      externalId: 'MNO-77',
      relatedEntity: [{ id: 'CELL-9', role: 'affectedSite', '@referredType': 'Site' }],
    });
    const p = await v4('PATCH', `/troubleTicket/${id}`, {
      key: dso.keys.operator,
      body: { status: 'acknowledged', note: [{ text: 'on it' }], priority: '2' },
      contentType: MERGE,
    });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const v5 = await h.call('GET', `${V5}/troubleTicket/${id}`, { key: mno.keys.viewer });
    expect(v5.body).toMatchObject({ status: 'acknowledged', priority: '2', externalIdentifier: [{ id: 'MNO-77', owner: 'MNO NOC' }] });
    expect(v5.body.note).toEqual([expect.objectContaining({ text: 'on it', author: dso.name })]);
  });
});

describe('TMF621 v4 hub: v4 event shapes (issue 11 point 3)', () => {
  it('registerListener -> 201 EventSubscription; events arrive in the v4 structure; v5 hubs keep v5; unregister stops them', async () => {
    const r4 = await startReceiver();
    const r5 = await startReceiver();
    receivers.push(r4, r5);
    const hub = await v4('POST', '/hub', {
      key: mno.keys.operator,
      body: { callback: r4.url, query: 'eventType=TroubleTicketCreateEvent,TroubleTicketStatusChangeEvent' },
    });
    expect(hub.status, JSON.stringify(hub.body)).toBe(201);
    expect(hub.body).toMatchObject({ id: expect.any(String), callback: r4.url, secret: expect.any(String) });
    expect(hub.headers.location).toBe(`${V4}/hub/${hub.body.id}`);
    const hub5 = await h.call('POST', `${V5}/hub`, {
      key: mno.keys.operator,
      body: { callback: r5.url, query: 'eventType=TroubleTicketCreateEvent' },
    });
    expect(hub5.status).toBe(201);
    // A filter on a v4 attribute name.
    const filtered = await v4('POST', '/hub', {
      key: mno.keys.operator,
      body: { callback: `${r4.url}/filtered`, query: 'event.troubleTicket.externalId=INC-HUB' },
    });
    expect(filtered.status).toBe(201);

    const c = await h.call('POST', `${V5}/troubleTicket`, {
      key: dso.keys.operator,
      body: ticketInput(mno, { externalIdentifier: [{ id: 'INC-HUB' }] }),
    });
    expect(c.status).toBe(201);
    await delivered(h, r4, 2);
    await delivered(h, r5, 1);
    const created = r4.events().filter((e) => e.eventType === 'TroubleTicketCreateEvent');
    expect(created).toHaveLength(2); // the eventType subscription and the externalId one
    for (const e of created) {
      expect(official.schema('TroubleTicketCreateEvent')(e), JSON.stringify(official.schema('TroubleTicketCreateEvent').errors)).toBe(true);
      expect(e.event.troubleTicket).toMatchObject({
        id: c.body.id,
        href: `${V4}/troubleTicket/${c.body.id}`,
        externalId: 'INC-HUB',
        status: 'acknowledged',
      });
      expect(e.event.troubleTicket!.relatedParty).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: mno.id, role: 'responsible' })]),
      );
      expect(e).toHaveProperty('timeOcurred');
    }
    // The v5 subscriber got the same outbox event in the v5 shape.
    const [e5] = r5.events();
    expect(e5!.eventId).toBe(created[0]!.eventId);
    expect(e5!.event.troubleTicket).toMatchObject({ externalIdentifier: [{ id: 'INC-HUB' }] });
    expect(e5!.event.troubleTicket!.relatedParty).toEqual(
      expect.arrayContaining([expect.objectContaining({ partyOrPartyRole: expect.objectContaining({ id: mno.id }) })]),
    );

    const ack = await v4('PATCH', `/troubleTicket/${c.body.id}`, {
      key: mno.keys.operator,
      body: { status: 'acknowledged' },
      contentType: MERGE,
    });
    expect(ack.status).toBe(200);
    await delivered(h, r4, 3);
    const change = r4.events().find((e) => e.eventType === 'TroubleTicketStatusChangeEvent');
    expect(official.schema('TroubleTicketStatusChangeEvent')(change)).toBe(true);
    expect(change!.event.troubleTicket).toMatchObject({ status: 'acknowledged' });

    expect((await v4('DELETE', `/hub/${hub.body.id}`, { key: other.keys.operator })).status).toBe(404);
    expect((await v4('DELETE', `/hub/${hub.body.id}`, { key: mno.keys.operator })).status).toBe(204);
    expect((await v4('DELETE', `/hub/${filtered.body.id}`, { key: mno.keys.operator })).status).toBe(204);
    const before = r4.events().length;
    await h.call('POST', `${V5}/troubleTicket`, {
      key: dso.keys.operator,
      body: ticketInput(mno, { externalIdentifier: [{ id: 'INC-HUB' }] }),
    });
    await delivered(h, r5, 2);
    expect(r4.events()).toHaveLength(before);
  });
});
