import crypto from 'node:crypto';
import type { Database, SqlTx } from '../../db/client.js';
import type { ResourceStore } from '../../db/resourceStore.js';
import { RESOURCES } from '../registry.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { partiesOnCreate, reporterEntry, responsibleEntry, type PartyRef } from '../relatedParty.js';
import { appendedNotes, canonicalJson, stampNotes, type Note } from '../documents.js';
import {
  initialStatus,
  mapClosed,
  mapOpen,
  presentStatus,
  TICKET_PRIORITY,
  TICKET_SEVERITY,
  TICKET_TYPE,
  withStandardTypes,
} from '../standard.js';
import { AppError, badRequest, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { changedAttributes, jsonPatch, mergePatch, normalizeDateTimes, type JsonObject, type JsonPatchOp } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import type { ValidateFunction } from 'ajv';
import { checkIfMatch } from '../../http/etag.js';
import { describeAjvErrors } from '../../http/openapi.js';
import type { PartyService } from '../party/party.service.js';
import type { LinkService } from '../links/links.service.js';
import { priorityFromCharacteristics } from '../sla/priority.js';
import { checkTransition, FINAL, TICKET_STATUS_PROFILE, viaAcknowledged, type Side, type TicketStatus } from './troubleTicket.lifecycle.js';

const troubleTicketTable = RESOURCES.troubleTicket.store;
export const SORTABLE = Object.keys(troubleTicketTable.def.columns);

/** Attributes only one side may change; everything else either side may (notes append-only). */
const REPORTER_ONLY = new Set(['name', 'description', 'severity', 'ticketType', 'requestedResolutionDate']);
const RESPONSIBLE_ONLY = new Set(['priority', 'expectedResolutionDate']);
const SERVER_OWNED = new Set(['relatedParty']);
/**
 * Issue 11: properties of the official TroubleTicket_FVO/_MVO that the server manages.
 * Values a client sends for them are ignored (documented in openapi/troubleTicket.yaml).
 */
const IGNORED = [
  '@type',
  '@baseType',
  '@schemaLocation',
  'id',
  'href',
  'creationDate',
  'lastUpdate',
  'statusChangeDate',
  'statusChangeHistory',
  'resolutionDate',
  'handOverDate',
] as const;
const IGNORED_ON_CREATE = [...IGNORED, 'status', 'statusChangeReason', 'expectedResolutionDate'];

/** Standard free-text values mapped onto Gridlink's vocabulary (see src/modules/standard.ts). */
function mapVocabulary(body: JsonObject): void {
  if (body.severity !== undefined) body.severity = mapOpen(body.severity, TICKET_SEVERITY);
  if (body.ticketType !== undefined) body.ticketType = mapOpen(body.ticketType, TICKET_TYPE);
  if (body.priority !== undefined && body.priority !== null) body.priority = mapClosed(body.priority, TICKET_PRIORITY, 'priority');
}

/**
 * A merge patch without the server-managed properties. A value equal to what the client
 * was shown (`@type`s added on presentation, `status: acknowledged` for a `submitted`
 * ticket sent back by the reporter) is no change. From the responsible side,
 * `acknowledged` on a `submitted` ticket is the acknowledgement itself.
 */
function lenientMergePatch(patch: unknown, before: JsonObject, side: Side): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: JsonObject = { ...(patch as JsonObject) };
  for (const k of IGNORED) delete out[k];
  const shown = withStandardTypes(presentStatus(before, TICKET_STATUS_PROFILE));
  for (const k of Object.keys(out)) {
    if (k === 'status' && side === 'responsible') continue;
    if (k in shown && canonicalJson(out[k]) === canonicalJson(shown[k])) out[k] = before[k];
  }
  mapVocabulary(out);
  return out;
}

/** JSON Patch operations on server-managed properties are dropped, like their merge-patch values. */
function lenientJsonPatch(ops: JsonPatchOp[]): JsonPatchOp[] {
  const top = (p: string | undefined) => (p ?? '').split('/')[1] ?? '';
  return ops.filter((op) => !(IGNORED as readonly string[]).includes(top(op.path)));
}

export interface TicketSchemas {
  output: JsonSchema;
  create: JsonSchema;
  patch: ValidateFunction;
}

export type TroubleTicketService = ReturnType<typeof createTroubleTicketService>;

