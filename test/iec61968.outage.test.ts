import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { list, node, text } from '../src/modules/iec61968/iec61968.xml.js';
import { OUTAGE, createHarness, mainTableCounts, type Harness, type TestOrg } from './support/harness.js';
import { II_NS, codes, outageXml, outagesPayload, sendRequest, ticketXml, ticketsPayload } from './support/iec61968.js';

/**
 * CIM-1 (issue 14): IncidentInformation / Outages messages from an OMS become energy
 * outage notices (EO-1) through the outage service; `get` returns records as CIM.
 */
const N = `${OUTAGE}/energyOutageNotice`;
let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners({ dso: 'Netz Ost IEC', mno: 'Mobil Ost IEC' }));
});
afterAll(async () => h?.close());

const uid = () => Math.random().toString(36).slice(2, 10);

async function noticeOf(mrid: string) {
  const got = await sendRequest(h, dso, { verb: 'get', noun: 'IncidentInformation', request: `<ID>${mrid}</ID>` });
  expect(got.result, got.text).toBe('OK');
  const outage = list(node(got.payload?.IncidentInformation)?.Outage)[0]!;
  const id = list(outage.Names).find((n) => text(node(n.NameType)?.name) === 'gridlinkId')!;
  const res = await h.call('GET', `${N}/${text(id.name)}`, { key: mno.keys.viewer });
  expect(res.status).toBe(200);
  return res.body as Record<string, unknown>;
}

describe('CIM-1 IncidentInformation / Outages -> energy outage notices', () => {
  it('CIM-1 EO-1: create IncidentInformation -> a notice to the MNO partners with status, cause, ETR, area and usage points', async () => {
    const mrid = `OUT-${uid()}`;
    const r = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'IncidentInformation',
      payload: outagesPayload(
        'IncidentInformation',
        outageXml({
          mRID: mrid,
          statusKind: 'confirmed',
          cause: 'Storm damage on 20 kV line',
          etr: '2030-01-01T06:00:00Z',
          start: '2029-12-31T23:10:00Z',
          box: [9.9, 53.4, 10.1, 53.6],
          usagePoints: ['SUPPLY-1', 'SUPPLY-2'],
          customers: 1200,
        }),
      ),
    });
    expect(r.status, r.text).toBe(200);
    expect(r.result).toBe('OK');
    const notice = await noticeOf(mrid);
    expect(notice).toMatchObject({
      outageKind: 'unplanned',
      status: 'confirmed',
      cause: 'Storm damage on 20 kV line',
      expectedOutageEndTime: '2030-01-01T06:00:00.000Z',
      outageStartTime: '2029-12-31T23:10:00.000Z',
      customersAffected: 1200,
      affectedArea: { outageArea: { type: 'Polygon' }, energySupplyId: ['SUPPLY-1', 'SUPPLY-2'] },
    });
    const ring = (notice.affectedArea as { outageArea: { coordinates: number[][][] } }).outageArea.coordinates[0]!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring).toHaveLength(5);
  });

  it('CIM-1 EO-1: change (new ETR, statusKind restored) then close, under the Outages noun; lifecycle refusals are FAILED', async () => {
    const mrid = `OUT-${uid()}`;
    await sendRequest(h, dso, {
      verb: 'create',
      noun: 'Outages',
      org: dso.id,
      payload: outagesPayload('Outages', outageXml({ mRID: mrid, cause: 'tree', box: [9, 53, 9.1, 53.1] })),
    });
    const early = await sendRequest(h, dso, {
      verb: 'close',
      noun: 'Outages',
      org: dso.id,
      payload: outagesPayload('Outages', outageXml({ mRID: mrid })),
    });
    expect(early.result).toBe('FAILED');
    expect(early.status).toBe(409);
    expect(text(early.errors[0]!.xpath)).toBe('/RequestMessage/Payload/Outages/Outage[1]');

    const etr = await sendRequest(h, dso, {
      verb: 'change',
      noun: 'Outages',
      org: dso.id,
      payload: outagesPayload('Outages', outageXml({ mRID: mrid, etr: '2030-02-01T10:00:00Z' })),
    });
    expect(etr.result, etr.text).toBe('OK');
    expect((await noticeOf(mrid)).expectedOutageEndTime).toBe('2030-02-01T10:00:00.000Z');

    const restored = await sendRequest(h, dso, {
      verb: 'change',
      noun: 'Outages',
      org: dso.id,
      payload: outagesPayload('Outages', outageXml({ mRID: mrid, statusKind: 'restored', end: '2030-02-01T09:30:00Z' })),
    });
    expect(restored.result, restored.text).toBe('OK');
    const after = await noticeOf(mrid);
    expect(after).toMatchObject({ status: 'restored', actualOutageEndTime: '2030-02-01T09:30:00.000Z' });

    const closed = await sendRequest(h, dso, {
      verb: 'close',
      noun: 'Outages',
      org: dso.id,
      payload: outagesPayload('Outages', outageXml({ mRID: mrid })),
    });
    expect(closed.result, closed.text).toBe('OK');
    expect((await noticeOf(mrid)).status).toBe('closed');
  });

  it('CIM-1: an MNO cannot publish outages through the bridge either (403 FAILED, nothing written)', async () => {
    const before = await mainTableCounts(h);
    const r = await sendRequest(h, mno, {
      verb: 'create',
      noun: 'IncidentInformation',
      payload: outagesPayload('IncidentInformation', outageXml({ mRID: 'x', box: [9, 53, 9.1, 53.1] })),
    });
    expect(r.status).toBe(403);
    expect(r.result).toBe('FAILED');
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(await mainTableCounts(h)).toEqual(before);
  });

  it('CIM-1: a Compressed payload (base64 gzip) is read like a plain one; one that inflates past the limit is 413 FAILED', async () => {
    const mrid = `OUT-${uid()}`;
    const inner = outagesPayload('IncidentInformation', outageXml({ mRID: mrid, cause: 'compressed', box: [9, 53, 9.1, 53.1] }));
    const compressed = `<Compressed>${zlib.gzipSync(inner).toString('base64')}</Compressed><Format>XML</Format>`;
    const r = await sendRequest(h, dso, { verb: 'create', noun: 'IncidentInformation', payload: compressed });
    expect(r.result, r.text).toBe('OK');
    expect((await noticeOf(mrid)).cause).toBe('compressed');

    const before = await mainTableCounts(h);
    const bomb = zlib.gzipSync(
      Buffer.from(
        `<IncidentInformation xmlns="${II_NS}"><Outage><mRID>b</mRID><cause>${'A'.repeat(5_000_000)}</cause></Outage></IncidentInformation>`,
      ),
    );
    expect(bomb.length).toBeLessThan(100_000);
    const big = await sendRequest(h, dso, {
      verb: 'create',
      noun: 'IncidentInformation',
      payload: `<Compressed>${bomb.toString('base64')}</Compressed>`,
    });
    expect(big.status).toBe(413);
    expect(codes(big)).toEqual(['INVALID_COMPRESSED_PAYLOAD']);
    expect(await mainTableCounts(h)).toEqual(before);
  });
});

