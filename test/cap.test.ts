import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTAGE, boxPolygon, boxRing, createHarness, type Harness, type TestOrg } from './support/harness.js';

/**
 * Issue 4, point 7: an energy outage notice (EO-1) as an OASIS CAP 1.2 alert, requested
 * with `Accept: application/cap+xml`. Every document is validated against the official
 * CAP 1.2 XML schema (shared/reference/oasis/CAP-v1.2.xsd) with libxml2 (xmllint-wasm).
 */
const N = `${OUTAGE}/energyOutageNotice`;
const CAP = 'application/cap+xml';
/** The official schema, from shared/ beside the repository (as on the developers' machines and CI). */
const XSD_PATH = fileURLToPath(new URL('../../shared/reference/oasis/CAP-v1.2.xsd', import.meta.url));
const CAP_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/;

let xsd: string;
let h: Harness;
let dso: TestOrg;
let mnoA: TestOrg;
let mnoB: TestOrg;
let stranger: TestOrg;

beforeAll(async () => {
  expect(fs.existsSync(XSD_PATH), `the CAP 1.2 schema is expected at ${XSD_PATH}`).toBe(true);
  xsd = fs.readFileSync(XSD_PATH, 'utf8');
  h = await createHarness();
  dso = await h.createOrg('DSO', 'Stadtwerke Nord & Söhne');
  mnoA = await h.createOrg('MNO', 'Funkwerk Mobil');
  mnoB = await h.createOrg('MNO', 'Zweitnetz Mobil');
  stranger = await h.createOrg('MNO', 'Fremdnetz Mobil');
  await h.partner(dso, mnoA);
  await h.partner(dso, mnoB);
});
afterAll(async () => h?.close());

/** CAP time as the alert writes it: no fraction, explicit +00:00. */
const capTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');

