import { isJsonObject, type JsonObject } from '../../http/patch.js';
import { GRIDLINK_ID_NAME_TYPE } from './iec61968.mapper.troubleTicket.js';
import { el, list, node, opt, text, type Xml, type XmlNode } from './iec61968.xml.js';

/**
 * CIM Outage (IncidentInformation / Outages payloads) <-> Gridlink energy outage notice
 * (see the README's mapping table). The area: OutageArea.PositionPoints (a closed ring of
 * longitude/latitude points) -> affectedArea.outageArea Polygon; UsagePoints.mRID ->
 * affectedArea.energySupplyId.
 */
export interface CimOutage {
  mRID: string;
  create: JsonObject;
  change: JsonObject;
  statusKind: string | undefined;
  statusReason: string | undefined;
}

function ring(area: XmlNode | undefined): number[][] | undefined {
  const pts = list(area?.PositionPoints)
    .map((p, i) => ({ seq: Number(text(p.sequenceNumber) ?? i), x: Number(text(p.xPosition)), y: Number(text(p.yPosition)) }))
    .sort((a, b) => a.seq - b.seq)
    .map((p) => [p.x, p.y]);
  if (pts.length === 0) return undefined;
  const [first, last] = [pts[0]!, pts[pts.length - 1]!];
  if (first[0] !== last[0] || first[1] !== last[1]) pts.push([...first]);
  return pts;
}

export function readOutage(item: XmlNode): CimOutage {
  const mRID = text(item.mRID)!;
  const change: JsonObject = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) change[k] = v;
  };
  set('name', text(item.name));
  set('description', text(item.description));
  set('cause', text(item.cause));
  set('causeKind', text(item.causeKind));
  const int = (v: unknown) => (text(v) === undefined ? undefined : Number(text(v)));
  set('customersAffected', int(item.customersAffected));
  set('customersRestored', int(item.customersRestored));
  const est = node(item.estimatedPeriod);
  if (est && (text(est.start) || text(est.end))) {
    change.estimatedPeriod = {
      ...(text(est.start) ? { startDateTime: text(est.start) } : {}),
      ...(text(est.end) ? { endDateTime: text(est.end) } : {}),
    };
    set('expectedOutageEndTime', text(est.end)); // the ETR
  }
  const actual = node(item.actualPeriod);
  set('outageStartTime', text(actual?.start));
  const coordinates = ring(node(item.OutageArea));
  const supplies = list(item.UsagePoints)
    .map((u) => text(u.mRID))
    .filter(Boolean);
  if (coordinates || supplies.length) {
    change.affectedArea = {
      ...(coordinates ? { outageArea: { type: 'Polygon', coordinates: [coordinates] } } : {}),
      ...(supplies.length ? { energySupplyId: supplies } : {}),
    };
  }
  const isPlanned = text(item.isPlanned);
  const statusKind = text(item.statusKind);
  const create: JsonObject = {
    '@type': 'EnergyOutageNotice',
    outageKind: isPlanned === 'true' || isPlanned === '1' ? 'planned' : 'unplanned',
    ...(statusKind === 'predicted' || statusKind === 'confirmed' ? { status: statusKind } : {}),
    ...change,
  };
  if (text(actual?.end) !== undefined) change.actualOutageEndTime = text(actual?.end);
  return { mRID, create, change, statusKind, statusReason: text(item.statusReason) };
}

const iso = (v: unknown) => (typeof v === 'string' && v ? new Date(v).toISOString() : undefined);
const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

/** A Gridlink notice (as its reader sees it) as a CIM Outage element. */
export function writeOutage(doc: JsonObject, mRID: string): Xml {
  const est = isJsonObject(doc.estimatedPeriod) ? doc.estimatedPeriod : {};
  const area = isJsonObject(doc.affectedArea) ? doc.affectedArea : {};
  const shape = isJsonObject(area.outageArea) && area.outageArea.type === 'Polygon' ? area.outageArea.coordinates : undefined;
  // The outer ring of a polygon (GeoJSON, validated on the way in): [x, y] positions.
  const ring: unknown = Array.isArray(shape) ? shape[0] : undefined;
  const polygon = Array.isArray(ring) ? ring.filter((p) => Array.isArray(p)) : [];
  const coordinate = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const supplyIds = Array.isArray(area.energySupplyId) ? area.energySupplyId.filter((id) => typeof id === 'string') : [];
  return el('Outage', [
    el('mRID', mRID),
    el('name', str(doc.name)),
    el('description', str(doc.description)),
    opt('actualPeriod', [el('end', iso(doc.actualOutageEndTime)), el('start', iso(doc.outageStartTime))]),
    el('cause', str(doc.cause)),
    el('causeKind', str(doc.causeKind)),
    el('customersAffected', typeof doc.customersAffected === 'number' ? doc.customersAffected : undefined),
    el('customersRestored', typeof doc.customersRestored === 'number' ? doc.customersRestored : undefined),
    opt('estimatedPeriod', [el('end', iso(doc.expectedOutageEndTime) ?? iso(est.endDateTime)), el('start', iso(est.startDateTime))]),
    el('isPlanned', doc.outageKind === 'planned'),
    el('statusKind', str(doc.status)),
    el('statusReason', str(doc.statusChangeReason)),
    polygon.length
      ? el(
          'OutageArea',
          polygon.map((p, i) =>
            el('PositionPoints', [el('sequenceNumber', i + 1), el('xPosition', coordinate(p[0])), el('yPosition', coordinate(p[1]))]),
          ),
        )
      : '',
    ...supplyIds.map((id) => el('UsagePoints', [el('mRID', id)])),
    el('Names', [el('name', String(doc.id)), el('NameType', [el('name', GRIDLINK_ID_NAME_TYPE)])]),
  ]);
}