describe('CIM-1 get', () => {
  it('CIM-1: get TroubleTicket by ID and by a time window + status option; mRIDs are the caller’s own ids', async () => {
    const mrid = `TT-${uid()}`;
    await sendRequest(h, dso, {
      verb: 'create',
      noun: 'TroubleTicket',
      payload: ticketsPayload(ticketXml({ mRID: mrid, comment: 'get me', responsible: mno.id })),
    });
    const byId = await sendRequest(h, dso, {
      verb: 'get',
      noun: 'TroubleTicket',
      messageId: null,
      request: `<ID>${mrid}</ID><ID>unknown-one</ID>`,
    });
    expect(byId.status).toBe(200);
    expect(byId.result).toBe('PARTIAL');
    expect(codes(byId)).toEqual(['NOT_FOUND']);
    const items = list(node(byId.payload?.TroubleTickets)?.TroubleTicket);
    expect(items.map((i) => text(i.mRID))).toEqual([mrid]);
    expect(text(items[0]!.comment)).toBe('get me');
    expect(text(node(items[0]!.status)?.value)).toBeTruthy();

    const window = await sendRequest(h, dso, {
      verb: 'get',
      noun: 'TroubleTickets',
      request: `<StartTime>2000-01-01T00:00:00Z</StartTime><Option><name>status</name><value>${text(node(items[0]!.status)?.value)}</value></Option>`,
    });
    expect(window.result).toBe('OK');
    expect(list(node(window.payload?.TroubleTickets)?.TroubleTicket).map((i) => text(i.mRID))).toContain(mrid);

    // The MNO never named this ticket: it sees it under Gridlink's id.
    const theirs = await sendRequest(h, mno, {
      verb: 'get',
      noun: 'TroubleTicket',
      request: '<StartTime>2000-01-01T00:00:00Z</StartTime>',
    });
    const mine = list(node(theirs.payload?.TroubleTickets)?.TroubleTicket).map((i) => text(i.mRID));
    expect(mine).not.toContain(mrid);
    expect(mine.every((m) => /^[0-9a-f-]{36}$/.test(m!))).toBe(true);

    const bad = await sendRequest(h, dso, {
      verb: 'get',
      noun: 'TroubleTicket',
      request: '<Option><name>colour</name><value>red</value></Option>',
    });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['UNSUPPORTED_OPTION']);
  });
});
