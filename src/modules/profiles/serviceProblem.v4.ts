import type { OrganizationActor } from '../../http/context.js';
import { unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import { PROBLEM_SORTABLE } from '../serviceProblem/serviceProblem.service.js';
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
  v4StatusFilter,
  v4StatusProfile,
  v4StatusView,
} from './mapping.js';
import type { ProfileHref, ResourceMapping } from './profile.js';
import { PROBLEM_STATUS_PROFILE } from '../serviceProblem/serviceProblem.lifecycle.js';
import { initialStatus } from '../standard.js';

const V4_STATUS_PROFILE = v4StatusProfile(PROBLEM_STATUS_PROFILE);

/**
 * TMF656 Service Problem Management v4 <-> the service problem service (v5 representation).
 * See openapi/serviceProblem.v4.yaml for the rules as integrators read them.
 */

type Ref = Record<string, unknown>;

/** Attributes with the same name and shape in v4 and v5. */
const SAME = [
  '@baseType',
  '@schemaLocation',
  'name',
  'category',
  'description',
  'priority',
  'reason',
  'statusChangeReason',
  'statusChangeDate',
  'creationDate',
  'lastUpdate',
  'resolutionDate',
  'affectedService',
  'affectedResource',
  'affectedNumberOfServices',
  'impactPattern',
  'impactImportanceFactor',
  'problemEscalation',
  'originatingSystem',
  'rootCauseService',
  'rootCauseResource',
  'troubleTicket',
  'relatedEvent',
  'underlyingAlarm',
  'externalIdentifier',
  'note',
  'trackingRecord',
  'slaViolation',
] as const;

/** Create attributes the server sets itself; accepted and ignored (TMF656 v4 lists them in ServiceProblem_Create). */
const IGNORED_ON_CREATE = [
  'creationDate',
  'lastUpdate',
  'statusChangeDate',
  'statusChangeReason',
  'resolutionDate',
  'trackingRecord',
  'slaViolation',
];

const EVENT_TYPES = [
  'ServiceProblemCreateEvent',
  'ServiceProblemStateChangeEvent',
  'ServiceProblemAttributeValueChangeEvent',
  'ServiceProblemInformationRequiredEvent',
];

/** v5 `RelatedPlaceRefOrValue` (`place` inside) <-> v4 `RelatedPlace` (`id` directly). */
const placeToV4 = (p: Ref): Ref => {
  const place = (p.place ?? {}) as Ref;
  return defined({
    id: place.id,
    href: place.href,
    name: place.name,
    role: p.role,
    '@referredType': place['@referredType'],
    '@type': 'RelatedPlace',
  });
};
const placeFromV4 = (p: Ref): Ref =>
  defined({
    role: p.role,
    place: defined({ id: p.id, href: p.href, name: p.name, '@referredType': p['@referredType'] }),
    '@type': 'RelatedPlaceRefOrValue',
  });

/** v4 `Characteristic` requires a value; a v5 series-only characteristic shows `value: null` and keeps `series` beside it. */
const characteristicToV4 = (c: Ref): Ref => ({ ...c, value: c.value ?? null });
const characteristicFromV4 = (c: Ref): Ref =>
  defined({ id: c.id, name: c.name, valueType: c.valueType, value: c.value, '@type': c['@type'] });

const originatorOf = (doc: JsonObject) => ((doc.originatorParty as Ref | undefined)?.partyOrPartyRole as Ref | undefined)?.id;

function present(doc: JsonObject, href: ProfileHref): JsonObject {
  const problemRef = (r: Ref) => defined({ ...r, href: r.id ? href(`/serviceProblem/${String(r.id)}`) : r.href });
  const single = <T>(v: unknown, fn: (x: Ref) => T) => (v && typeof v === 'object' ? fn(v as Ref) : undefined);
  return defined({
    '@type': 'ServiceProblem',
    ...Object.fromEntries(SAME.map((k) => [k, doc[k]])),
    ...v4StatusView(doc),
    originatorParty: single(doc.originatorParty, partyToV4),
    responsibleParty: single(doc.responsibleParty, partyToV4),
    relatedParty: mapList(doc.relatedParty, partyToV4),
    affectedLocation: mapList(doc.affectedLocation, placeToV4),
    relatedEntity: mapList(doc.relatedEntity, entityToV4),
    firstAlert: single(doc.firstAlert, entityToV4),
    characteristic: mapList(doc.characteristic, characteristicToV4),
    parentProblem: mapList(doc.parentProblem, problemRef),
    underlyingProblem: mapList(doc.underlyingProblem, problemRef),
  });
}

