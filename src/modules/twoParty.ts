import crypto from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import type { Reader, SqlTx } from '../db/client.js';
import type { ResourceStore } from '../db/resourceStore.js';
import type { NewEvent } from '../events/outbox.js';
import type { OrganizationActor } from '../http/context.js';
import { checkIfMatch } from '../http/etag.js';
import { AppError, badRequest, forbidden, notFound, unprocessable } from '../http/errors.js';
import { describeAjvErrors } from '../http/openapi.js';
import {
  changedAttributes,
  isJsonObject,
  jsonPatch,
  mergePatch,
  normalizeDateTimes,
  type JsonObject,
  type JsonPatchOp,
} from '../http/patch.js';
import type { JsonSchema, ListQuery } from '../http/tmfQuery.js';
import { appendedNotes, canonicalJson, stampNotes, type Note } from './documents.js';
import type { LinkableType, LinkService } from './links/links.service.js';
import type { PartyService } from './party/party.service.js';
import { initialStatus, lenientMerge, lenientOps, withStandardTypes, type StatusProfile } from './standard.js';
import type { RecordRepository } from './twoParty.repository.js';

/**
 * The two-party record core (issue 15): what trouble tickets, service problems and incidents
 * share. A record is between a reporting organisation (the *reporter*; TMF656 calls it the
 * originator) and a *responsible* one; the reporter may keep it as its own until it names
 * the responsible partner (issue 11). The core holds the party rules (who is which side,
 * who receives events, the partnership check), note stamping, the status history, and the
 * whole PATCH pipeline (If-Match, lenient merge/JSON patch, hidden references, the
 * hand-over, read-only / required / one-side attributes, the lifecycle with the implicit
 * acknowledgement, events). Each resource passes its differences as options.
 */

/** A status-history entry (TMF `StatusChange`) with the acting credential. */
export interface StatusChange {
  status: string;
  statusChangeDate: string;
  statusChangeReason?: string;
  '@type'?: string;
  actor?: { organizationId: string; credentialId?: string };
}

/**
 * What the core reads and writes on a stored two-party record; each resource's stored
 * document (`StoredTicket`, `StoredProblem`, `StoredIncident`) is one. The status attributes
 * are those of records with a status history (tickets, problems); incidents have none.
 */
export type RecordDoc = JsonObject & {
  id: string;
  status?: string;
  statusChangeDate?: string;
  statusChangeReason?: string;
  statusChangeHistory?: StatusChange[];
  resolutionDate?: string;
  creationDate?: string;
  lastUpdate?: string;
  handOverDate?: string;
  note?: Note[];
};

export interface Parties {
  reporter: string;
  /** Undefined while the reporter has not named a responsible partner. */
  responsible: string | undefined;
}

/** A status lifecycle whose moves belong to sides (src/modules/lifecycle.ts `sidedLifecycle`). */
export interface SidedLifecycle<Side extends string> {
  checkTransition(from: string, to: string, side: Side, reason: string | undefined): void;
  final: ReadonlySet<string>;
  /** Issue 11: a move a standard client makes from what it sees as `acknowledged` (see the lifecycles). */
  viaAcknowledged(from: string, to: string, side: Side): boolean;
}

export interface TwoPartyDef<Side extends string, T extends SqlTx, D extends RecordDoc> {
  resourceType: LinkableType;
  /** As `404` messages name it (`TroubleTicket`). */
  entity: string;
  /** As messages name it in a sentence (`ticket`, `service problem`). */
  noun: string;
  /** The reporter's side name (`reporter`, `originator`); the other side is `responsible` (both in `Side`). */
  reporterSide: Side;
  store: ResourceStore<D>;
  /** The record's data access (src/modules/twoParty.repository.ts). */
  repository: RecordRepository<D>;
  db: { reader: Reader; transaction<R>(fn: (tx: T) => Promise<R>): Promise<R> };
  now: () => Date;
  party: PartyService;
  links: LinkService;
  /** Where the parties are in the document. */
  parties(doc: D): Parties;
  /** The standard representation (responses and events). */
  present(doc: D): JsonObject;
  /** The event type of an attribute change (also for platform changes such as SLA violations). */
  attributeChangeEvent: string;
  /** Writes events (and anything recorded with them) in the transaction. */
  emit(tx: T, events: NewEvent[], t: Date): Promise<void>;
}

