import { parseArea, type Ring } from '../../geo/geo.js';
import type { OutageNoticeDoc, Revision } from './energyOutage.types.js';

/**
 * OASIS CAP 1.2 rendering of an energy outage notice (category Infra). Each stored
 * revision of the notice is one CAP message: the first is an Alert, later ones Updates
 * (Cancel once cancelled), each listing the earlier messages in `references`.
 * CAP polygons are simple rings, so holes are not exported; a MultiPolygon becomes one
 * <polygon> per part, a circle a <circle> ("lat,lon radiusKm"), supply ids <geocode>s.
 */
export const CAP_MEDIA_TYPE = 'application/cap+xml';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** CAP dateTime: no fractional seconds, explicit offset ("Z" is not allowed). */
const capTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const ring = (r: Ring) => r.map(([lon, lat]) => `${lat},${lon}`).join(' ');

export function renderCap(doc: OutageNoticeDoc, revisions: Revision[]): string {
  const { id, publisher, status } = doc;
  const sender = `gridlink-${publisher.id}`;
  const current = revisions[revisions.length - 1] ?? { n: 1, sent: doc.lastUpdate };
  const identifier = (r: Revision) => `urn:gridlink:energyOutageNotice:${id}:${r.n}`;
  const msgType = status === 'cancelled' ? 'Cancel' : current.n === 1 ? 'Alert' : 'Update';
  const earlier = revisions.slice(0, -1).map((r) => `${sender},${identifier(r)},${capTime(r.sent)}`);
  const restored = status === 'restored' || status === 'closed';
  const urgency = restored ? 'Past' : status === 'predicted' ? 'Expected' : 'Immediate';
  const severity = doc.isAffectedAreaPriority || Number(doc.criticalCustomerCount ?? 0) > 0 ? 'Severe' : 'Moderate';
  const certainty = status === 'predicted' ? 'Likely' : 'Observed';
  const aa = doc.affectedArea ?? {};
  const areaXml: string[] = [];
  if (aa.outageArea) {
    const area = parseArea(aa.outageArea);
    if (area.type === 'Point') areaXml.push(`<circle>${area.coordinates[1]},${area.coordinates[0]} ${area.radius / 1000}</circle>`);
    else {
      const polys = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
      for (const p of polys) areaXml.push(`<polygon>${ring(p[0]!)}</polygon>`);
    }
  }
  for (const s of aa.energySupplyId ?? []) areaXml.push(`<geocode><valueName>energySupplyId</valueName><value>${esc(s)}</value></geocode>`);
  const params: [string, unknown][] = [
    ['gridlinkStatus', status],
    ['outageKind', doc.outageKind],
    ['causeKind', doc.causeKind],
    ['expectedOutageEndTime', doc.expectedOutageEndTime],
    ['etrConfidence', doc.etrConfidence],
    ['customersAffected', doc.customersAffected],
    ['actualOutageEndTime', doc.actualOutageEndTime],
  ];
  const headline = `${doc.outageKind === 'planned' ? 'Planned' : 'Unplanned'} power outage${doc.name ? `: ${String(doc.name)}` : ''} (${status})`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
    `  <identifier>${esc(identifier(current))}</identifier>`,
    `  <sender>${esc(sender)}</sender>`,
    `  <sent>${capTime(current.sent)}</sent>`,
    '  <status>Actual</status>',
    `  <msgType>${msgType}</msgType>`,
    '  <source>Gridlink</source>',
    '  <scope>Restricted</scope>',
    '  <restriction>DSO-MNO partners under a Gridlink partnership</restriction>',
    ...(earlier.length ? [`  <references>${esc(earlier.join(' '))}</references>`] : []),
    `  <incidents>${esc(id)}</incidents>`,
    '  <info>',
    '    <language>en-US</language>',
    '    <category>Infra</category>',
    '    <event>Power outage</event>',
    `    <responseType>${restored ? 'AllClear' : 'Monitor'}</responseType>`,
    `    <urgency>${urgency}</urgency>`,
    `    <severity>${severity}</severity>`,
    `    <certainty>${certainty}</certainty>`,
    ...(doc.outageStartTime ? [`    <onset>${capTime(doc.outageStartTime)}</onset>`] : []),
    ...(doc.expectedOutageEndTime && !restored ? [`    <expires>${capTime(doc.expectedOutageEndTime)}</expires>`] : []),
    ...(publisher.name ? [`    <senderName>${esc(publisher.name)}</senderName>`] : []),
    `    <headline>${esc(headline.slice(0, 160))}</headline>`,
    ...(doc.description || doc.cause ? [`    <description>${esc(String(doc.description ?? doc.cause))}</description>`] : []),
    ...params
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `    <parameter><valueName>${k}</valueName><value>${esc(String(v))}</value></parameter>`),
    '    <area>',
    `      <areaDesc>${esc(String(doc.name ?? 'Outage area'))}</areaDesc>`,
    ...areaXml.map((a) => `      ${a}`),
    '    </area>',
    '  </info>',
    '</alert>',
    '',
  ];
  return lines.join('\n');
}