async function publish(body: Record<string, unknown>): Promise<{ id: string; [k: string]: unknown }> {
  const res = await h.call('POST', N, { key: dso.keys.operator, body: { outageKind: 'unplanned', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

async function patch(org: TestOrg, id: string, body: unknown) {
  const res = await h.patch(`${N}/${id}`, org.keys.operator, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Record<string, unknown>;
}

/** Fetches the CAP alert and validates it against the CAP 1.2 schema. */
async function cap(org: TestOrg, id: string): Promise<string> {
  const res = await h.call('GET', `${N}/${id}`, { key: org.keys.viewer, headers: { Accept: CAP }, skipValidation: true });
  expect(res.status, res.text).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/cap\+xml/);
  const xml = res.text;
  const result = await validateXML({
    xml: [{ fileName: 'alert.xml', contents: xml }],
    schema: [{ fileName: 'CAP-v1.2.xsd', contents: xsd }],
  });
  expect(
    result.errors.map((e) => e.message),
    xml,
  ).toEqual([]);
  expect(result.valid).toBe(true);
  return xml;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
/** Text of every `<name>` element (no nested elements of the same name in CAP). */
const all = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => unescape(m[1]!));
const one = (xml: string, name: string) => {
  const v = all(xml, name);
  expect(v, `<${name}> in\n${xml}`).toHaveLength(1);
  return v[0]!;
};
const none = (xml: string, name: string) => expect(all(xml, name), `<${name}>`).toEqual([]);
/** `valueName=value` pairs of the `<geocode>` or `<parameter>` elements. */
const pairs = (xml: string, name: 'geocode' | 'parameter') => all(xml, name).map((g) => `${one(g, 'valueName')}=${one(g, 'value')}`);
/** The reference triple of a message, as CAP `references` lists it. */
const ref = (xml: string) => `${one(xml, 'sender')},${one(xml, 'identifier')},${one(xml, 'sent')}`;

describe('EO-1 CAP 1.2 export (Accept: application/cap+xml), validated against CAP-v1.2.xsd', () => {
  it('the schema check is real: a wrong msgType, a "Z" time or elements out of order fail it', async () => {
    const n = await publish({ name: 'Sanity', affectedArea: { energySupplyId: ['DE-MTR-0000'] } });
    const good = await cap(dso, n.id);
    const sent = one(good, 'sent');
    for (const broken of [
      good.replace('<msgType>Alert</msgType>', '<msgType>Notice</msgType>'),
      good.replace(`<sent>${sent}</sent>`, `<sent>${sent.replace('+00:00', 'Z')}</sent>`),
      good
        .replace('<category>Infra</category>', '')
        .replace('<event>Power outage</event>', '<event>Power outage</event><category>Infra</category>'),
    ]) {
      expect(broken).not.toBe(good);
      const result = await validateXML({
        xml: [{ fileName: 'alert.xml', contents: broken }],
        schema: [{ fileName: 'CAP-v1.2.xsd', contents: xsd }],
      });
      expect(result.valid).toBe(false);
    }
  });

  it('the first version is an Alert: category Infra, polygon as closed "lat,lon" pairs, supply ids as geocodes', async () => {
    const n = await publish({
      name: 'Storm: feeder 12 tripped',
      description: 'Tree on line <Nord-17> & cable damage',
      cause: 'Storm damage',
      causeKind: 'weather',
      outageStartTime: '2026-11-21T07:34:00.000Z',
      expectedOutageEndTime: '2026-11-21T09:45:00.000Z',
      etrConfidence: 'low',
      customersAffected: 1200,
      affectedArea: { outageArea: boxPolygon([9.9, 53.5, 10.1, 53.6]), energySupplyId: ['DE-MTR-4711', 'DE-MTR-4712'] },
    });
    const xml = await cap(mnoA, n.id);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toContain('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">');
    expect(one(xml, 'msgType')).toBe('Alert');
    expect(one(xml, 'status')).toBe('Actual');
    expect(one(xml, 'scope')).toBe('Restricted');
    expect(one(xml, 'restriction').length).toBeGreaterThan(0);
    none(xml, 'references');
    expect(one(xml, 'identifier')).toContain(n.id);
    expect(one(xml, 'identifier')).not.toMatch(/[\s,<&]/);
    expect(one(xml, 'sender')).not.toMatch(/[\s,<&]/);
    expect(one(xml, 'sent')).toMatch(CAP_TIME);
    expect(one(xml, 'sent')).toBe(capTime(n.creationDate as string));
    expect(one(xml, 'incidents')).toBe(n.id);

    expect(one(xml, 'category')).toBe('Infra');
    expect(one(xml, 'event')).toBe('Power outage');
    expect(one(xml, 'urgency')).toBe('Immediate');
    expect(one(xml, 'certainty')).toBe('Observed');
    expect(one(xml, 'responseType')).toBe('Monitor');
    expect(one(xml, 'onset')).toBe('2026-11-21T07:34:00+00:00');
    expect(one(xml, 'expires')).toBe('2026-11-21T09:45:00+00:00');
    expect(one(xml, 'senderName')).toBe('Stadtwerke Nord & Söhne');
    expect(one(xml, 'headline')).toBe('Unplanned power outage: Storm: feeder 12 tripped (confirmed)');
    expect(one(xml, 'description')).toBe('Tree on line <Nord-17> & cable damage');
    expect(xml).toContain('Tree on line &lt;Nord-17&gt; &amp; cable damage');
    expect(pairs(xml, 'parameter')).toEqual(
      expect.arrayContaining([
        'gridlinkStatus=confirmed',
        'outageKind=unplanned',
        'causeKind=weather',
        'expectedOutageEndTime=2026-11-21T09:45:00.000Z',
        'etrConfidence=low',
        'customersAffected=1200',
      ]),
    );

    expect(one(xml, 'areaDesc')).toBe('Storm: feeder 12 tripped');
    const polygon = one(xml, 'polygon');
    const pts = polygon.split(' ');
    expect(pts).toEqual(boxRing(9.9, 53.5, 10.1, 53.6).map(([lon, lat]) => `${lat},${lon}`));
    expect(pts[0]).toBe(pts.at(-1));
    expect(pts.length).toBeGreaterThanOrEqual(4);
    none(xml, 'circle');
    expect(pairs(xml, 'geocode')).toEqual(['energySupplyId=DE-MTR-4711', 'energySupplyId=DE-MTR-4712']);
    // Order inside <area>: areaDesc, polygon, circle, geocode (the schema enforces it too).
    expect(xml.indexOf('<areaDesc>')).toBeLessThan(xml.indexOf('<polygon>'));
    expect(xml.indexOf('<polygon>')).toBeLessThan(xml.indexOf('<geocode>'));
  });

  it('each change is an Update whose references list every earlier message (sender,identifier,sent); cancelled is a Cancel', async () => {
    const n = await publish({
      name: 'Chain',
      expectedOutageEndTime: '2026-11-21T10:00:00.000Z',
      affectedArea: { outageArea: boxPolygon([9.9, 53.5, 10.1, 53.6]) },
    });
    const v1 = await cap(dso, n.id);
    expect(one(v1, 'msgType')).toBe('Alert');

    h.clock.advance(10 * 60_000);
    await patch(dso, n.id, { expectedOutageEndTime: '2026-11-21T11:00:00.000Z', etrConfidence: 'high' });
    const v2 = await cap(dso, n.id);
    expect(one(v2, 'msgType')).toBe('Update');
    expect(one(v2, 'identifier')).not.toBe(one(v1, 'identifier'));
    expect(one(v2, 'sender')).toBe(one(v1, 'sender'));
    expect(one(v2, 'sent')).toBe(capTime(h.clock.now().toISOString()));
    expect(one(v2, 'references')).toBe(ref(v1));
    expect(one(v2, 'expires')).toBe('2026-11-21T11:00:00+00:00');
    // Asking again gives the same message: a GET is not a revision.
    expect(await cap(dso, n.id)).toBe(v2);

    h.clock.advance(10 * 60_000);
    await patch(dso, n.id, { affectedArea: { outageArea: { type: 'Point', coordinates: [10, 53.55], radius: 2500 } } });
    const v3 = await cap(dso, n.id);
    expect(one(v3, 'msgType')).toBe('Update');
    expect(one(v3, 'references').split(' ')).toEqual([ref(v1), ref(v2)]);
    expect(one(v3, 'circle')).toBe('53.55,10 2.5');
    none(v3, 'polygon');

    h.clock.advance(10 * 60_000);
    await patch(dso, n.id, { status: 'cancelled', statusChangeReason: 'Sent in error' });
    const v4 = await cap(mnoB, n.id);
    expect(one(v4, 'msgType')).toBe('Cancel');
    expect(one(v4, 'references').split(' ')).toEqual([ref(v1), ref(v2), ref(v3)]);
    expect(new Set([v1, v2, v3, v4].map((x) => one(x, 'identifier'))).size).toBe(4);
  });

  it('a circle is "lat,lon radiusKm"; a MultiPolygon is one closed polygon per part (holes are not exported)', async () => {
    const c = await publish({
      name: 'Circle',
      affectedArea: { outageArea: { type: 'Point', coordinates: [-70.65, -33.45], radius: 1500 } },
    });
    expect(one(await cap(mnoA, c.id), 'circle')).toBe('-33.45,-70.65 1.5');

    const m = await publish({
      name: 'Two parts',
      affectedArea: {
        outageArea: {
          type: 'MultiPolygon',
          coordinates: [[boxRing(12, 53, 12.5, 53.5)], [boxRing(13, 53, 13.5, 53.5), boxRing(13.2, 53.2, 13.3, 53.3).reverse()]],
        },
      },
    });
    const polygons = all(await cap(mnoA, m.id), 'polygon');
    expect(polygons).toEqual(
      [boxRing(12, 53, 12.5, 53.5), boxRing(13, 53, 13.5, 53.5)].map((r) => r.map(([lon, lat]) => `${lat},${lon}`).join(' ')),
    );
    for (const p of polygons) expect(p.split(' ')[0]).toBe(p.split(' ').at(-1));
  });

  it('a notice by supply ids only: an area with its description and geocodes', async () => {
    const n = await publish({ affectedArea: { energySupplyId: ['DE-MTR-0001'] } });
    const xml = await cap(mnoA, n.id);
    expect(one(xml, 'areaDesc')).toBe('Outage area');
    none(xml, 'polygon');
    none(xml, 'circle');
    expect(pairs(xml, 'geocode')).toEqual(['energySupplyId=DE-MTR-0001']);
  });

  it('planned and predicted: urgency Expected, certainty Likely; restored: AllClear, urgency Past, no expiry; priority area: Severe', async () => {
    const p = await publish({
      outageKind: 'planned',
      name: 'Transformer swap',
      affectedArea: { energySupplyId: ['DE-MTR-0002'] },
      expectedOutageEndTime: '2026-11-25T12:00:00.000Z',
    });
    const planned = await cap(mnoA, p.id);
    expect(one(planned, 'urgency')).toBe('Expected');
    expect(one(planned, 'certainty')).toBe('Likely');
    expect(one(planned, 'severity')).toBe('Moderate');
    expect(one(planned, 'headline')).toBe('Planned power outage: Transformer swap (predicted)');
    none(planned, 'onset');

    const u = await publish({
      isAffectedAreaPriority: true,
      affectedArea: { energySupplyId: ['DE-MTR-0003'] },
      expectedOutageEndTime: '2026-11-21T12:00:00.000Z',
    });
    expect(one(await cap(mnoA, u.id), 'severity')).toBe('Severe');
    h.clock.advance(60_000);
    const restored = await patch(dso, u.id, { status: 'restored' });
    const xml = await cap(mnoA, u.id);
    expect(one(xml, 'msgType')).toBe('Update');
    expect(one(xml, 'responseType')).toBe('AllClear');
    expect(one(xml, 'urgency')).toBe('Past');
    none(xml, 'expires');
    expect(pairs(xml, 'parameter')).toContain(`actualOutageEndTime=${restored.actualOutageEndTime as string}`);
  });

  it('only the DSO and its audience get the alert; it never names another MNO; Accept decides the representation', async () => {
    const n = await publish({ affectedArea: { energySupplyId: ['DE-MTR-0004'] } });
    await patch(mnoA, n.id, { mnoInterventionDuration: 5 });
    const forB = await cap(mnoB, n.id);
    expect(forB).not.toContain(mnoA.id);
    expect(forB).not.toContain('Funkwerk');
    const denied = await h.call('GET', `${N}/${n.id}`, { key: stranger.keys.viewer, headers: { Accept: CAP }, skipValidation: true });
    expect(denied.status).toBe(404);
    const json = await h.call('GET', `${N}/${n.id}`, { key: mnoB.keys.viewer, headers: { Accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.body.id).toBe(n.id);
    const html = await h.call('GET', `${N}/${n.id}`, { key: mnoB.keys.viewer, headers: { Accept: 'text/html' }, skipValidation: true });
    expect(html.status).toBe(406);
    expect(html.body.message).toContain(CAP);
  });
});