export interface PatchDef<Side extends string, D extends RecordDoc> {
  schemas: { output: JsonSchema; patch: ValidateFunction };
  lifecycle: SidedLifecycle<Side>;
  /** Code of the 409 for a change of a record in a final state (`TICKET_FINAL`). */
  finalCode: string;
  events: { attributeChange: string; statusChange: string; informationRequired: string; resolved?: string; create: string };
  /** Properties a client may send but the server manages: dropped from a patch (issue 11). */
  ignored: readonly string[];
  /** Ignored in a JSON Patch (default: `ignored`). */
  ignoredOps?: readonly string[];
  /** Attributes no PATCH may change (422), with the hint added to the message. */
  serverOwned: ReadonlySet<string>;
  serverOwnedHint?: string;
  /** Attributes that cannot be removed. */
  required: readonly string[];
  /** Attributes only this side may change. */
  sideOnly: Record<Side, ReadonlySet<string>>;
  /** Standard words mapped onto Gridlink's vocabulary, in place. */
  mapVocabulary(patch: JsonObject): void;
  /** Whether references the caller cannot see are refused (422) or only kept where hidden. */
  checkReferences: boolean;
  /** Issue 11: the hand-over of the reporter's own record by naming the responsible partner. */
  handOver: {
    /** The partner's organisation id when the patch names one on a record that has none. */
    named(before: D, after: D, actor: OrganizationActor): string | undefined;
    /** Puts the server-built responsible entry into the document. */
    place(after: D, before: D, partnerId: string, partnerName: string | undefined): void;
    /** The attribute that names the partner (it may change only in a hand-over). */
    attribute: string;
    /** Refuses a hand-over this record cannot take (e.g. a grouped problem). */
    check?(before: D): void;
  };
  /** Extra recording on a status move (TMF656 tracking records). */
  onStatusChange?(doc: D, from: string, to: string, actor: OrganizationActor, t: Date): void;
  /** Whether the document's link references may have changed (default: always re-synced). */
  linksChanged?(changed: string[]): boolean;
}

export interface CreateDef {
  schemas: { create: JsonSchema };
  /**
   * Records with a status history (tickets, problems): the client may send only the initial
   * status, and the record starts `submitted` with its history and `lastUpdate`. Without one
   * (incidents: TMF724 state/ackState) `build` sets the state.
   */
  statusProfile?: StatusProfile;
  /** Whether the stored document gets `@type` on every nested object (incidents: only on presentation). */
  standardTypes: boolean;
  /** Properties a client may send but the server manages: dropped (issue 11). */
  ignored: readonly string[];
  /**
   * Checks and maps the body before anything is written (4xx on a bad one) and returns the
   * named responsible partner's id, or undefined: the reporter's own record (issue 11).
   */
  prepare(body: JsonObject, actor: OrganizationActor): string | undefined;
  /** The attribute that names the partner (in messages). */
  partnerAttribute: string;
  /** Whether references the caller cannot see are refused (422). */
  checkReferences: boolean;
  /** The resource's own parts of the new document: its parties, and whatever else it adds. */
  build(
    body: JsonObject,
    c: { actor: OrganizationActor; t: Date; reporterName: string | undefined; responsibleId?: string; responsibleName?: string },
  ): JsonObject;
  /**
   * `always`: the document always has `note` (`[]` when none was sent), stamped; `whenSent`:
   * only then; `none`: the resource has no notes (a `note` sent is stored as sent).
   */
  notes: 'always' | 'whenSent' | 'none';
  createEvent: string;
}

/** DELETE of a record: only its reporter deletes it; the differences between resources. */
export interface DeleteDef<D extends RecordDoc> {
  /** The 403 message to the responsible side. */
  reporterOnly: string;
  /** Whether `If-Match` is checked before the side (problems) or after it (tickets). */
  ifMatchFirst: boolean;
  /** Further refusals, after the side and `If-Match` (problems: admin role, grouping). */
  refuse?(actor: OrganizationActor, doc: D): void;
  /** What else goes with the record, in its transaction (problems: their SLA clocks). */
  forget?(tx: SqlTx, id: string): Promise<void>;
  deleteEvent: string;
}

