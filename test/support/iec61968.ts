import crypto from 'node:crypto';
import { expect } from 'vitest';
import { parseXml, node, text, list, type XmlNode } from '../../src/modules/iec61968/iec61968.xml.js';
import { createXsdValidator } from '../../src/modules/iec61968/iec61968.xsd.js';
import type { Harness, TestOrg } from './harness.js';

/** Helpers for the IEC 61968 bridge tests (CIM-1): building requests, reading replies. */
export const IEC = '/iec61968/v1';
export const MSG_NS = 'http://iec.ch/TC57/2011/schema/message';
export const TT_NS = 'http://iec.ch/TC57/2011/TroubleTickets#';
export const II_NS = 'http://iec.ch/TC57/2011/IncidentInformation#';
export const xsd = createXsdValidator();

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function requestMessage(opts: {
  verb: string;
  noun: string;
  org: string;
  messageId?: string | null;
  payload?: string;
  request?: string;
  properties?: Record<string, string>;
}): string {
  const id = opts.messageId === null ? '' : `<MessageID>${opts.messageId ?? crypto.randomUUID()}</MessageID>`;
  const props = Object.entries(opts.properties ?? {})
    .map(([k, v]) => `<Property><Name>${k}</Name><Value>${v}</Value></Property>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<RequestMessage xmlns="${MSG_NS}">
  <Header><Verb>${opts.verb}</Verb><Noun>${opts.noun}</Noun><Timestamp>2030-01-01T00:00:00Z</Timestamp><Source>OMS</Source><User><UserID>oms</UserID><Organization>${escape(opts.org)}</Organization></User>${id}${props}</Header>
  ${opts.request ? `<Request>${opts.request}</Request>` : ''}${opts.payload ? `<Payload>${opts.payload}</Payload>` : ''}
</RequestMessage>`;
}

export function ticketsPayload(...tickets: string[]): string {
  return `<TroubleTickets xmlns="${TT_NS}">${tickets.join('')}</TroubleTickets>`;
}

export function ticketXml(t: {
  mRID: string;
  comment?: string;
  rank?: number;
  troubleCode?: string;
  responsible?: string;
  name?: string;
}): string {
  return `<TroubleTicket><mRID>${t.mRID}</mRID>${t.name ? `<name>${t.name}</name>` : ''}${t.comment ? `<comment>${t.comment}</comment>` : ''}<dateTimeOfReport>2030-01-01T00:00:00Z</dateTimeOfReport><reportingKind>call</reportingKind>${
    t.troubleCode ? `<troubleCode>${t.troubleCode}</troubleCode>` : ''
  }${t.rank ? `<priority><rank>${t.rank}</rank></priority>` : ''}${
    t.responsible ? `<Names><name>${escape(t.responsible)}</name><NameType><name>responsibleParty</name></NameType></Names>` : ''
  }</TroubleTicket>`;
}

export function outagesPayload(root: 'IncidentInformation' | 'Outages', ...outages: string[]): string {
  return `<${root} xmlns="${II_NS}">${outages.join('')}</${root}>`;
}

export function outageXml(o: {
  mRID: string;
  statusKind?: string;
  cause?: string;
  etr?: string;
  start?: string;
  end?: string;
  box?: [number, number, number, number];
  usagePoints?: string[];
  customers?: number;
  isPlanned?: boolean;
}): string {
  const box = o.box
    ? `<OutageArea>${[
        [o.box[0], o.box[1]],
        [o.box[2], o.box[1]],
        [o.box[2], o.box[3]],
        [o.box[0], o.box[3]],
      ]
        .map(
          ([x, y], i) =>
            `<PositionPoints><sequenceNumber>${i + 1}</sequenceNumber><xPosition>${x}</xPosition><yPosition>${y}</yPosition></PositionPoints>`,
        )
        .join('')}</OutageArea>`
    : '';
  return `<Outage><mRID>${o.mRID}</mRID>${o.start || o.end ? `<actualPeriod>${o.end ? `<end>${o.end}</end>` : ''}${o.start ? `<start>${o.start}</start>` : ''}</actualPeriod>` : ''}${
    o.cause ? `<cause>${o.cause}</cause>` : ''
  }${o.customers !== undefined ? `<customersAffected>${o.customers}</customersAffected>` : ''}${o.etr ? `<estimatedPeriod><end>${o.etr}</end></estimatedPeriod>` : ''}${
    o.isPlanned !== undefined ? `<isPlanned>${o.isPlanned}</isPlanned>` : ''
  }${o.statusKind ? `<statusKind>${o.statusKind}</statusKind>` : ''}${box}${(o.usagePoints ?? []).map((u) => `<UsagePoints><mRID>${u}</mRID></UsagePoints>`).join('')}</Outage>`;
}

export interface Reply {
  status: number;
  text: string;
  root: string;
  header: XmlNode;
  result: string | undefined;
  errors: XmlNode[];
  payload: XmlNode | undefined;
  headers: Record<string, string>;
}

/** POSTs a message and checks the answer is an XSD-valid IEC message (never JSON). */
export async function send(
  h: Harness,
  org: TestOrg | string,
  xml: string,
  opts: { path?: string; contentType?: string; soap?: '1.1' | '1.2' } = {},
): Promise<Reply> {
  const key = typeof org === 'string' ? org : org.keys.operator;
  const res = await h.call('POST', `${IEC}${opts.path ?? '/message'}`, {
    key,
    body: xml,
    contentType: opts.contentType ?? 'application/xml',
  });
  expect(res.headers['content-type'], res.text).toMatch(/xml/);
  const root = opts.soap ? (opts.soap === '1.1' ? 'soap11' : 'soap12') : 'message';
  expect(await xsd.validate(res.text, root), res.text).toEqual([]);
  return readReply(res.status, res.text, res.headers as Record<string, string>);
}

/** `send` of a RequestMessage from `org`, named in the header by its name unless `msg.org` says otherwise. */
export function sendRequest(
  h: Harness,
  org: TestOrg,
  msg: Omit<Parameters<typeof requestMessage>[0], 'org'> & { org?: string },
  opts?: Parameters<typeof send>[3],
): Promise<Reply> {
  return send(h, org, requestMessage({ org: org.name, ...msg }), opts);
}

export function readReply(status: number, textBody: string, headers: Record<string, string> = {}): Reply {
  const doc = parseXml(textBody);
  const envelope = node(node(doc.Envelope)?.Body);
  const src = envelope ?? doc;
  const rootName = ['ResponseMessage', 'FaultMessage', 'EventMessage'].find((r) => src[r] !== undefined)!;
  const msg = node(src[rootName])!;
  const reply = node(msg.Reply);
  return {
    status,
    text: textBody,
    root: rootName,
    header: node(msg.Header) ?? {},
    result: text(reply?.Result),
    errors: list(reply?.Error),
    payload: node(msg.Payload),
    headers,
  };
}

export const codes = (r: Reply) => r.errors.map((e) => text(e.code));
