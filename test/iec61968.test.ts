import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text, node, list } from '../src/modules/iec61968/iec61968.xml.js';
import { createHarness, mainTableCounts, type Harness, type TestOrg, TT } from './support/harness.js';
import { IEC, MSG_NS, codes, requestMessage, send, sendRequest, ticketXml, ticketsPayload } from './support/iec61968.js';

/**
 * CIM-1 (issue 14): an OMS sends IEC 61968 RequestMessages; trouble tickets are created
 * and changed through the ticket service; every reply is an XSD-valid ResponseMessage.
 */
let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
let stranger: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  dso = await h.createOrg('DSO', 'Stadtwerke Süd & Co');
  mno = await h.createOrg('MNO', 'Funkwerk IEC');
  stranger = await h.createOrg('MNO', 'Fremdnetz IEC');
  await h.partner(dso, mno);
});
afterAll(async () => h?.close());

const uid = () => Math.random().toString(36).slice(2, 10);

async function ticketByExternalId(org: TestOrg, mrid: string) {
  const res = await h.call('GET', `${TT}?externalIdentifier.id=${encodeURIComponent(mrid)}`, { key: org.keys.viewer });
  expect(res.status).toBe(200);
  return res.body as Record<string, unknown>[];
}

describe('CIM-1 TroubleTicket create/change/cancel/close', () => {
  it('CIM-1: create TroubleTicket -> a Gridlink ticket (reporter = caller, responsible by Names, mRID as external id); reply OK with CorrelationID', async () => {
    const mrid = `TT-${uid()}`;
    const messageId = `msg-${uid()}`;
    const r = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      messageId,
      payload: ticketsPayload(
        ticketXml({ mRID: mrid, comment: 'Feeder 12 tripped; RTU offline', rank: 1, troubleCode: 'down', responsible: mno.name }),
      ),
    });
    expect(r.status, r.text).toBe(200);
    expect(r.root).toBe('ResponseMessage');
    expect(r.result).toBe('OK');
    expect(text(r.header.Verb)).toBe('reply');
    expect(text(r.header.CorrelationID)).toBe(messageId);
    const item = list(node(r.payload?.TroubleTickets)?.TroubleTicket)[0]!;
    expect(text(item.mRID)).toBe(mrid);

    const [ticket] = await ticketByExternalId(mno, mrid);
    expect(ticket).toMatchObject({
      description: 'Feeder 12 tripped; RTU offline',
      severity: 'critical',
      priority: '1',
      ticketType: 'down',
      externalIdentifier: [{ id: mrid, owner: 'iec61968' }],
    });
    const parties = ticket!.relatedParty as { role: string; partyOrPartyRole: { id: string } }[];
    expect(parties.find((p) => p.role === 'reporter')!.partyOrPartyRole.id).toBe(dso.id);
    expect(parties.find((p) => p.role === 'responsible')!.partyOrPartyRole.id).toBe(mno.id);

    // GW-2: the message is audited like any API call.
    await h.app.audit.flush();
    const audit = await h.db.prisma.auditLog.findFirst({
      where: { operation: 'receiveIecMessage', organizationId: dso.id },
      orderBy: { time: 'desc' },
    });
    expect(audit).toMatchObject({ status: 200, outcome: 'success', resourceType: 'troubleTicket' });
    expect(audit!.detail).toContain(messageId);
  });

  it('CIM-1: character references are text (an ASCII-only OMS export): &#252; and &#x1F6A8; are stored decoded, an escaped &amp;#228; stays literal', async () => {
    const mrid = `TT-${uid()}`;
    const r = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      messageId: `msg-${uid()}`,
      payload: ticketsPayload(
        ticketXml({
          mRID: mrid,
          comment: 'M&#252;hlenstra&#223;e &#x1F6A8; (code &amp;#228;)',
          troubleCode: 'down',
          responsible: mno.name,
        }),
      ),
    });
    expect(r.status, r.text).toBe(200);
    const [ticket] = await ticketByExternalId(mno, mrid);
    expect(ticket!.description).toBe('Mühlenstraße 🚨 (code &#228;)');
    const item = list(node(r.payload?.TroubleTickets)?.TroubleTicket)[0]!;
    expect(text(item.comment)).toBe('Mühlenstraße 🚨 (code &#228;)');
  });

  it('CIM-1: two creates of one mRID under different MessageIDs at once -> one ticket; the other FAILED DUPLICATE_MRID, nothing written', async () => {
    const mrid = `TT-${uid()}`;
    const create = () =>
      sendRequest(h, dso, {
        verb: 'create',
        noun: 'TroubleTicket',
        messageId: `msg-${uid()}`,
        payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'Same OMS ticket sent twice', rank: 2, responsible: mno.name })),
      });
    const replies = await Promise.all([create(), create(), create()]);
    expect(replies.map((r) => r.result).sort()).toEqual(['FAILED', 'FAILED', 'OK']);
    for (const r of replies.filter((x) => x.result === 'FAILED')) expect(codes(r)).toEqual(['DUPLICATE_MRID']);
    // The resource and its mRID mapping commit together (issue 15: one transaction that joins).
    expect(await ticketByExternalId(dso, mrid)).toHaveLength(1);
    expect(await h.db.prisma.iec61968Object.count({ where: { mrid } })).toBe(1);
  });

  it('CIM-1: the same MessageID again replays the stored reply and writes nothing; reused for another message -> 422 FAILED', async () => {
    const mrid = `TT-${uid()}`;
    const msg = requestMessage({
      verb: 'create',
      noun: 'TroubleTickets',
      org: dso.id,
      messageId: `dup-${uid()}`,
      payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'once only', responsible: mno.id })),
    });
    const first = await send(h, dso, msg);
    expect(first.result).toBe('OK');
    const before = await mainTableCounts(h);
    const again = await send(h, dso, msg);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await mainTableCounts(h)).toEqual(before);
    expect(await ticketByExternalId(dso, mrid)).toHaveLength(1);

    const other = await send(h, dso, msg.replace('once only', 'something else'));
    expect(other.status).toBe(422);
    expect(other.result).toBe('FAILED');
    expect(codes(other)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await mainTableCounts(h)).toEqual(before);
  });

  it('CIM-1: two tickets, one to a non-partner -> PARTIAL with an Error (code, xpath, relatedObject) for the refused one', async () => {
    const ok = `TT-${uid()}`;
    const bad = `TT-${uid()}`;
    const r = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      payload: ticketsPayload(
        ticketXml({ mRID: ok, comment: 'ok', responsible: mno.id }),
        ticketXml({ mRID: bad, comment: 'no', responsible: stranger.id }),
      ),
    });
    expect(r.status).toBe(200);
    expect(r.result).toBe('PARTIAL');
    expect(r.errors).toHaveLength(1);
    expect(text(r.errors[0]!.code)).toBe('NOT_A_PARTNER');
    expect(text(r.errors[0]!.xpath)).toBe('/RequestMessage/Payload/TroubleTickets/TroubleTicket[2]');
    expect(text(node(r.errors[0]!.relatedObject)?.mRID)).toBe(bad);
    expect(await ticketByExternalId(dso, ok)).toHaveLength(1);
    expect(await ticketByExternalId(dso, bad)).toHaveLength(0);
  });

  it('CIM-1: change, cancel and close map to the ticket lifecycle; lifecycle refusals come back as FAILED with the TMF code', async () => {
    const mrid = `TT-${uid()}`;
    await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'first', responsible: mno.id })),
    });
    const changed = await sendRequest(h, dso, {
      verb: 'change',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'second text', rank: 3 })),
    });
    expect(changed.result, changed.text).toBe('OK');
    let [t] = await ticketByExternalId(dso, mrid);
    expect(t).toMatchObject({ description: 'second text', severity: 'minor' });

    // close before resolution: the lifecycle refuses (reporter may close only a resolved ticket)
    const early = await sendRequest(h, dso, { verb: 'close', noun: 'TroubleTicket', payload: ticketsPayload(ticketXml({ mRID: mrid })) });
    expect(early.result).toBe('FAILED');
    expect(early.status).toBeGreaterThanOrEqual(400);
    expect(early.status).toBeLessThan(500);
    expect(text(early.errors[0]!.xpath)).toBe('/RequestMessage/Payload/TroubleTickets/TroubleTicket[1]');

    const cancelled = await sendRequest(h, dso, {
      verb: 'cancel',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'power restored, no longer needed' })),
    });
    expect(cancelled.result, cancelled.text).toBe('OK');
    [t] = await ticketByExternalId(dso, mrid);
    expect(t!.status).toBe('cancelled');

    const unknown = await sendRequest(h, dso, {
      verb: 'change',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: 'nope', comment: 'x' })),
    });
    expect(unknown.status).toBe(404);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
  });

  it('CIM-1: the same message in SOAP 1.1 and SOAP 1.2 envelopes at /soap, answered in the same envelope', async () => {
    for (const [version, ns, type] of [
      ['1.1', 'http://schemas.xmlsoap.org/soap/envelope/', 'text/xml'],
      ['1.2', 'http://www.w3.org/2003/05/soap-envelope', 'application/soap+xml'],
    ] as const) {
      const mrid = `TT-${uid()}`;
      const inner = requestMessage({
        verb: 'create',
        noun: 'TroubleTicket',
        org: dso.name,
        payload: ticketsPayload(ticketXml({ mRID: mrid, comment: `soap ${version}`, responsible: mno.id })),
      }).replace(/^<\?xml[^>]*\?>/, '');
      const envelope = `<?xml version="1.0"?><s:Envelope xmlns:s="${ns}"><s:Header/><s:Body>${inner}</s:Body></s:Envelope>`;
      const r = await send(h, dso, envelope, { path: '/soap', contentType: type, soap: version });
      expect(r.status, r.text).toBe(200);
      expect(r.result).toBe('OK');
      expect(r.text).toContain(ns);
      expect(await ticketByExternalId(dso, mrid)).toHaveLength(1);
    }
  });
});

