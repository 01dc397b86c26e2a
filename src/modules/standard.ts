import { canonicalJson } from '../http/canonical.js';
import { badRequest, unprocessable } from '../http/errors.js';
import { jsonPathFilter } from '../http/tmfQuery.js';

/**
 * Issue 11: "liberal in what the standard allows". TMF621/TMF656 leave severity, priority
 * and ticket type as free text; Gridlink keeps a small vocabulary of its own (the SLA
 * clock and both parties read them alike). The maps below translate what standard
 * clients send, case-insensitively, onto that vocabulary. They are the documented rule
 * (README "Standards conformance", openapi/troubleTicket.yaml).
 */

const key = (v: string) =>
  v
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

/** Trouble ticket severity -> critical | major | minor | warning. Unknown words are kept as sent. */
export const TICKET_SEVERITY: Record<string, string> = {
  critical: 'critical',
  blocker: 'critical',
  emergency: 'critical',
  urgent: 'critical',
  sev1: 'critical',
  'sev 1': 'critical',
  major: 'major',
  high: 'major',
  serious: 'major',
  sev2: 'major',
  'sev 2': 'major',
  minor: 'minor',
  medium: 'minor',
  moderate: 'minor',
  low: 'minor',
  sev3: 'minor',
  'sev 3': 'minor',
  warning: 'warning',
  info: 'warning',
  informational: 'warning',
  cosmetic: 'warning',
  sev4: 'warning',
  'sev 4': 'warning',
};

/** Trouble ticket priority -> ITIL "1" (critical) .. "5" (planning). */
export const TICKET_PRIORITY: Record<string, string> = {
  '1': '1',
  p1: '1',
  critical: '1',
  '2': '2',
  p2: '2',
  high: '2',
  '3': '3',
  p3: '3',
  medium: '3',
  moderate: '3',
  normal: '3',
  '4': '4',
  p4: '4',
  low: '4',
  '5': '5',
  p5: '5',
  planning: '5',
  lowest: '5',
};

/** Trouble ticket type -> the MEF 124 types. Unknown words are kept as sent (the standard's free text). */
export const TICKET_TYPE: Record<string, string> = {
  assistance: 'assistance',
  request: 'assistance',
  'service request': 'assistance',
  question: 'assistance',
  degraded: 'degraded',
  degradation: 'degraded',
  'degraded service': 'degraded',
  down: 'down',
  outage: 'down',
  'service down': 'down',
  failure: 'failure',
  fault: 'failure',
  incident: 'failure',
  installation: 'installation',
  maintenance: 'maintenance',
  'planned maintenance': 'maintenance',
};

/** A free-text value mapped when the word is known, kept as sent (trimmed) otherwise. */
export function mapOpen(value: unknown, map: Record<string, string>): unknown {
  if (typeof value !== 'string') return value;
  return map[key(value)] ?? value.trim();
}

/** A value that must map (it drives SLA targets): a 400 naming the accepted words otherwise. */
export function mapClosed(value: unknown, map: Record<string, string>, attribute: string): unknown {
  if (value === undefined || value === null) return value;
  const mapped = map[key(String(value))];
  if (mapped === undefined) {
    throw badRequest(
      `${attribute}: '${String(value)}' is not understood; accepted (any case): ${[...new Set(Object.keys(map))].join(', ')}`,
      'INVALID_BODY',
    );
  }
  return mapped;
}

/**
 * Statuses: Gridlink's own states that the standard enum lacks are presented as the
 * standard value next to the exact state in the `gridlinkStatus` extension. Stored
 * documents keep the exact state in `status`.
 */
export interface StatusProfile {
  /** Gridlink state -> the standard value shown in `status`. Only states the standard lacks. */
  readonly standardOf: Record<string, string>;
  /** The standard's initial state(s) a client may send on create, and Gridlink's state for each. */
  readonly initial: Record<string, string>;
  /**
   * States of open work that a create may carry and that are ignored (the record starts in
   * its initial state, the response says so in a `Warning` header): the official TMF621 create
   * example sends `inProgress`. Any other state (resolved, closed, cancelled, rejected) is
   * refused: a record created as finished would open live work its sender believes is done.
   */
  readonly ignoredOnCreate: readonly string[];
  /** How messages name the record ("a trouble ticket"). */
  readonly noun: string;
}

export const standardStatus = (profile: StatusProfile, status: unknown): unknown =>
  typeof status === 'string' ? (profile.standardOf[status] ?? status) : status;

/** `status` shown as the standard value; the exact state in `gridlinkStatus` when it differs. */
export function presentStatus(doc: Record<string, unknown>, profile: StatusProfile): Record<string, unknown> {
  const exact = doc.status;
  const shown = standardStatus(profile, exact);
  const out: Record<string, unknown> = { ...doc, status: shown };
  if (shown !== exact) out.gridlinkStatus = exact;
  if (Array.isArray(doc.statusChangeHistory)) {
    out.statusChangeHistory = (doc.statusChangeHistory as Record<string, unknown>[]).map((c) => {
      const s = standardStatus(profile, c.status);
      return s === c.status ? c : { ...c, status: s, gridlinkStatus: c.status };
    });
  }
  return out;
}

