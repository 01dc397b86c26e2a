import type { OrganizationActor } from '../../http/context.js';
import type { JsonObject } from '../../http/patch.js';
import { TROUBLE_TICKET_EVENTS } from '../troubleTicket/troubleTicket.module.js';
import { SORTABLE } from '../troubleTicket/troubleTicket.service.js';
import {
  changedOnly,
  defined,
  entityFromV4,
  entityToV4,
  keepV4Status,
  mapList,
  notesToAppend,
  partyFromV4,
  partyToV4,
  toV4Status,
  v4StatusProfile,
  v4StatusFilter,
  v4StatusView,
} from './mapping.js';
import type { ProfileHref, ResourceMapping } from './profile.js';
import { TICKET_STATUS_PROFILE } from '../troubleTicket/troubleTicket.lifecycle.js';
import { initialStatus } from '../standard.js';

const V4_STATUS_PROFILE = v4StatusProfile(TICKET_STATUS_PROFILE);

/**
 * TMF621 Trouble Ticket v4 <-> the trouble ticket service (v5 representation).
 * See openapi/troubleTicket.v4.yaml for the rules as integrators read them.
 */

const reporterOf = (doc: JsonObject) =>
  ((doc.relatedParty ?? []) as { role?: string; partyOrPartyRole?: { id?: string } }[]).find((p) => p.role === 'reporter')?.partyOrPartyRole
    ?.id;

/** Attributes with the same name and shape in v4 and v5. */
const SAME = [
  '@baseType',
  '@schemaLocation',
  'name',
  'description',
  'severity',
  'ticketType',
  'priority',
  'statusChangeReason',
  'statusChangeDate',
  'creationDate',
  'lastUpdate',
  'requestedResolutionDate',
  'expectedResolutionDate',
  'resolutionDate',
  'note',
  'attachment',
  'channel',
  'troubleTicketRelationship',
] as const;

/** Create attributes the server sets itself; accepted and ignored (TMF621 v4 lists them in TroubleTicket_Create). */
const IGNORED_ON_CREATE = [
  'creationDate',
  'lastUpdate',
  'statusChangeDate',
  'statusChange',
  'resolutionDate',
  'statusChangeReason',
  'expectedResolutionDate',
];

function present(doc: JsonObject, _href: ProfileHref): JsonObject {
  const externalId = (doc.externalIdentifier as { id?: string }[] | undefined)?.[0]?.id;
  return defined({
    '@type': 'TroubleTicket',
    ...Object.fromEntries(SAME.map((k) => [k, doc[k]])),
    ...v4StatusView(doc),
    externalId,
    statusChange: mapList(doc.statusChangeHistory, (c) =>
      defined({
        status: toV4Status(c.status as string),
        changeDate: c.statusChangeDate,
        changeReason: c.statusChangeReason,
        '@type': 'StatusChange',
      }),
    ),
    relatedParty: mapList(doc.relatedParty, partyToV4),
    relatedEntity: mapList(doc.relatedEntity, entityToV4),
  });
}

/** The v4 attributes that map onto differently named or shaped v5 ones. */
function common(body: JsonObject): JsonObject {
  return defined({
    relatedParty: mapList(body.relatedParty, partyFromV4),
    relatedEntity: mapList(body.relatedEntity, entityFromV4),
  });
}

export const troubleTicketV4: ResourceMapping = {
  resourceType: 'troubleTicket',
  schema: 'TroubleTicket',
  target: { api: 'troubleTicket', createSchema: 'TroubleTicket_FVO' },
  sortable: SORTABLE,
  defaultSort: [{ attribute: 'creationDate', descending: true }],
  statusProfile: V4_STATUS_PROFILE,
  eventTypes: TROUBLE_TICKET_EVENTS,
  present,

  createInput(body) {
    const { status, externalId, relatedParty: _rp, relatedEntity: _re, ...rest } = body;
    initialStatus(V4_STATUS_PROFILE, status);
    for (const k of IGNORED_ON_CREATE) delete rest[k];
    return defined({
      ...rest,
      ...common(body),
      externalIdentifier: typeof externalId === 'string' ? [{ id: externalId }] : undefined,
    });
  },

  patchInput(body, current, actor: OrganizationActor) {
    const view = present(current, () => '');
    // The responsible organisation acknowledges a `submitted` ticket by sending the status the
    // v4 view already shows; for the reporter that is an echo and changes nothing.
    const responsible = reporterOf(current) !== actor.organizationId;
    const changed = changedOnly(body, view, keepV4Status(body, current, responsible));
    const { '@type': _type, externalId, note, ...rest } = changed;
    const out: JsonObject = { ...rest, ...common(changed) };
    if (externalId !== undefined) {
      const [, ...others] = (current.externalIdentifier ?? []) as JsonObject[];
      const first = ((current.externalIdentifier ?? []) as JsonObject[])[0];
      out.externalIdentifier = externalId === null ? (others.length ? others : null) : [{ ...(first ?? {}), id: externalId }, ...others];
    }
    const notes = notesToAppend(note, current.note);
    if (notes) out.note = notes;
    return out;
  },

  filters: {
    status: v4StatusFilter,
    externalId: { path: 'externalIdentifier.id' },
    'relatedParty.id': { path: 'relatedParty.partyOrPartyRole.id' },
    'relatedParty.name': { path: 'relatedParty.partyOrPartyRole.name' },
    'relatedParty.@referredType': { path: 'relatedParty.partyOrPartyRole.@referredType' },
    'relatedEntity.id': { path: 'relatedEntity.entity.id' },
    'relatedEntity.name': { path: 'relatedEntity.entity.name' },
    'relatedEntity.@referredType': { path: 'relatedEntity.entity.@referredType' },
    'statusChange.status': { path: 'statusChangeHistory.status' },
    'statusChange.changeDate': { path: 'statusChangeHistory.statusChangeDate' },
    'statusChange.changeReason': { path: 'statusChangeHistory.statusChangeReason' },
  },
};