describe('CIM-1 refusals: FAILED replies or 4xx, nothing written', () => {
  const valid = () =>
    requestMessage({
      verb: 'create',
      noun: 'TroubleTicket',
      org: dso.name,
      payload: ticketsPayload(ticketXml({ mRID: `TT-${uid()}`, comment: 'x', responsible: mno.id })),
    });

  const cases: [string, () => string, number, string][] = [
    ['malformed XML', () => valid().replace('</Header>', '</Headr>'), 400, 'SCHEMA_INVALID'],
    ['wrong namespace', () => valid().replace(MSG_NS, 'http://example.com/not-iec'), 400, 'WRONG_NAMESPACE'],
    ['unknown verb', () => valid().replace('<Verb>create</Verb>', '<Verb>explode</Verb>'), 400, 'SCHEMA_INVALID'],
    ['verb not supported with the noun', () => valid().replace('<Verb>create</Verb>', '<Verb>delete</Verb>'), 400, 'UNSUPPORTED_VERB'],
    ['unknown noun', () => valid().replace('<Noun>TroubleTicket</Noun>', '<Noun>MeterReadings</Noun>'), 400, 'UNSUPPORTED_NOUN'],
    ['unknown payload element', () => valid().replace('<comment>', '<bogus>1</bogus><comment>'), 400, 'SCHEMA_INVALID'],
    [
      'no MessageID on a write',
      () =>
        requestMessage({
          verb: 'create',
          noun: 'TroubleTicket',
          org: dso.name,
          messageId: null,
          payload: ticketsPayload(ticketXml({ mRID: 'x', responsible: mno.id })),
        }),
      400,
      'MESSAGE_ID_REQUIRED',
    ],
    [
      'billion laughs',
      () =>
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${valid()
          .replace(/^<\?xml[^>]*\?>/, '')
          .replace('<comment>x</comment>', '<comment>&lol3;</comment>')}`,
      400,
      'XML_DTD_FORBIDDEN',
    ],
    [
      'external entity',
      () =>
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${valid()
          .replace(/^<\?xml[^>]*\?>/, '')
          .replace('<comment>x</comment>', '<comment>&xxe;</comment>')}`,
      400,
      'XML_DTD_FORBIDDEN',
    ],
    [
      'a ResponseMessage sent in',
      () => valid().replaceAll('RequestMessage', 'ResponseMessage').replace('<Payload>', '<Reply><Result>OK</Result></Reply><Payload>'),
      400,
      'REQUEST_MESSAGE_REQUIRED',
    ],
  ];
  for (const [what, body, status, code] of cases) {
    it(`CIM-1 GW-6: ${what} -> ${status} ResponseMessage FAILED ${code}`, async () => {
      const before = await mainTableCounts(h);
      const r = await send(h, dso, body());
      expect(r.status, r.text).toBe(status);
      expect(r.root).toBe('ResponseMessage');
      expect(r.result).toBe('FAILED');
      expect(codes(r)).toContain(code);
      expect(await mainTableCounts(h)).toEqual(before);
    });
  }

  it('CIM-1: Header.User.Organization must be the caller -> 403 FAILED', async () => {
    const before = await mainTableCounts(h);
    const r = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      org: mno.name,
      payload: ticketsPayload(ticketXml({ mRID: 'x', responsible: mno.id })),
    });
    expect(r.status).toBe(403);
    expect(codes(r)).toEqual(['USER_ORGANIZATION_MISMATCH']);
    expect(await mainTableCounts(h)).toEqual(before);
  });

  it('CIM-1 GW-6: a body over the size limit -> 413 FaultMessage; JSON -> 415 FaultMessage; no credentials -> 401 FaultMessage', async () => {
    const before = await mainTableCounts(h);
    const big = valid().replace('<comment>x</comment>', `<comment>${'x'.repeat(1_100_000)}</comment>`);
    const tooBig = await send(h, dso, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.root).toBe('FaultMessage');
    expect(tooBig.result).toBe('FAILED');

    const json = await h.call('POST', `${IEC}/message`, { key: dso.keys.operator, body: { hello: 'world' } });
    expect(json.status).toBe(415);
    expect(json.text).toContain('<FaultMessage');
    expect(json.text).toContain('<Result>FAILED</Result>');

    const anon = await h.call('POST', `${IEC}/message`, { body: valid(), contentType: 'application/xml' });
    expect(anon.status).toBe(401);
    expect(anon.text).toContain('<FaultMessage');

    const viewer = await send(h, dso.keys.viewer, valid());
    expect(viewer.status).toBe(403);
    expect(viewer.root).toBe('FaultMessage');
    expect(await mainTableCounts(h)).toEqual(before);
  });
});
