import type { SqlTx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { partiesOnCreate, reporterEntry, responsibleEntry, type PartyRef } from '../relatedParty.js';
import { canonicalJson } from '../documents.js';
import {
  mapClosed,
  mapOpen,
  SERVER_MANAGED,
  presentStatus,
  TICKET_PRIORITY,
  TICKET_SEVERITY,
  TICKET_TYPE,
  withStandardTypes,
} from '../standard.js';
import { unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { JsonSchema } from '../../http/tmfQuery.js';
import type { ValidateFunction } from 'ajv';
import type { LinkService } from '../links/links.service.js';
import { priorityFromCharacteristics } from '../sla/priority.js';
import { applyStatus, createTwoPartyCore } from '../twoParty.js';
import { createRecordRepository } from '../twoParty.repository.js';
import type { StoredTicket } from './troubleTicket.types.js';
import {
  checkTransition,
  TICKET_LIFECYCLE as ticketLifecycle,
  TICKET_STATUS_PROFILE,
  type Side,
  type TicketStatus,
} from './troubleTicket.lifecycle.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

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
const IGNORED = [...SERVER_MANAGED, 'statusChangeHistory'] as const;
const IGNORED_ON_CREATE = [...IGNORED, 'status', 'statusChangeReason', 'expectedResolutionDate'];

/** Standard free-text values mapped onto Gridlink's vocabulary (see src/modules/standard.ts). */
function mapVocabulary(body: JsonObject): void {
  if (body.severity !== undefined) body.severity = mapOpen(body.severity, TICKET_SEVERITY);
  if (body.ticketType !== undefined) body.ticketType = mapOpen(body.ticketType, TICKET_TYPE);
  if (body.priority !== undefined && body.priority !== null) body.priority = mapClosed(body.priority, TICKET_PRIORITY, 'priority');
}

export interface TicketSchemas {
  output: JsonSchema;
  create: JsonSchema;
  patch: ValidateFunction;
}

export type TroubleTicketService = ReturnType<typeof createTroubleTicketService>;

export function createTroubleTicketService(
  deps: PartnerServiceDeps & {
    schemas: TicketSchemas;
    links: LinkService;
  },
) {
  const { db, now, party, schemas, links } = deps;
  const store = troubleTicketTable;
  const repository = createRecordRepository(RESOURCES.troubleTicket, { state: 'status', updated: 'lastUpdate' });

  const parties = (doc: StoredTicket) => {
    const rp = doc.relatedParty;
    return {
      reporter: rp.find((p) => p.role === 'reporter')!.partyOrPartyRole.id,
      // Issue 11: undefined while the reporter has not named a responsible partner.
      responsible: rp.find((p) => p.role === 'responsible')?.partyOrPartyRole.id,
    };
  };
  const core = createTwoPartyCore<Side, SqlTx, StoredTicket>({
    resourceType: 'troubleTicket',
    entity: 'TroubleTicket',
    noun: 'ticket',
    reporterSide: 'reporter',
    store,
    repository,
    db,
    now,
    party,
    links,
    parties,
    // Issue 11: events carry the standard representation, like responses.
    present: (doc) => withStandardTypes(presentStatus(doc, TICKET_STATUS_PROFILE)),
    attributeChangeEvent: 'TroubleTicketAttributeValueChangeEvent',
    emit: async (tx, events) => void (await writeEvents(tx, events)),
  });
  const { event } = core;

  /**
   * Issue 11: a PATCH on a ticket without a responsible partner whose relatedParty is the
   * current list plus one `responsible` entry names the partner. Returns the partner's id,
   * or undefined when the patch does not do that.
   */
  const namedResponsible = (before: StoredTicket, after: StoredTicket, actor: OrganizationActor): string | undefined => {
    if (parties(before).responsible) return undefined;
    const rp: PartyRef[] = after.relatedParty ?? [];
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

    list: core.list,
    get: core.get,

    /** PI-2: a DSO files a ticket with its MNO partner (or the other way round). */
    create: core.creator({
      schemas,
      statusProfile: TICKET_STATUS_PROFILE,
      standardTypes: true,
      ignored: IGNORED_ON_CREATE,
      prepare(body, actor) {
        mapVocabulary(body);
        // Issue 5 hook: ITIL priority from characteristics `impact` x `urgency` when none is given.
        const derived = body.priority === undefined ? priorityFromCharacteristics(body.troubleTicketCharacteristic) : undefined;
        if (derived) body.priority = String(derived);
        // Issue 11: without a responsible partner the ticket is the reporter's own (only it
        // sees it, no events to others) until a PATCH names one (see handOver).
        return partiesOnCreate((body.relatedParty ?? []) as PartyRef[], actor, 'file a ticket with itself').responsibleId;
      },
      partnerAttribute: 'relatedParty',
      checkReferences: false,
      build(body, { actor, reporterName, responsibleId, responsibleName }) {
        const related = (body.relatedParty ?? []) as PartyRef[];
        const { others } = partiesOnCreate(related, actor, 'file a ticket with itself');
        return {
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
        };
      },
      notes: 'always',
      createEvent: 'TroubleTicketCreateEvent',
    }),

    /** The reporter and the responsible side change a ticket (PI-2); the two-party core's pipeline. */
    patch: core.patcher({
      schemas,
      lifecycle: ticketLifecycle,
      finalCode: 'TICKET_FINAL',
      events: {
        create: 'TroubleTicketCreateEvent',
        attributeChange: 'TroubleTicketAttributeValueChangeEvent',
        statusChange: 'TroubleTicketStatusChangeEvent',
        resolved: 'TroubleTicketResolvedEvent',
        informationRequired: 'TroubleTicketInformationRequiredEvent',
      },
      ignored: IGNORED,
      serverOwned: SERVER_OWNED,
      required: ['description', 'severity', 'ticketType', 'status'],
      sideOnly: { reporter: REPORTER_ONLY, responsible: RESPONSIBLE_ONLY },
      mapVocabulary,
      checkReferences: false, // references the caller cannot see are kept where hidden (restoreHiddenRefs)
      handOver: {
        attribute: 'relatedParty',
        named: namedResponsible,
        place(after, before, partnerId, partnerName) {
          const rp: PartyRef[] = after.relatedParty ?? [];
          const [reporter, ...others] = before.relatedParty;
          after.relatedParty = [
            reporter!,
            responsibleEntry(
              rp.find((p) => p.role === 'responsible'),
              partnerId,
              partnerName,
            ),
            ...others,
          ];
        },
      },
    }),

    /** Only the reporter deletes a ticket (its links go with it, issue 5). */
    delete: core.remover({
      reporterOnly: 'Only the reporting organisation can delete a ticket',
      ifMatchFirst: false,
      deleteEvent: 'TroubleTicketDeleteEvent',
    }),

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
    ): Promise<StoredTicket | undefined> {
      return db.transaction(async (tx) => {
        const before = await repository.lockIfStill(tx, id, move.from, move.unchangedSince);
        if (!before) return undefined;
        checkTransition(move.from, move.to, move.side, move.reason);
        const t = now();
        const after: StoredTicket = { ...before };
        applyStatus(after, move.to, undefined, t, move.reason);
        await repository.save(tx, after);
        await writeEvents(tx, [event('TroubleTicketStatusChangeEvent', after, undefined, t, move.description)]);
        return after;
      });
    },

    counterpartOf: core.counterpartOf,
    recordSlaViolations: core.recordSlaViolations,
  };
}
