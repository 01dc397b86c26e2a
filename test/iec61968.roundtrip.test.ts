import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/events/signature.js';
import { list, node, text } from '../src/modules/iec61968/iec61968.xml.js';
import {
  OUTAGE,
  closeSockets,
  connectSocket,
  createHarness,
  startReceiver,
  waitFor,
  type Harness,
  type Receiver,
  type TestOrg,
  TT,
} from './support/harness.js';
import { outageXml, outagesPayload, readReply, sendRequest, ticketXml, ticketsPayload, xsd } from './support/iec61968.js';

/**
 * CIM-1, issue 14 point 3: a simulated OMS posts a storm as IEC 61968 messages; the MNO
 * sees the notices and tickets through the TMF APIs and Socket.IO; the MNO's changes come
 * back to the OMS as signed EventMessages (hub format iec61968) that validate against the XSDs.
 */
let h: Harness;
let base: string;
let dso: TestOrg;
let mno: TestOrg;
let oms: Receiver;

beforeAll(async () => {
  h = await createHarness();
  base = await h.listen();
  ({ dso, mno } = await h.partners({ dso: 'Storm DSO', mno: 'Storm MNO' }));
  oms = await startReceiver();
});
afterAll(async () => {
  closeSockets();
  await oms?.close();
  await h?.close();
});

const xmlDeliveries = () => oms.requests.filter((r) => String(r.headers['content-type']).includes('xml'));

