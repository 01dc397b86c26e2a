import type { JsonObject } from '../../http/patch.js';
import { canonicalJson } from '../documents.js';
import type { StatusProfile } from '../standard.js';
import type { FilterMapping } from './profile.js';

/**
 * Small helpers shared by the profile mappings (one file per resource beside this one):
 * the reference shapes that changed between TMF v4 and v5 (`RelatedParty` with `id`/`role`
 * directly vs `partyOrPartyRole`; `RelatedEntity` with `id` directly vs `entity`).
 */
type Ref = Record<string, unknown>;

/** Drops `undefined` values, so an absent attribute stays absent. */
export function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const REF_KEYS = ['id', 'href', 'name', '@referredType'] as const;
const pick = (o: Ref | undefined, keys: readonly string[]) => defined(Object.fromEntries(keys.map((k) => [k, o?.[k]])));

/** v5 `RelatedPartyRefOrPartyRoleRef` -> v4 `RelatedParty`. */
export function partyToV4(p: Ref): Ref {
  const ref = (p.partyOrPartyRole ?? {}) as Ref;
  return defined({
    ...pick(ref, REF_KEYS),
    role: p.role,
    '@referredType': ref['@referredType'] ?? 'Organization',
    '@type': 'RelatedParty',
  });
}

/** v4 `RelatedParty` -> v5 `RelatedPartyRefOrPartyRoleRef`. */
export function partyFromV4(p: Ref): Ref {
  return defined({ role: p.role, partyOrPartyRole: pick(p, REF_KEYS), '@type': 'RelatedPartyRefOrPartyRoleRef' });
}

/** A v5 party reference held directly (TMF656 `originatorParty`/`responsibleParty`) is already v4-shaped. */
export function refToV4(r: Ref, referredType = 'Organization'): Ref {
  return defined({ ...pick(r, REF_KEYS), role: r.role, '@referredType': r['@referredType'] ?? referredType, '@type': 'RelatedParty' });
}

/** v5 `RelatedEntity` (`entity` inside) -> v4 `RelatedEntity` (`id` directly; `role` and `@referredType` required). */
export function entityToV4(e: Ref): Ref {
  const ref = (e.entity ?? {}) as Ref;
  return defined({
    ...pick(ref, REF_KEYS),
    role: e.role ?? 'related',
    '@referredType': ref['@referredType'] ?? ref['@type'] ?? 'Entity',
    '@type': 'RelatedEntity',
  });
}

/** v4 `RelatedEntity` -> v5 `RelatedEntity`. */
export function entityFromV4(e: Ref): Ref {
  return defined({ role: e.role, entity: pick(e, REF_KEYS), '@type': 'RelatedEntity' });
}

export const mapList = <T>(list: unknown, fn: (x: Ref) => T): T[] | undefined =>
  Array.isArray(list) ? (list as Ref[]).map(fn) : undefined;

export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * Status in the v4 profiles (TMF621 v4 and TMF656 v4 have the same list): v4 has no state
 * before `acknowledged`, so Gridlink's `submitted` is shown as it, with the extension
 * `gridlinkStatus`. The Gridlink status is read from `gridlinkStatus` where the service
 * keeps one, else from `status`.
 */
export const INITIAL_V4_STATUS = 'acknowledged';
const V4_STATUSES = new Set(['acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'closed', 'resolved']);
export const gridlinkStatusOf = (doc: JsonObject) => (doc.gridlinkStatus ?? doc.status) as string | undefined;
export const toV4Status = (s: string | undefined) => (s === undefined ? undefined : V4_STATUSES.has(s) ? s : INITIAL_V4_STATUS);

/**
 * A record's status rule as a v4 profile applies it: the same as v5 (`initialStatus`,
 * `ignoredStatusWarning` in standard.ts) with v4's one initial state, `acknowledged`.
 */
export const v4StatusProfile = (profile: StatusProfile): StatusProfile => ({
  ...profile,
  initial: { [INITIAL_V4_STATUS]: profile.initial[INITIAL_V4_STATUS]! },
});

/** `status` (and `gridlinkStatus` when it differs) of the v4 view of a document. */
export function v4StatusView(doc: JsonObject): JsonObject {
  const status = gridlinkStatusOf(doc);
  const v4 = toV4Status(status);
  return defined({ status: v4, gridlinkStatus: status !== v4 ? status : undefined });
}

/** Filter `status=acknowledged` also finds the not-yet-acknowledged (`submitted`) records. */
export const v4StatusFilter: FilterMapping = {
  path: 'status',
  values: (v) => (v === INITIAL_V4_STATUS ? ['submitted', INITIAL_V4_STATUS] : [v]),
};

/**
 * A status sent in a v4 PATCH is kept even when it equals the v4 view in one case: the
 * responsible organisation acknowledging a `submitted` record (the view already shows
 * `acknowledged`). For the other side it is an echo and changes nothing.
 */
export const keepV4Status = (body: JsonObject, current: JsonObject, responsible: boolean) => (key: string) =>
  key === 'status' && responsible && gridlinkStatusOf(current) !== body.status;

/**
 * Notes in a profile PATCH: the ticket's notes are kept and those not on it yet (by `id`, or
 * without one) are added, so a client may send the whole list or only the new notes.
 * `undefined` when nothing is new.
 */
export function notesToAppend(sent: unknown, current: unknown): JsonObject[] | undefined {
  if (!Array.isArray(sent)) return undefined;
  const existing = (Array.isArray(current) ? current : []) as JsonObject[];
  const ids = new Set(existing.map((n) => n.id));
  const added = (sent as JsonObject[]).filter((n) => !(n.id !== undefined && ids.has(n.id)));
  return added.length ? [...existing, ...added] : undefined;
}

/**
 * Attributes of a profile merge patch that just repeat the current profile view are left
 * out (a client that sends back what it read changes nothing).
 */
export function changedOnly(body: JsonObject, view: JsonObject, keep: (key: string) => boolean = () => false): JsonObject {
  return Object.fromEntries(Object.entries(body).filter(([k, v]) => keep(k) || !sameJson(v, view[k])));
}