/**
 * `status` on create (issue 11): the initial state is Gridlink's state for it; an open-work
 * state in `ignoredOnCreate` is ignored (undefined: the record starts in its initial state;
 * `ignoredStatusWarning` tells the client); anything else is a 422 naming what is accepted.
 */
export function initialStatus(profile: StatusProfile, requested: unknown): string | undefined {
  if (requested === undefined || requested === null) return undefined;
  const mapped = profile.initial[String(requested)];
  if (mapped) return mapped;
  if (profile.ignoredOnCreate.includes(String(requested))) return undefined;
  throw unprocessable(
    `status: ${profile.noun} is created in its initial state; send ${Object.keys(profile.initial)
      .map((s) => `'${s}'`)
      .join(' or ')} or leave status out (got '${String(requested)}'; ${profile.ignoredOnCreate
      .map((s) => `'${s}'`)
      .join(', ')} are accepted and ignored, a finished state is refused)`,
    'INVALID_INITIAL_STATUS',
  );
}

/**
 * The `Warning` response header (RFC 7234 code 299, persistent) for a create whose `status`
 * was accepted and ignored by `initialStatus`; undefined when nothing was ignored.
 */
export function ignoredStatusWarning(profile: StatusProfile, requested: unknown): string | undefined {
  if (typeof requested !== 'string' || !profile.ignoredOnCreate.includes(requested)) return undefined;
  const startsAs = Object.keys(profile.initial)[0]; // the standard's initial state comes first
  return `299 gridlink "status '${requested}' ignored: ${profile.noun} is created in its initial state '${startsAs}'"`;
}

/**
 * Filters on `status` keep working for both kinds of client: a standard value matches
 * every Gridlink state shown as it (`status=acknowledged` also finds `submitted`
 * records), an exact Gridlink state matches itself, and `gridlinkStatus=` matches the
 * exact state only.
 */