/** The v4 attributes that map onto differently shaped v5 ones. */
function reshaped(body: JsonObject): JsonObject {
  const single = (v: unknown, fn: (x: Ref) => Ref) => (v && typeof v === 'object' ? fn(v as Ref) : v);
  return defined({
    originatorParty: single(body.originatorParty, partyFromV4),
    responsibleParty: single(body.responsibleParty, partyFromV4),
    relatedParty: body.relatedParty === null ? null : mapList(body.relatedParty, partyFromV4),
    affectedLocation: body.affectedLocation === null ? null : mapList(body.affectedLocation, placeFromV4),
    relatedEntity: body.relatedEntity === null ? null : mapList(body.relatedEntity, entityFromV4),
    firstAlert: single(body.firstAlert, entityFromV4),
    characteristic: body.characteristic === null ? null : mapList(body.characteristic, characteristicFromV4),
  });
}

export const serviceProblemV4: ResourceMapping = {
  resourceType: 'serviceProblem',
  schema: 'ServiceProblem',
  target: { api: 'serviceProblem', createSchema: 'ServiceProblem_FVO' },
  sortable: PROBLEM_SORTABLE,
  defaultSort: [{ attribute: 'creationDate', descending: true }],
  statusProfile: V4_STATUS_PROFILE,
  eventTypes: EVENT_TYPES,
  present,

  createInput(body) {
    const { status, parentProblem, underlyingProblem, ...rest } = body;
    initialStatus(V4_STATUS_PROFILE, status);
    if ((Array.isArray(parentProblem) && parentProblem.length) || (Array.isArray(underlyingProblem) && underlyingProblem.length)) {
      throw unprocessable(
        'parentProblem / underlyingProblem are set by grouping problems (problemGroup in the TMF656 v5 API), not on create',
        'GROUPING_NOT_ON_CREATE',
      );
    }
    for (const k of IGNORED_ON_CREATE) delete rest[k];
    return { ...rest, ...reshaped(rest) };
  },

  patchInput(body, current, actor: OrganizationActor) {
    const view = present(current, () => '');
    // The responsible organisation acknowledges a `submitted` problem by sending the status
    // the v4 view already shows; for the originator that is an echo and changes nothing.
    const responsible = originatorOf(current) !== actor.organizationId;
    const changed = changedOnly(body, view, keepV4Status(body, current, responsible));
    const { '@type': _type, note, ...rest } = changed;
    const out: JsonObject = { ...rest, ...reshaped(rest) };
    const notes = notesToAppend(note, current.note);
    if (notes) out.note = notes;
    return out;
  },

  filters: {
    status: v4StatusFilter,
    'originatorParty.id': { path: 'originatorParty.partyOrPartyRole.id' },
    'originatorParty.name': { path: 'originatorParty.partyOrPartyRole.name' },
    'responsibleParty.id': { path: 'responsibleParty.partyOrPartyRole.id' },
    'responsibleParty.name': { path: 'responsibleParty.partyOrPartyRole.name' },
    'relatedParty.id': { path: 'relatedParty.partyOrPartyRole.id' },
    'relatedParty.name': { path: 'relatedParty.partyOrPartyRole.name' },
    'affectedLocation.id': { path: 'affectedLocation.place.id' },
    'affectedLocation.name': { path: 'affectedLocation.place.name' },
    'relatedEntity.id': { path: 'relatedEntity.entity.id' },
    'firstAlert.id': { path: 'firstAlert.entity.id' },
  },
};