type Actor = OrganizationActor | undefined;

/** The responsible side's name (the same in every two-party lifecycle). */
const RESPONSIBLE = <Side extends string>(_def: { reporterSide: Side }) => 'responsible' as Side;

/** A status-history entry (TMF `StatusChange`) with the acting credential. */
export function statusChange(status: string, ts: string, actor: Actor, reason?: string): StatusChange {
  return {
    status,
    statusChangeDate: ts,
    ...(reason ? { statusChangeReason: reason } : {}),
    '@type': 'StatusChange',
    ...(actor ? { actor: { organizationId: actor.organizationId, credentialId: actor.credentialId } } : {}),
  };
}

/**
 * A status move on a document: status, date, reason, history entry and the resolution
 * date (set on `resolved`, removed on reopening). The caller saves and emits.
 */
export function applyStatus(doc: RecordDoc, to: string, actor: Actor, t: Date, reason?: string): string {
  const from = String(doc.status);
  const ts = t.toISOString();
  doc.status = to;
  doc.statusChangeDate = ts;
  if (reason) doc.statusChangeReason = reason;
  else delete doc.statusChangeReason;
  doc.statusChangeHistory = [...(doc.statusChangeHistory ?? []), statusChange(to, ts, actor, reason)];
  if (to === 'resolved') doc.resolutionDate = ts;
  if (from === 'resolved' && to === 'inProgress') delete doc.resolutionDate;
  doc.lastUpdate = ts;
  return from;
}