describe('CIM-1 round trip: OMS storm -> MNO (TMF + Socket.IO) -> OMS EventMessages', () => {
  it('CIM-1 round trip: storm in, MNO sees it, MNO changes return as XSD-valid signed EventMessages', { timeout: 120_000 }, async () => {
    // The OMS registers its IEC endpoint on both hubs.
    const hubs: Record<string, { id: string; secret: string; format: string }> = {};
    for (const hub of ['/tmf-api/troubleTicket/v5/hub', `${OUTAGE}/hub`]) {
      const res = await h.call('POST', hub, { key: dso.keys.operator, body: { callback: oms.url, format: 'iec61968' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      hubs[hub] = res.body as { id: string; secret: string; format: string };
      expect(hubs[hub]!.format).toBe('iec61968');
    }
    const badFormat = await h.call('POST', '/tmf-api/troubleTicket/v5/hub', {
      key: dso.keys.operator,
      body: { callback: oms.url, format: 'edifact' },
    });
    expect(badFormat.status).toBe(400);

    const socket = await connectSocket(base, { token: mno.keys.viewer });

    // The storm: three outages in one IncidentInformation, two trouble tickets.
    const outages = ['A', 'B', 'C'].map((x) => `STORM-OUT-${x}`);
    const storm = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'IncidentInformation',
      payload: outagesPayload(
        'IncidentInformation',
        ...outages.map((m, i) =>
          outageXml({ mRID: m, statusKind: 'confirmed', cause: 'storm', etr: '2030-01-02T00:00:00Z', box: [9 + i, 53, 9.5 + i, 53.5] }),
        ),
      ),
    });
    expect(storm.result, storm.text).toBe('OK');
    const tickets = ['STORM-TT-1', 'STORM-TT-2'];
    const filed = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTickets',
      payload: ticketsPayload(
        ...tickets.map((m) => ticketXml({ mRID: m, comment: `Base station mast down (${m})`, rank: 2, responsible: mno.name })),
      ),
    });
    expect(filed.result, filed.text).toBe('OK');

    // The MNO sees them through TMF ...
    const notices = await h.call('GET', `${OUTAGE}/energyOutageNotice?cause=storm`, { key: mno.keys.viewer });
    expect(notices.status).toBe(200);
    expect(notices.body).toHaveLength(3);
    const ticketList = await h.call('GET', `${TT}?relatedParty.partyOrPartyRole.id=${dso.id}`, { key: mno.keys.viewer });
    const stormTickets = (ticketList.body as { id: string; externalIdentifier?: { id: string }[] }[]).filter((t) =>
      tickets.includes(t.externalIdentifier?.[0]?.id ?? ''),
    );
    expect(stormTickets).toHaveLength(2);
    // ... and on its socket.
    await waitFor(
      () => socket.events.filter((e) => ['EnergyOutageNoticeCreateEvent', 'TroubleTicketCreateEvent'].includes(e.eventType)).length >= 5,
      20_000,
      'five create events on the MNO socket',
    );

    // The MNO works a ticket and answers an outage notice.
    const ticketId = stormTickets.find((t) => t.externalIdentifier![0]!.id === 'STORM-TT-1')!.id;
    for (const status of ['acknowledged', 'inProgress', 'resolved']) {
      const res = await h.patch(`${TT}/${ticketId}`, mno.keys.operator, { status });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const noticeId = (notices.body as { id: string }[])[0]!.id;
    const answer = await h.patch(`${OUTAGE}/energyOutageNotice/${noticeId}`, mno.keys.operator, {
      mnoInterventionTime: '2030-01-01T02:00:00Z',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // The MNO files its own ticket with the DSO (the OMS knows it by Gridlink's id).
    const own = await h.call('POST', TT, {
      key: mno.keys.operator,
      body: {
        description: 'Site without power',
        severity: 'major',
        ticketType: 'down',
        relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: dso.id } }],
      },
    });
    expect(own.status).toBe(201);
    const ownId = (own.body as { id: string }).id;

    // Back at the OMS: XML EventMessages, signed, valid against the XSDs.
    await waitFor(
      async () => {
        await h.app.webhooks.deliverDue();
        const s = xmlDeliveries().map((r) => r.body);
        return s.some((b) => b.includes('<Verb>changed</Verb>') && b.includes('STORM-TT-1') && b.includes('resolved')) &&
          s.some((b) => b.includes(ownId))
          ? s
          : undefined;
      },
      30_000,
      'EventMessages for the MNO changes at the OMS',
    );
    const deliveries = xmlDeliveries();
    expect(deliveries.every((r) => r.headers['content-type'] === 'application/xml; charset=utf-8')).toBe(true);
    for (const d of deliveries) {
      expect(await xsd.validate(d.body, 'message'), d.body).toEqual([]);
      const secret = d.body.includes('TroubleTickets') ? hubs['/tmf-api/troubleTicket/v5/hub']!.secret : hubs[`${OUTAGE}/hub`]!.secret;
      expect(
        verifySignature({
          secret,
          body: d.body,
          timestamp: d.headers['x-gridlink-timestamp'] as string,
          signature: d.headers['x-gridlink-signature'] as string,
          toleranceSeconds: 10 ** 9,
        }),
      ).toBe(true);
    }
    const messages = deliveries.map((d) => readReply(200, d.body));
    expect(messages.every((m) => m.root === 'EventMessage')).toBe(true);
    const summary = messages.map((m) => {
      const tt = list(node(m.payload?.TroubleTickets)?.TroubleTicket)[0];
      const out = list(node(m.payload?.IncidentInformation)?.Outage)[0];
      const item = tt ?? out!;
      return {
        verb: text(m.header.Verb),
        noun: text(m.header.Noun),
        mRID: text(item.mRID),
        status: text(node(item.status)?.value) ?? text(item.statusKind),
      };
    });
    // The OMS's own objects come back under its own mRIDs.
    expect(summary).toContainEqual({ verb: 'created', noun: 'TroubleTicket', mRID: 'STORM-TT-1', status: expect.any(String) });
    expect(summary).toContainEqual({ verb: 'changed', noun: 'TroubleTicket', mRID: 'STORM-TT-1', status: 'resolved' });
    for (const m of outages) expect(summary).toContainEqual({ verb: 'created', noun: 'IncidentInformation', mRID: m, status: 'confirmed' });
    expect(summary.filter((s) => s.noun === 'IncidentInformation' && s.verb === 'changed').length).toBeGreaterThanOrEqual(1);
    // The MNO's ticket arrives under Gridlink's id ...
    expect(summary).toContainEqual({ verb: 'created', noun: 'TroubleTicket', mRID: ownId, status: expect.any(String) });

    // ... and the OMS acts on it by that id: `close` from the responsible side resolves it.
    const ack = await h.patch(`${TT}/${ownId}`, dso.keys.operator, { status: 'acknowledged' });
    expect(ack.status).toBe(200);
    const resolved = await sendRequest(h, dso, {
      verb: 'close',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: ownId, comment: 'Feeder re-energised' })),
    });
    expect(resolved.result, resolved.text).toBe('OK');
    const seen = await h.call('GET', `${TT}/${ownId}`, { key: mno.keys.viewer });
    expect((seen.body as { status: string }).status).toBe('resolved');
    // The OMS closing its own (resolved) ticket closes it: the reporter accepts the resolution.
    const closed = await sendRequest(h, dso, {
      verb: 'close',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: 'STORM-TT-1' })),
    });
    expect(closed.result, closed.text).toBe('OK');
    await waitFor(
      async () => {
        await h.app.webhooks.deliverDue();
        return xmlDeliveries().some((r) => r.body.includes('<Verb>closed</Verb>') && r.body.includes('STORM-TT-1'));
      },
      30_000,
      'a closed EventMessage for STORM-TT-1',
    );
  });
});
