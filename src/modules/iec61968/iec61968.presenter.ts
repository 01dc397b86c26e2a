import crypto from 'node:crypto';
import { NS } from './iec61968.xsd.js';
import { el, opt, type Xml } from './iec61968.xml.js';

/** IEC 61968-100 envelopes Gridlink sends: ResponseMessage, FaultMessage, EventMessage. */
export type Result = 'OK' | 'PARTIAL' | 'FAILED';

export interface ReplyError {
  code: string;
  level?: 'INFORM' | 'WARNING' | 'FATAL';
  reason?: string;
  details?: string;
  xpath?: string;
  relatedObject?: { mRID?: string; objectType?: string };
}

export interface HeaderFields {
  verb: string;
  noun: string;
  timestamp: Date;
  messageId?: string;
  correlationId?: string | undefined;
  comment?: string;
}

export const PAYLOAD_NS: Record<string, { root: string; ns: string }> = {
  TroubleTicket: { root: 'TroubleTickets', ns: NS.troubleTickets },
  TroubleTickets: { root: 'TroubleTickets', ns: NS.troubleTickets },
  IncidentInformation: { root: 'IncidentInformation', ns: NS.incidentInformation },
  Outages: { root: 'Outages', ns: NS.incidentInformation },
};

const header = (h: HeaderFields): Xml =>
  el('Header', [
    el('Verb', h.verb),
    el('Noun', h.noun),
    el('Timestamp', h.timestamp.toISOString()),
    el('Source', 'Gridlink'),
    el('MessageID', h.messageId ?? crypto.randomUUID()),
    el('CorrelationID', h.correlationId),
    el('Comment', h.comment),
  ]);

const errorXml = (e: ReplyError): Xml =>
  el('Error', [
    el('code', e.code),
    el('level', e.level ?? 'FATAL'),
    el('reason', e.reason),
    el('details', e.details?.slice(0, 2000)),
    el('xpath', e.xpath),
    e.relatedObject ? opt('relatedObject', [el('mRID', e.relatedObject.mRID), el('objectType', e.relatedObject.objectType)]) : '',
  ]);

/** The noun's payload document around already-rendered items. */
export function payload(noun: string, items: Xml[]): Xml {
  const p = PAYLOAD_NS[noun];
  if (!p) return '';
  return el('Payload', [`<${p.root} xmlns="${p.ns}">${items.join('')}</${p.root}>`]);
}

const doc = (root: string, children: Xml[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS.message}">${children.join('')}</${root}>`;

export function responseMessage(h: HeaderFields, result: Result, errors: ReplyError[], payloadXml = ''): string {
  return doc('ResponseMessage', [header(h), el('Reply', [el('Result', result), ...errors.map(errorXml)]), payloadXml]);
}

/** A refusal before the message itself could be read (credentials, media type, size, rate). */
export function faultMessage(errors: ReplyError[], timestamp: Date, correlationId?: string): string {
  return doc('FaultMessage', [
    header({ verb: 'reply', noun: 'Fault', timestamp, correlationId }),
    el('Reply', [el('Result', 'FAILED'), ...errors.map(errorXml)]),
  ]);
}

export function eventMessage(h: HeaderFields, payloadXml: Xml): string {
  return doc('EventMessage', [header(h), payloadXml]);
}

/** The message inside a SOAP envelope of the same version as the request's. */
export function soapWrap(xml: string, soapNs: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${soapNs}"><soap:Body>${xml.replace(/^<\?xml[^>]*\?>\s*/, '')}</soap:Body></soap:Envelope>`;
}