export function createTwoPartyCore<Side extends string, T extends SqlTx, D extends RecordDoc>(def: TwoPartyDef<Side, T, D>) {
  const { store, repository, db, party } = def;

  const audienceOf = (doc: D): string[] => {
    const { reporter, responsible } = def.parties(doc);
    return responsible ? [reporter, responsible] : [reporter];
  };
  const sideOf = (actor: OrganizationActor, doc: D): Side =>
    def.parties(doc).reporter === actor.organizationId ? def.reporterSide : RESPONSIBLE(def);

  /** An event about the record to both parties (or the reporter alone while it is its own). */
  const event = (type: string, doc: D, actor: Actor, t: Date, description?: string): NewEvent => ({
    eventType: type,
    resourceType: def.resourceType,
    resource: { ...def.present(doc), id: doc.id },
    audience: audienceOf(doc),
    ...(actor ? { originatorOrgId: actor.organizationId } : {}),
    eventTime: t,
    ...(description ? { description } : {}),
  });

  /** GW-9: changes only while the partnership is active (the reporter's own record has none). */
  const requireActivePartnership = async (tx: T, doc: D) => {
    const { reporter, responsible } = def.parties(doc);
    if (!responsible) return;
    if (!(await party.isActivePartner(tx, reporter, responsible))) {
      throw forbidden(`The partnership between the two organisations is not active; the ${def.noun} can be read but not changed (GW-9)`);
    }
  };

  /** The named responsible organisation, which must be an active partner of the caller (422 otherwise). */
  const activePartner = async (tx: T, actor: OrganizationActor, responsibleId: string, attribute: string) => {
    const partner = await party.partnerOf(tx, actor.organizationId, responsibleId);
    if (!partner.active) {
      throw unprocessable(`${attribute}: ${responsibleId} is not an active partner of your organisation`, 'NOT_A_PARTNER');
    }
    return partner;
  };

  /** Notes are append-only; the server stamps author and date on the new ones. */
  const appendNotes = async (tx: T, actor: OrganizationActor, before: D, after: RecordDoc, t: Date) => {
    const old = before.note ?? [];
    const added = appendedNotes(old, after.note ?? []);
    after.note = [...old, ...stampNotes(added, (await party.orgName(tx, actor.organizationId))!, t)];
  };

  return {
    store,
    audienceOf,
    sideOf,
    event,
    activePartner,
    requireActivePartnership,

    list(actor: OrganizationActor, q: ListQuery) {
      return store.list(db.reader, actor, q);
    },

    async get(actor: OrganizationActor, id: string): Promise<D> {
      const row = await store.find(db.reader, actor, id);
      if (!row) throw notFound(def.entity, id);
      return row.doc;
    },

    /**
     * SLA breaches recorded on the record itself (`slaViolation`, appended) with its
     * attribute-change event, in the caller's transaction: a platform change (no actor). The
     * SLA module calls this on the record's owner instead of writing the table itself.
     */
    async recordSlaViolations(tx: T, id: string, violations: JsonObject[], t: Date): Promise<void> {
      const doc = await repository.appendSlaViolations(tx, id, violations);
      if (!doc) return;
      const description = `changed: slaViolation (${violations.map((v) => String(v.name)).join(', ')})`;
      await def.emit(tx, [event(def.attributeChangeEvent, doc, undefined, t, description)], t);
    },

    counterpartOf(actor: OrganizationActor, doc: D): string | undefined {
      const { reporter, responsible } = def.parties(doc);
      return reporter === actor.organizationId ? responsible : reporter;
    },

    /**
     * Create: the reporter is the caller; the record starts `submitted`, with its history,
     * stamped notes, links and the create event (to the responsible partner too when named).
     */
    creator(c: CreateDef) {
      return async (actor: OrganizationActor, input: JsonObject): Promise<D> => {
        const body = normalizeDateTimes(input, c.schemas.create) as JsonObject;
        if (c.statusProfile) initialStatus(c.statusProfile, body.status); // issue 11: only the initial state may be sent
        for (const k of c.ignored) delete body[k];
        const responsibleId = c.prepare(body, actor);
        return db.transaction(async (tx) => {
          const partner = responsibleId ? await activePartner(tx, actor, responsibleId, c.partnerAttribute) : undefined;
          const id = crypto.randomUUID();
          if (c.checkReferences) await def.links.checkRefs(tx, actor, def.resourceType, { id, ...body });
          const reporterName = partner ? partner.actorName : await party.orgName(tx, actor.organizationId);
          const t = def.now();
          const ts = t.toISOString();
          // The stored document: the body (checked against the create schema before the handler
          // ran, then by `prepare`) with what the server sets.
          const history = c.statusProfile !== undefined;
          const built = {
            id,
            '@type': def.entity,
            ...body,
            ...(history ? { status: 'submitted', statusChangeDate: ts, statusChangeHistory: [statusChange('submitted', ts, actor)] } : {}),
            creationDate: ts,
            ...(history ? { lastUpdate: ts } : {}),
            ...c.build(body, { actor, t, reporterName, responsibleId, responsibleName: partner?.partnerName }),
          };
          const doc = (c.standardTypes ? withStandardTypes(built) : built) as D;
          const notes: Note[] | undefined = Array.isArray(body.note) ? body.note : undefined;
          const stored: RecordDoc = doc;
          if (c.notes !== 'none' && (notes || c.notes === 'always')) stored.note = stampNotes(notes ?? [], reporterName!, t);
          await repository.insert(tx, doc, { reporterId: actor.organizationId, responsibleId, t });
          await def.links.syncDocumentLinks(tx, actor, def.resourceType, id, doc, t, { created: true });
          await def.emit(tx, [event(c.createEvent, doc, actor, t)], t);
          return doc;
        });
      };
    },

    /**
     * DELETE by the reporter, under the row lock: the record, its links (issue 5) and whatever
     * `forget` names go in one transaction with the delete event. Returns the deleted document.
     */
    remover(r: DeleteDef<D>) {
      return async (actor: OrganizationActor, id: string, ifMatch?: string): Promise<D> =>
        db.transaction(async (tx) => {
          const row = await store.find(tx, actor, id, { forUpdate: true });
          if (!row) throw notFound(def.entity, id);
          if (r.ifMatchFirst) checkIfMatch(ifMatch, row.doc); // under the row lock: a stale delete is a 412
          if (sideOf(actor, row.doc) !== def.reporterSide) throw forbidden(r.reporterOnly);
          if (!r.ifMatchFirst) checkIfMatch(ifMatch, row.doc);
          r.refuse?.(actor, row.doc);
          await repository.remove(tx, id);
          await def.links.removeAllFor(tx, def.resourceType, id);
          await r.forget?.(tx, id);
          const t = def.now();
          await def.emit(tx, [event(r.deleteEvent, row.doc, actor, t)], t);
          return row.doc;
        });
    },

    /**
     * PATCH: merge patch (also `application/json`, TMF630) or JSON Patch, in one transaction
     * under the row lock. Returns the stored document (unchanged when nothing changed).
     */
    patcher(p: PatchDef<Side, D>) {
      /**
       * The patched document and whether the request itself states a reason. The result is
       * checked against the patch schema (`checkChange`) before anything is written.
       */
      const applyPatch = (before: D, contentType: string, body: unknown, side: Side): { after: D; reasonGiven: boolean } => {
        if (contentType === 'application/json-patch+json') {
          const ops = lenientOps(body as JsonPatchOp[], p.ignoredOps ?? p.ignored);
          const after = jsonPatch(before, ops) as D;
          p.mapVocabulary(after);
          const reasonGiven = ops.some((op) => op.path === '/statusChangeReason' && op.op !== 'remove' && op.op !== 'test');
          return { after, reasonGiven };
        }
        // A value equal to what the client was shown (`@type`s added on presentation, a
        // `submitted` record's `acknowledged` sent back by the reporter) is no change; from
        // the responsible side a status is always a move.
        const lenient = lenientMerge(body, before, def.present(before), p.ignored, { statusIsAMove: side === 'responsible' });
        if (isJsonObject(lenient)) p.mapVocabulary(lenient);
        const after = mergePatch(before, lenient) as D;
        return { after, reasonGiven: isJsonObject(body) && typeof body.statusChangeReason === 'string' };
      };

      /** The attribute rules: read-only, schema, required, final state, sides, reason. */
      const checkChange = (before: D, after: D, changed: string[], side: Side, reasonGiven: boolean) => {
        const delta = Object.fromEntries(changed.map((a) => [a, after[a] === undefined ? null : after[a]]));
        if (!p.schemas.patch(delta))
          throw badRequest(`Invalid patch: ${describeAjvErrors(p.schemas.patch.errors ?? [], 'body')}`, 'INVALID_BODY');
        const removedRequired = changed.filter((a) => after[a] === undefined && p.required.includes(a));
        if (removedRequired.length) throw unprocessable(`${removedRequired.join(', ')} cannot be removed`, 'REQUIRED_ATTRIBUTE');
        const from = String(before.status);
        if (p.lifecycle.final.has(from) && changed.some((a) => a !== 'note')) {
          throw new AppError(409, p.finalCode, 'Conflict', `The ${def.noun} is ${from}; only notes can be added`);
        }
        const otherSide = side === def.reporterSide ? RESPONSIBLE(def) : def.reporterSide;
        const forbiddenAttrs = changed.filter((a) => p.sideOnly[otherSide].has(a));
        if (forbiddenAttrs.length) throw forbidden(`The ${side} cannot change ${forbiddenAttrs.join(', ')}`);
        if ((reasonGiven || changed.includes('statusChangeReason')) && from === after.status) {
          throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
        }
      };

      /** The status move (with the implicit acknowledgement) and its events. */
      const moveStatus = (before: D, after: D, side: Side, reasonGiven: boolean, actor: OrganizationActor, t: Date): NewEvent[] => {
        const from = String(before.status);
        const to = String(after.status);
        const reason = reasonGiven ? after.statusChangeReason : undefined;
        // Issue 11: a standard client sees a submitted record as acknowledged; the
        // responsible side moving it on acknowledges it on the way (both steps recorded).
        const implicitAck = p.lifecycle.viaAcknowledged(from, to, side);
        p.lifecycle.checkTransition(implicitAck ? 'acknowledged' : from, to, side, reason);
        const doc: RecordDoc = after;
        doc.status = from;
        doc.statusChangeHistory = before.statusChangeHistory;
        const events: NewEvent[] = [];
        if (implicitAck) {
          applyStatus(after, 'acknowledged', actor, t);
          events.push(event(p.events.statusChange, after, actor, t, `${from} -> acknowledged`));
        }
        applyStatus(after, to, actor, t, reason);
        p.onStatusChange?.(after, from, to, actor, t);
        events.push(event(p.events.statusChange, after, actor, t, `${implicitAck ? 'acknowledged' : from} -> ${to}`));
        if (to === 'resolved' && p.events.resolved) events.push(event(p.events.resolved, after, actor, t));
        if (to === 'pending') {
          events.push(event(p.events.informationRequired, after, actor, t, after.statusChangeReason));
        }
        return events;
      };

      return async (actor: OrganizationActor, id: string, contentType: string, body: unknown, ifMatch?: string): Promise<D> =>
        db.transaction(async (tx) => {
          const row = await store.find(tx, actor, id, { forUpdate: true });
          if (!row) throw notFound(def.entity, id);
          const before = row.doc;
          checkIfMatch(ifMatch, before); // under the row lock: a stale write is a 412
          await requireActivePartnership(tx, before);
          const side = sideOf(actor, before);
          const { after, reasonGiven } = applyPatch(before, contentType, body, side);
          const doc: RecordDoc = after; // the same object, for the core's own attributes
          // A client replacing a reference array it was shown filtered keeps what it could not see.
          await def.links.restoreHiddenRefs(tx, actor.organizationId, def.resourceType, before, after);
          // Documents read back from JSONB do not keep key order; compare by content.
          const changed = changedAttributes(before, after).filter((a) => canonicalJson(before[a]) !== canonicalJson(after[a]));
          if (changed.length === 0) return before;

          // Issue 11: naming the responsible partner of the reporter's own record hands it over.
          const handOverTo = changed.includes(p.handOver.attribute) ? p.handOver.named(before, after, actor) : undefined;
          if (handOverTo) {
            p.handOver.check?.(before);
            const partner = await activePartner(tx, actor, handOverTo, p.handOver.attribute);
            p.handOver.place(after, before, handOverTo, partner.partnerName);
          }
          const serverOwned = changed.filter((a) => p.serverOwned.has(a) && !(a === p.handOver.attribute && handOverTo));
          if (serverOwned.length) {
            throw unprocessable(`${serverOwned.join(', ')} cannot be changed by a client${p.serverOwnedHint ?? ''}`, 'READ_ONLY_ATTRIBUTE');
          }
          checkChange(before, after, changed, side, reasonGiven);
          if (p.checkReferences) await def.links.checkRefs(tx, actor, def.resourceType, after, before);

          const t = def.now();
          const ts = t.toISOString();
          if (handOverTo) doc.handOverDate = ts; // SLA clocks run from the hand-over (issue 11)
          if (changed.includes('note')) await appendNotes(tx, actor, before, doc, t);
          Object.assign(after, withStandardTypes(normalizeDateTimes(after, p.schemas.output) as JsonObject));

          const statusEvents = before.status !== after.status ? moveStatus(before, after, side, reasonGiven, actor, t) : [];
          doc.lastUpdate = ts;
          const attrChanges = changed.filter((a) => a !== 'status' && a !== 'statusChangeReason');
          const events: NewEvent[] = [];
          if (attrChanges.length) events.push(event(p.events.attributeChange, after, actor, t, `changed: ${attrChanges.join(', ')}`));
          events.push(...statusEvents);

          if (handOverTo) {
            await repository.setResponsible(tx, id, handOverTo);
            // The partner receives the record as new (the normal create event); the
            // reporter learns that the responsible party changed.
            const reporterOnly = (e: NewEvent): NewEvent => ({ ...e, audience: [def.parties(after).reporter] });
            const i = events.findIndex((e) => e.eventType === p.events.attributeChange);
            if (i >= 0) events[i] = reporterOnly(events[i]!);
            else events.push(reporterOnly(event(p.events.attributeChange, after, actor, t, `changed: ${p.handOver.attribute}`)));
            events.unshift({ ...event(p.events.create, after, actor, t), audience: [handOverTo] });
          }
          await repository.save(tx, after);
          if (p.linksChanged?.(changed) ?? true) await def.links.syncDocumentLinks(tx, actor, def.resourceType, id, after, t);
          await def.emit(tx, events, t);
          return after;
        });
    },
  };
}

export type TwoPartyCore<Side extends string, T extends SqlTx, D extends RecordDoc> = ReturnType<typeof createTwoPartyCore<Side, T, D>>;
