import { idIn, objectsIn, stringIn, type JsonObject } from '../../http/patch.js';
import { el, list, node, opt, text, type Xml, type XmlNode } from './iec61968.xml.js';

/**
 * CIM TroubleTicket <-> TMF621 trouble ticket (see the README's mapping table).
 * Inbound maps only what the ticket service accepts; the service applies its own rules.
 */
export const RESPONSIBLE_NAME_TYPE = 'responsibleParty';
export const GRIDLINK_ID_NAME_TYPE = 'gridlinkId';

const SEVERITY_BY_RANK: Record<string, string> = { '1': 'critical', '2': 'major', '3': 'minor', '4': 'warning', '5': 'warning' };
const RANK_BY_SEVERITY: Record<string, string> = { critical: '1', major: '2', minor: '3', warning: '4' };
const TICKET_TYPES = new Set(['assistance', 'degraded', 'down', 'failure', 'installation', 'maintenance']);

export interface CimTicket {
  mRID: string;
  responsible: string | undefined;
  create: JsonObject;
  change: JsonObject;
  comment: string | undefined;
}

/** `Names` entries typed by NameType.name. */
export function namesOf(item: XmlNode, type: string): string | undefined {
  for (const n of list(item.Names)) if (text(node(n.NameType)?.name) === type) return text(n.name);
  return undefined;
}

export function readTicket(item: XmlNode): CimTicket {
  const mRID = text(item.mRID)!;
  const comment = text(item.comment);
  const troubleCode = text(item.troubleCode);
  const rank = text(node(item.priority)?.rank);
  const named: [string, string | undefined][] = [
    ['troubleCode', troubleCode],
    ['dateTimeOfReport', text(item.dateTimeOfReport)],
    ['reportingKind', text(item.reportingKind)],
    ['firstResponder', text(item.firstResponder)],
    ['customerMRID', text(node(item.Customer)?.mRID)],
    ['incidentMRID', text(node(item.Incident)?.mRID)],
  ];
  const characteristics = named.flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, v]]));
  const change: JsonObject = {};
  const name = text(item.name);
  if (name !== undefined) change.name = name;
  if (comment !== undefined) change.description = comment;
  // The rank sets the severity; the ITIL priority only at creation (afterwards it is the responsible side's).
  if (rank !== undefined) change.severity = SEVERITY_BY_RANK[rank]!;
  if (troubleCode && TICKET_TYPES.has(troubleCode)) change.ticketType = troubleCode;
  const create: JsonObject = {
    '@type': 'TroubleTicket',
    description: comment ?? (troubleCode ? `Trouble reported by the outage management system: ${troubleCode}` : `Trouble ticket ${mRID}`),
    severity: 'major',
    ticketType: 'failure',
    ...change,
    ...(rank !== undefined ? { priority: rank } : {}),
    externalIdentifier: [{ id: mRID, owner: 'iec61968', externalIdentifierType: 'TroubleTicket', '@type': 'ExternalIdentifier' }],
    ...(characteristics.length
      ? {
          troubleTicketCharacteristic: characteristics.map(([n, v]) => ({
            name: n,
            value: v,
            valueType: 'string',
            '@type': 'Characteristic',
          })),
        }
      : {}),
  };
  return { mRID, responsible: namesOf(item, RESPONSIBLE_NAME_TYPE), create, change, comment };
}

const iso = (v: unknown) => (typeof v === 'string' && v ? new Date(v).toISOString() : undefined);

/** A Gridlink ticket as a CIM TroubleTicket element (payload namespace in scope). */
export function writeTicket(doc: JsonObject, mRID: string): Xml {
  const chars = new Map(objectsIn(doc.troubleTicketCharacteristic).map((c) => [c.name, c.value]));
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const reportingKind = str(chars.get('reportingKind'));
  const priority = stringIn(doc.priority) ?? RANK_BY_SEVERITY[String(doc.severity)];
  const status = stringIn(doc.gridlinkStatus) ?? stringIn(doc.status);
  const responsible = idIn(objectsIn(doc.relatedParty).find((p) => p.role === 'responsible')?.partyOrPartyRole);
  return el('TroubleTicket', [
    el('mRID', mRID),
    el('name', str(doc.name)),
    el('comment', str(doc.description)),
    el('dateTimeOfReport', iso(chars.get('dateTimeOfReport')) ?? iso(doc.creationDate)),
    el('firstResponder', str(chars.get('firstResponder'))),
    el('reportingKind', reportingKind && ['call', 'email', 'letter', 'other', 'ivr'].includes(reportingKind) ? reportingKind : undefined),
    el('resolvedDateTime', iso(doc.resolutionDate)),
    el('troubleCode', str(chars.get('troubleCode')) ?? str(doc.ticketType)),
    opt('priority', [el('rank', priority)]),
    el('status', [el('value', status), el('dateTime', iso(doc.statusChangeDate)), el('reason', str(doc.statusChangeReason))]),
    opt('Customer', [el('mRID', str(chars.get('customerMRID')))]),
    opt('Incident', [el('mRID', str(chars.get('incidentMRID')))]),
    el('Names', [el('name', String(doc.id)), el('NameType', [el('name', GRIDLINK_ID_NAME_TYPE)])]),
    responsible ? el('Names', [el('name', responsible), el('NameType', [el('name', RESPONSIBLE_NAME_TYPE)])]) : '',
  ]);
}