export function rewriteStatusQuery(
  query: Record<string, string | string[] | undefined>,
  profile: StatusProfile,
): Record<string, string | string[] | undefined> {
  const out = { ...query };
  // A TMF630 JSONPath `filter` becomes attribute filters first, so the status rule applies to it too.
  const filter = out.filter;
  if (typeof filter === 'string') {
    delete out.filter;
    for (const [k, v] of jsonPathFilter(filter)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
    }
  }
  const expand = (raw: string) =>
    raw
      .split(',')
      .flatMap((v) => [
        v,
        ...Object.entries(profile.standardOf)
          .filter(([, std]) => std === v)
          .map(([exact]) => exact),
      ])
      .join(',');
  for (const k of ['status', 'status.eq', 'status.ne']) {
    const v = out[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(expand) : expand(v);
  }
  for (const k of Object.keys(out)) {
    if (k === 'gridlinkStatus' || k.startsWith('gridlinkStatus.')) {
      const target = `status${k.slice('gridlinkStatus'.length)}`;
      const v = out[k];
      delete out[k];
      const prev = out[target];
      out[target] = prev === undefined ? v : ([] as string[]).concat(prev, v ?? []);
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const typed = (v: unknown, type: string): unknown => (isObj(v) && typeof v['@type'] !== 'string' ? { '@type': type, ...v } : v);
const typedList = (v: unknown, type: string, inner?: (o: Obj) => Obj): unknown =>
  Array.isArray(v) ? v.map((x) => (isObj(x) ? (inner ? inner(typed(x, type) as Obj) : typed(x, type)) : x)) : v;

/** A party reference: `PartyRef` unless it names a party role. */
export function typedPartyRef(ref: unknown): unknown {
  if (!isObj(ref) || typeof ref['@type'] === 'string') return ref;
  return { '@type': /role$/i.test(String(ref['@referredType'] ?? '')) ? 'PartyRoleRef' : 'PartyRef', ...ref };
}
const relatedParty = (o: Obj): Obj => ({ ...o, partyOrPartyRole: typedPartyRef(o.partyOrPartyRole) });
const relatedEntity = (o: Obj): Obj => (isObj(o.entity) ? { ...o, entity: typed(o.entity, 'EntityRef') } : o);

/**
 * The standard makes `@type` mandatory on every object (Extensible). Objects a client
 * sent without one get the standard class name when presented, so every party ref,
 * note, external identifier and entity ref in a response carries `@type`.
 */
export function withStandardTypes(doc: Obj): Obj {
  const out: Obj = { ...doc };
  const set = (k: string, v: unknown) => {
    if (out[k] !== undefined) out[k] = v;
  };
  set('relatedParty', typedList(out.relatedParty, 'RelatedPartyRefOrPartyRoleRef', relatedParty));
  set('note', typedList(out.note, 'Note'));
  set('externalIdentifier', typedList(out.externalIdentifier, 'ExternalIdentifier'));
  set('relatedEntity', typedList(out.relatedEntity, 'RelatedEntity', relatedEntity));
  set('statusChangeHistory', typedList(out.statusChangeHistory, 'StatusChange'));
  set('troubleTicketRelationship', typedList(out.troubleTicketRelationship, 'TroubleTicketRelationship'));
  set('channel', typed(out.channel, 'ChannelRef'));
  // TMF656 / TMF724 references
  for (const k of ['originatorParty', 'responsibleParty'])
    set(k, isObj(out[k]) ? relatedParty(typed(out[k], 'RelatedPartyRefOrPartyRoleRef') as Obj) : out[k]);
  const lists: [string, string][] = [
    ['affectedService', 'ServiceRef'],
    ['rootCauseService', 'ServiceRef'],
    ['affectedResource', 'ResourceRef'],
    ['rootCauseResource', 'ResourceRef'],
    ['parentProblem', 'ServiceProblemRef'],
    ['underlyingProblem', 'ServiceProblemRef'],
    ['relatedEvent', 'EventRef'],
    ['underlyingAlarm', 'ResourceAlarmRef'],
    ['slaViolation', 'SLAViolationRef'],
    ['troubleTicket', 'TroubleTicketRef'],
    ['trackingRecord', 'TrackingRecord'],
    ['affectedLocation', 'RelatedPlaceRefOrValue'],
  ];
  for (const [k, type] of lists) set(k, typedList(out[k], type));
  set('firstAlert', isObj(out.firstAlert) ? relatedEntity(typed(out.firstAlert, 'RelatedEntity') as Obj) : out.firstAlert);
  set('impactPattern', typed(out.impactPattern, 'ImpactPattern'));
  set(
    'attachment',
    Array.isArray(out.attachment)
      ? out.attachment.map((a) => (isObj(a) ? typed(a, a.url || a.content ? 'Attachment' : 'AttachmentRef') : a))
      : out.attachment,
  );
  for (const k of Object.keys(out)) {
    if (/Characteristic$/.test(k) && Array.isArray(out[k])) {
      out[k] = (out[k] as unknown[]).map((c) =>
        isObj(c) && typeof c['@type'] !== 'string' ? { '@type': characteristicType(c.value), ...c } : c,
      );
    }
  }
  return out;
}

function characteristicType(value: unknown): string {
  if (typeof value === 'boolean') return 'BooleanCharacteristic';
  if (typeof value === 'number') return Number.isInteger(value) ? 'IntegerCharacteristic' : 'NumberCharacteristic';
  if (Array.isArray(value)) return 'StringArrayCharacteristic';
  if (isObj(value)) return 'ObjectCharacteristic';
  return 'StringCharacteristic';
}

/**
 * Issue 11: what a PATCH may carry beyond what it changes. Properties the server manages
 * (`ignored`) are dropped; a value equal to what the client was shown (`shown`: the
 * standard representation) is no change, except for `keepStatus` sides that move the
 * status with the shown value (see the ticket service).
 */
export function lenientMerge(
  patch: unknown,
  before: Obj,
  shown: Obj,
  ignored: readonly string[],
  opts: { statusIsAMove?: boolean } = {},
): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = { ...patch };
  for (const k of ignored) delete out[k];
  for (const k of Object.keys(out)) {
    if (k === 'status' && opts.statusIsAMove) continue;
    if (k in shown && canonicalJson(out[k]) === canonicalJson(shown[k])) out[k] = before[k];
  }
  return out;
}

/** JSON Patch operations on server-managed properties are dropped, like their merge-patch values. */
export function lenientOps<T extends { path?: string }>(ops: T[], ignored: readonly string[]): T[] {
  return ops.filter((op) => !ignored.includes((op.path ?? '').split('/')[1] ?? ''));
}

/** TMF656 priority: an integer 1 (highest) to 10; clients send it as a string too, or a word. */
export const PROBLEM_PRIORITY_WORDS: Record<string, number> = { critical: 1, high: 2, medium: 3, moderate: 3, low: 4, planning: 5 };
export function problemPriority(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (/^\d{1,2}$/.test(t)) return Number(t);
  const word = PROBLEM_PRIORITY_WORDS[key(t)];
  if (word === undefined) {
    throw badRequest(
      `priority: '${value}' is not understood; send 1 (highest) to 10, or one of (any case): ${Object.keys(PROBLEM_PRIORITY_WORDS).join(', ')}`,
      'INVALID_BODY',
    );
  }
  return word;
}

/**
 * Issue 11: properties a TMF client may send that the server manages on every two-party
 * record (ticket, problem); values sent for them are ignored. Each resource adds its own.
 */
export const SERVER_MANAGED = [
  '@type',
  '@baseType',
  '@schemaLocation',
  'id',
  'href',
  'creationDate',
  'lastUpdate',
  'statusChangeDate',
  'resolutionDate',
  'handOverDate',
] as const;