export function createTroubleTicketService(deps: {
  db: Database;
  now: () => Date;
  party: PartyService;
  schemas: TicketSchemas;
  links?: LinkService;
}) {
  const { db, now, party, schemas, links } = deps;
  const store: ResourceStore = troubleTicketTable;

  const parties = (doc: JsonObject) => {
    const rp = (doc.relatedParty ?? []) as PartyRef[];
    return {
      reporter: rp.find((p) => p.role === 'reporter')!.partyOrPartyRole.id,
      // Issue 11: undefined while the reporter has not named a responsible partner.
      responsible: rp.find((p) => p.role === 'responsible')?.partyOrPartyRole.id,
    };
  };
  const sideOf = (actor: OrganizationActor, doc: JsonObject): Side =>
    parties(doc).reporter === actor.organizationId ? 'reporter' : 'responsible';

  /** The columns kept next to the document (filters, sorting, tenancy), in SQL order. */
  const COLUMNS = [
    'status',
    'severity',
    'ticket_type',
    'priority',
    'name',
    'last_update',
    'status_change_date',
    'requested_resolution_date',
    'expected_resolution_date',
    'resolution_date',
  ] as const;
  const dateOrNull = (v: unknown) => (v ? new Date(v as string) : null);
  const columns = (doc: JsonObject): unknown[] => [
    doc.status,
    doc.severity,
    doc.ticketType,
    doc.priority ?? null,
    doc.name ?? null,
    dateOrNull(doc.lastUpdate),
    dateOrNull(doc.statusChangeDate),
    dateOrNull(doc.requestedResolutionDate),
    dateOrNull(doc.expectedResolutionDate),
    dateOrNull(doc.resolutionDate),
  ];
  const INSERT_TICKET = `INSERT INTO trouble_ticket (id, reporter_org_id, responsible_org_id, creation_date, ${COLUMNS.join(', ')}, doc)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::timestamptz, ${COLUMNS.map((c, i) => `$${i + 5}${c.endsWith('date') || c === 'last_update' ? '::timestamptz' : ''}`).join(', ')}, $${COLUMNS.length + 5}::jsonb)`;
  const UPDATE_TICKET = `UPDATE trouble_ticket SET ${COLUMNS.map((c, i) => `${c} = $${i + 2}${c.endsWith('date') || c === 'last_update' ? '::timestamptz' : ''}`).join(', ')},
    doc = $${COLUMNS.length + 2}::jsonb, version = version + 1 WHERE id = $1::uuid`;

  /** `actor` undefined: a change the platform made on its own (no originating organisation). */
  const event = (type: string, doc: JsonObject, actor: OrganizationActor | undefined, t: Date, description?: string): NewEvent => {
    const { reporter, responsible } = parties(doc);
    return {
      eventType: type,
      resourceType: 'troubleTicket',
      // Issue 11: events carry the standard representation, like responses.
      resource: withStandardTypes(presentStatus(doc, TICKET_STATUS_PROFILE)) as JsonObject & { id: string },
      audience: [reporter, ...(responsible ? [responsible] : [])],
      ...(actor ? { originatorOrgId: actor.organizationId } : {}),
      eventTime: t,
      ...(description ? { description } : {}),
    };
  };

  const requireActivePartnership = async (tx: SqlTx, doc: JsonObject) => {
    const { reporter, responsible } = parties(doc);
    if (!responsible) return; // the reporter's own ticket (issue 11)
    if (!(await party.isActivePartner(tx, reporter, responsible))) {
      throw forbidden(
        'The partnership between the reporter and the responsible organisation is not active; tickets can be read but not changed (GW-9)',
      );
    }
  };

  const activePartner = async (tx: SqlTx, actor: OrganizationActor, responsibleId: string) => {
    const partner = await party.partnerOf(tx, actor.organizationId, responsibleId);
    if (!partner.active) {
      throw unprocessable(`relatedParty: ${responsibleId} is not an active partner of your organisation`, 'NOT_A_PARTNER');
    }
    return partner;
  };

  /**
   * Issue 11: a PATCH on a ticket without a responsible partner whose relatedParty is the
   * current list plus one `responsible` entry names the partner. Returns the partner's id,
   * or undefined when the patch does not do that.
   */
  const namedResponsible = (before: JsonObject, after: JsonObject, actor: OrganizationActor): string | undefined => {
    if (parties(before).responsible) return undefined;
    const rp = (after.relatedParty ?? []) as PartyRef[];
    const named = rp.filter((p) => p.role === 'responsible');
    const rest = rp.filter((p) => p.role !== 'responsible');
    const current = withStandardTypes({ relatedParty: before.relatedParty ?? [] }).relatedParty;
    if (named.length !== 1 || canonicalJson(withStandardTypes({ relatedParty: rest }).relatedParty) !== canonicalJson(current)) {
      return undefined;
    }
    const id = named[0]!.partyOrPartyRole?.id;
    if (!id) return undefined;
    if (id === actor.organizationId)
      throw unprocessable('relatedParty: an organisation cannot file a ticket with itself', 'INVALID_RESPONSIBLE');
    return id;
  };

  return {
    store,

    list(actor: OrganizationActor, q: ListQuery) {
      return store.list(db.reader, actor, q);
    },

    async get(actor: OrganizationActor, id: string): Promise<JsonObject> {
      const row = await store.find(db.reader, actor, id);
      if (!row) throw notFound('TroubleTicket', id);
      return row.doc;
    },

    /** PI-2: a DSO files a ticket with its MNO partner (or the other way round). */
    async create(actor: OrganizationActor, input: JsonObject): Promise<JsonObject> {
      const body = normalizeDateTimes(input, schemas.create) as JsonObject;
      initialStatus(TICKET_STATUS_PROFILE, body.status); // issue 11: only the initial state may be sent
      for (const k of IGNORED_ON_CREATE) delete body[k];
      mapVocabulary(body);
      // Issue 5 hook: ITIL priority from characteristics `impact` x `urgency` when none is given.
      const derived = body.priority === undefined ? priorityFromCharacteristics(body.troubleTicketCharacteristic) : undefined;
      if (derived) body.priority = String(derived);
      const related = (body.relatedParty ?? []) as PartyRef[];
      // Issue 11: without a responsible partner the ticket is the reporter's own (only it
      // sees it, no events to others) until a PATCH names one (see handOver).
      const { responsibleId, others } = partiesOnCreate(related, actor, 'file a ticket with itself');

      return db.sqlTransaction(async (tx) => {
        const partner = responsibleId ? await activePartner(tx, actor, responsibleId) : undefined;
        const reporterName = partner ? partner.actorName : await party.orgName(tx, actor.organizationId);
        const responsibleName = partner?.partnerName;
        const t = now();
        const ts = t.toISOString();
        const id = crypto.randomUUID();
        const doc: JsonObject = withStandardTypes({
          id,
          '@type': 'TroubleTicket',
          ...body,
          status: 'submitted',
          statusChangeDate: ts,
          statusChangeHistory: [
            {
              status: 'submitted',
              statusChangeDate: ts,
              '@type': 'StatusChange',
              actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
            },
          ],
          creationDate: ts,
          lastUpdate: ts,
          note: stampNotes((body.note ?? []) as Note[], reporterName!, t),
          relatedParty: [
            reporterEntry(actor.organizationId, reporterName),
            ...(responsibleId
              ? [
                  responsibleEntry(
                    related.find((p) => p.role === 'responsible'),
                    responsibleId,
                    responsibleName,
                  ),
                ]
              : []),
            ...others,
          ],
        });
        await tx.$executeRawUnsafe(INSERT_TICKET, id, actor.organizationId, responsibleId ?? null, t, ...columns(doc), JSON.stringify(doc));
        await links?.syncDocumentLinks(tx, actor, 'troubleTicket', id, doc, t, { created: true }); // issue 5 hook
        await writeEvents(tx, [event('TroubleTicketCreateEvent', doc, actor, t)]);
        return doc;
      });
    },

    async patch(actor: OrganizationActor, id: string, contentType: string, patchBody: unknown, ifMatch?: string): Promise<JsonObject> {
      return db.sqlTransaction(async (tx) => {
        const row = await store.find(tx, actor, id, { forUpdate: true });
        if (!row) throw notFound('TroubleTicket', id);
        const before = row.doc;
        checkIfMatch(ifMatch, before); // under the row lock: a stale write is a 412
        await requireActivePartnership(tx, before);
        const side = sideOf(actor, before);

        let after: JsonObject;
        // Whether this request states a reason: the stored one belongs to the previous move.
        let reasonGiven: boolean;
        if (contentType === 'application/json-patch+json') {
          const ops = lenientJsonPatch(patchBody as JsonPatchOp[]);
          after = jsonPatch(before, ops);
          mapVocabulary(after);
          reasonGiven = ops.some((op) => op.path === '/statusChangeReason' && op.op !== 'remove' && op.op !== 'test');
        } else {
          // merge-patch+json, or application/json treated as a merge patch (TMF630)
          after = mergePatch(before, lenientMergePatch(patchBody, before, side)) as JsonObject;
          reasonGiven = typeof (patchBody as JsonObject).statusChangeReason === 'string';
        }
        await links?.restoreHiddenRefs(tx, actor.organizationId, 'troubleTicket', before, after); // issue 5 hook
        // Documents read back from JSONB do not keep key order; compare by content.
        const changed = changedAttributes(before, after).filter((a) => canonicalJson(before[a]) !== canonicalJson(after[a]));
        if (changed.length === 0) return before;

        // Issue 11: naming the responsible partner of the reporter's own ticket hands it over.
        const handOverTo = changed.includes('relatedParty') ? namedResponsible(before, after, actor) : undefined;
        let partnerName: string | undefined;
        if (handOverTo) {
          partnerName = (await activePartner(tx, actor, handOverTo)).partnerName;
          const rp = (after.relatedParty ?? []) as PartyRef[];
          const [reporter, ...others] = ((before.relatedParty ?? []) as PartyRef[]).slice();
          after.relatedParty = [
            reporter!,
            responsibleEntry(
              rp.find((p) => p.role === 'responsible'),
              handOverTo,
              partnerName,
            ),
            ...others,
          ];
        }
        const serverOwned = changed.filter((a) => SERVER_OWNED.has(a) && !(a === 'relatedParty' && handOverTo));
        if (serverOwned.length) throw unprocessable(`${serverOwned.join(', ')} cannot be changed by a client`, 'READ_ONLY_ATTRIBUTE');
        // The changed attributes must satisfy the same schema as a merge patch (covers JSON Patch).
        const delta = Object.fromEntries(changed.map((a) => [a, after[a] === undefined ? null : after[a]]));
        if (!schemas.patch(delta))
          throw badRequest(`Invalid patch: ${describeAjvErrors(schemas.patch.errors ?? [], 'body')}`, 'INVALID_BODY');
        const removedRequired = changed.filter(
          (a) => after[a] === undefined && ['description', 'severity', 'ticketType', 'status'].includes(a),
        );
        if (removedRequired.length) throw unprocessable(`${removedRequired.join(', ')} cannot be removed`, 'REQUIRED_ATTRIBUTE');

        const from = before.status as TicketStatus;
        const to = after.status as TicketStatus;
        const statusChanged = from !== to;
        if (FINAL.has(from) && changed.some((a) => a !== 'note')) {
          throw new AppError(409, 'TICKET_FINAL', 'Conflict', `The ticket is ${from}; only notes can be added`);
        }
        const forbiddenAttrs = changed.filter((a) => (side === 'reporter' ? RESPONSIBLE_ONLY : REPORTER_ONLY).has(a));
        if (forbiddenAttrs.length) throw forbidden(`The ${side} cannot change ${forbiddenAttrs.join(', ')}`);
        if ((reasonGiven || changed.includes('statusChangeReason')) && !statusChanged) {
          throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
        }

        const t = now();
        const ts = t.toISOString();
        if (handOverTo) after.handOverDate = ts; // SLA clocks run from the hand-over (issue 11)
        // Notes are append-only; the server stamps author and date on new ones.
        if (changed.includes('note')) {
          const oldNotes = (before.note ?? []) as Note[];
          const added = appendedNotes(oldNotes, (after.note ?? []) as Note[]);
          after.note = [...oldNotes, ...stampNotes(added, (await party.orgName(tx, actor.organizationId))!, t)];
        }
        const normalized = withStandardTypes(normalizeDateTimes(after, schemas.output) as JsonObject);
        Object.assign(after, normalized);

        const events: NewEvent[] = [];
        let implicitAck = false;
        if (statusChanged) {
          const reason = reasonGiven ? (after.statusChangeReason as string | undefined) : undefined;
          // Issue 11: a standard client sees a `submitted` ticket as `acknowledged`; the
          // responsible side moving it on acknowledges it on the way (both steps recorded).
          implicitAck = viaAcknowledged(from, to, side);
          checkTransition(implicitAck ? 'acknowledged' : from, to, side, reason);
          after.statusChangeDate = ts;
          if (!reasonGiven) delete after.statusChangeReason;
          const stamp = { '@type': 'StatusChange', actor: { organizationId: actor.organizationId, credentialId: actor.credentialId } };
          after.statusChangeHistory = [
            ...((before.statusChangeHistory ?? []) as unknown[]),
            ...(implicitAck ? [{ status: 'acknowledged', statusChangeDate: ts, ...stamp }] : []),
            {
              status: to,
              statusChangeDate: ts,
              ...(reason ? { statusChangeReason: reason } : {}),
              '@type': 'StatusChange',
              actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
            },
          ];
          if (to === 'resolved') after.resolutionDate = ts;
          if (from === 'resolved' && to === 'inProgress') delete after.resolutionDate;
        }
        after.lastUpdate = ts;

        const attrChanges = changed.filter((a) => a !== 'status' && a !== 'statusChangeReason');
        if (attrChanges.length)
          events.push(event('TroubleTicketAttributeValueChangeEvent', after, actor, t, `changed: ${attrChanges.join(', ')}`));
        if (statusChanged) {
          if (implicitAck) events.push(event('TroubleTicketStatusChangeEvent', after, actor, t, `${from} -> acknowledged`));
          events.push(event('TroubleTicketStatusChangeEvent', after, actor, t, `${implicitAck ? 'acknowledged' : from} -> ${to}`));
          if (to === 'resolved') events.push(event('TroubleTicketResolvedEvent', after, actor, t));
          if (to === 'pending')
            events.push(
              event(
                'TroubleTicketInformationRequiredEvent',
                after,
                actor,
                t,
                (after.statusChangeReason as string | undefined) ?? undefined,
              ),
            );
        }

        if (handOverTo) {
          await tx.$executeRawUnsafe('UPDATE trouble_ticket SET responsible_org_id = $2::uuid WHERE id = $1::uuid', id, handOverTo);
          // The partner receives the ticket as new (the normal create event); the reporter
          // learns that relatedParty changed.
          events.unshift({ ...event('TroubleTicketCreateEvent', after, actor, t), audience: [handOverTo] });
          const i = events.findIndex((e) => e.eventType === 'TroubleTicketAttributeValueChangeEvent');
          if (i >= 0) events[i] = { ...events[i]!, audience: [parties(after).reporter] };
          else
            events.push({
              ...event('TroubleTicketAttributeValueChangeEvent', after, actor, t, 'changed: relatedParty'),
              audience: [parties(after).reporter],
            });
        }
        await tx.$executeRawUnsafe(UPDATE_TICKET, id, ...columns(after), JSON.stringify(after));
        await links?.syncDocumentLinks(tx, actor, 'troubleTicket', id, after, t); // issue 5 hook
        await writeEvents(tx, events);
        return after;
      });
    },

    async delete(actor: OrganizationActor, id: string, ifMatch?: string): Promise<JsonObject> {
      return db.transaction(async (tx) => {
        const row = await store.find(tx, actor, id, { forUpdate: true });
        if (!row) throw notFound('TroubleTicket', id);
        if (sideOf(actor, row.doc) !== 'reporter') throw forbidden('Only the reporting organisation can delete a ticket');
        checkIfMatch(ifMatch, row.doc);
        await tx.troubleTicket.delete({ where: { id } });
        await links?.removeAllFor(tx, 'troubleTicket', id); // issue 5 hook
        const t = now();
        await writeEvents(tx, [event('TroubleTicketDeleteEvent', row.doc, actor, t)]);
        return row.doc;
      });
    },

    /**
     * A move the platform makes on its own behalf of one side (SLA auto-close: the reporter
     * accepting a resolution nobody reopened). The ticket must still be in `from` and, with
     * `unchangedSince`, unchanged since then; a ticket another transaction holds is skipped
     * (undefined), as is one that moved on. Same lifecycle check and status change event as
     * a client's move; the history entry names no actor and the event no originator.
     */
    async systemTransition(
      id: string,
      move: { from: TicketStatus; to: TicketStatus; side: Side; reason: string; description: string; unchangedSince?: Date },
    ): Promise<JsonObject | undefined> {
      return db.transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ doc: JsonObject }[]>(
          `SELECT doc FROM trouble_ticket WHERE id = $1::uuid AND status = $2 AND ($3::timestamptz IS NULL OR last_update <= $3)
              FOR UPDATE SKIP LOCKED`,
          id,
          move.from,
          move.unchangedSince ?? null,
        );
        const before = rows[0]?.doc;
        if (!before) return undefined;
        checkTransition(move.from, move.to, move.side, move.reason);
        const t = now();
        const ts = t.toISOString();
        const after: JsonObject = {
          ...before,
          status: move.to,
          statusChangeDate: ts,
          statusChangeReason: move.reason,
          statusChangeHistory: [
            ...((before.statusChangeHistory ?? []) as unknown[]),
            { status: move.to, statusChangeDate: ts, statusChangeReason: move.reason, '@type': 'StatusChange' },
          ],
          lastUpdate: ts,
        };
        await tx.$executeRawUnsafe(UPDATE_TICKET, id, ...columns(after), JSON.stringify(after));
        await writeEvents(tx, [event('TroubleTicketStatusChangeEvent', after, undefined, t, move.description)]);
        return after;
      });
    },

    counterpartOf(actor: OrganizationActor, doc: JsonObject): string | undefined {
      const { reporter, responsible } = parties(doc);
      return reporter === actor.organizationId ? responsible : reporter;
    },
  };
}
