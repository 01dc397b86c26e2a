import crypto from 'node:crypto';
import type { Database, Reader, Tx } from '../../db/client.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import { boundingBox, parseArea, type Area } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { checkIfMatch } from '../../http/etag.js';
import { conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { changedAttributes, mergePatch, normalizeDateTimes, type JsonObject } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import { audienceOf, perRecipientEvents, publisherOf, resolveAudience, type NoticeParties, type OrgRef } from './notice.audience.js';
import { refreshImpact, type MatchedSite, type NoticeImpact } from './notice.impact.js';
import { listNotices, listParamsOf } from './notice.list.js';
import { createNoticeRepository } from './notice.repository.js';
import type { ResourceEntry } from '../registry.js';

export type OrgKind = 'DSO' | 'MNO';

/** One entry of a notice's status history (the StatusChange schema). */
export type StatusChange = {
  status: string;
  statusChangeDate: string;
  statusChangeReason?: string;
  '@type'?: string;
  actor?: { organizationId: string; credentialId?: string };
};

/**
 * What the core reads and writes of every stored notice. Each kind's stored document (its
 * OpenAPI resource without `href`, see its repository) has at least this.
 */
export type NoticeDoc<S extends string = string> = NoticeParties & {
  id: string;
  '@type': string;
  status: S;
  statusChangeDate?: string;
  statusChangeReason?: string;
  statusChangeHistory: StatusChange[];
  creationDate: string;
  lastUpdate: string;
};

/** A create body as the core reads it (validated against the kind's create schema). */
export type NoticeBody = { audience?: OrgRef[]; '@type'?: string; status?: string };

/** A new notice before its kind completes it: the create body (without `audience`) and the core's attributes. */
export type NewNotice<S extends string, B extends NoticeBody> = Omit<B, 'audience' | '@type' | 'status'> & NoticeDoc<S>;

/** A patch body as the core reads it (validated against the kind's patch schema). */
export type NoticePatch = JsonObject & { statusChangeReason?: string };

/** A publisher's patch, as a kind's rules see it. */
export interface NoticeChange<S extends string, D extends NoticeDoc<S>> {
  actor: OrganizationActor;
  before: D;
  /** The merged notice, still being completed. */
  after: D;
  /** The patch without `statusChangeReason`. */
  rest: JsonObject;
  changed: string[];
  from: S;
  to: S;
  t: Date;
  ts: string;
}

/** An audience member's patch (only where the kind lets the audience answer). */
export interface NoticeAnswer<D> {
  actor: OrganizationActor;
  before: D;
  patch: JsonObject;
  t: Date;
}

/**
 * What makes one kind of notice (EO-1 outage notice from a DSO, NS-1 network status notice
 * from an MNO) different; everything else — audience, per-recipient events, lifecycle
 * stamping, impact, the list/get/create/patch pipeline — is the notice core's. `S`: its
 * statuses; `Site`: a site its impact matches; `D`: its stored document; `B`: its create body.
 */
export interface NoticeKind<S extends string, Site extends MatchedSite, D extends NoticeDoc<S>, B extends NoticeBody> {
  /**
   * The registry entry: `referredType` is the `@type` and the prefix of the event types
   * (`<referredType>CreateEvent`, ...), `type` the resource name in events; the store's
   * first tenancy column is the publisher's, its promoted columns are kept in step with the
   * document.
   */
  resource: ResourceEntry<D>;
  /** How messages name it: "a network status notice", "network status notices". */
  noun: { one: string; many: string };
  /** Who publishes; the audience is the publisher's active partners of the other kind. */
  publisher: OrgKind;
  /** The GeoJSON area in the document (indexed as a bounding box), and where it is (for messages). */
  area: { of(doc: D): unknown; path: string };
  lifecycle: {
    initial(body: B): S;
    check(from: S, to: S): void;
    final: readonly S[];
    /** Statuses of the list's `active=true` (no `active` parameter without them). */
    active?: readonly S[];
  };
  impact: NoticeImpact<Site, D>;
  /** Attributes whose change re-runs the site matching. */
  impactFields: readonly string[];
  /**
   * Lists in which each audience member has its own entry (`{ mnoResponse: 'mno' }`): a
   * member sees only its own; it alone writes it (`answer`).
   */
  ownEntries?: Record<string, string>;
  /** Rules the schema cannot say, on a create body (before anything is read or written). */
  checkInput(body: B): void;
  /** The new notice with the kind's defaults (`status`, history, publisher and audience are set). */
  complete(doc: NewNotice<S, B>, body: B, ts: string): D;
  /** Rules on the completed new notice. */
  checkCreated?(doc: D): void;
  /** Rules on a publisher's patch, before the status step. */
  checkPatch?(change: NoticeChange<S, D>): void;
  /** What else a publisher's patch changes, after the status step (status-driven times, histories), and rules on the result. */
  amend?(change: NoticeChange<S, D>): void;
  /** Events of a publisher's patch besides attribute, status and impact changes (in order after the attribute change). */
  patchEvents?(change: NoticeChange<S, D>, events: NoticeEvents<D>): NewEvent[];
  /** Called on every document about to be stored. */
  beforeSave?(doc: D): void;
  /**
   * The audience's answer to a notice: the attributes an audience member writes (and the
   * publisher may not), and how its patch is applied. Without it only the publisher patches.
   */
  answer?: { fields: readonly string[]; write(tx: Tx, a: NoticeAnswer<D>): Promise<D> };
}

/** One event per recipient view (publisher and audience, or `onlyTo` of the audience). */
export type NoticeEvents<D> = (
  eventType: string,
  doc: D,
  actor: OrganizationActor,
  t: Date,
  description?: string,
  onlyTo?: string,
) => NewEvent[];

export function createNoticeCore<S extends string, Site extends MatchedSite, D extends NoticeDoc<S>, B extends NoticeBody>(
  kind: NoticeKind<S, Site, D, B>,
  deps: { db: Database; now: () => Date; schemas: { output: JsonSchema; create: JsonSchema } },
) {
  const { db, now } = deps;
  const { store } = kind.resource;
  const notices = createNoticeRepository(kind.resource);
  const type = kind.resource.referredType;
  const audienceKind: OrgKind = kind.publisher === 'DSO' ? 'MNO' : 'DSO';
  const ownEntries = Object.entries(kind.ownEntries ?? {});
  const isPublisher = (actor: OrganizationActor, doc: NoticeParties) => publisherOf(doc) === actor.organizationId;

  /**
   * What an organisation may see: the publisher everything; an audience member itself as the
   * only member, and its own entries. `_`-keys (internal bookkeeping) are never shown. A view
   * has the stored document's shape (lists shortened, optional bookkeeping left out).
   */
  const viewFor = (orgId: string, stored: D): D => {
    const view: JsonObject = Object.fromEntries(Object.entries(stored).filter(([k]) => !k.startsWith('_')));
    if (publisherOf(stored) !== orgId) {
      view.audience = stored.audience.filter((a) => a.id === orgId);
      for (const [key, owner] of ownEntries)
        view[key] = ((view[key] ?? []) as JsonObject[]).filter((e) => (e[owner] as OrgRef).id === orgId);
    }
    return view as D;
  };

  /** One event per recipient view, so no audience member learns about another. */
  const events: NoticeEvents<D> = (eventType, doc, actor, t, description, onlyTo) =>
    perRecipientEvents({
      eventType,
      resourceType: kind.resource.type,
      doc,
      originator: actor.organizationId,
      t,
      description,
      onlyTo,
      viewFor,
    });

  const findVisible = async (tx: Reader, actor: OrganizationActor, id: string, forUpdate = false): Promise<D> => {
    const row = await store.find(tx, actor, id, { forUpdate });
    if (!row) throw notFound(type, id);
    return row.doc;
  };

  /** Stores the document and its promoted columns (the store's columns, the area's box). */
  const save = async (tx: Tx, doc: D, insert: boolean) => {
    kind.beforeSave?.(doc);
    const area = kind.area.of(doc);
    const bbox = area ? boundingBox(parseArea(area, kind.area.path)) : null;
    if (insert) await notices.insert(tx, doc, { publisher: publisherOf(doc), audience: audienceOf(doc), bbox });
    else await notices.update(tx, doc, bbox);
  };

  const statusChange = (actor: OrganizationActor, status: S, ts: string, reason?: string): StatusChange => ({
    status,
    statusChangeDate: ts,
    ...(reason ? { statusChangeReason: reason } : {}),
    '@type': 'StatusChange',
    actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
  });

  // --- the publisher's patch, step by step ------------------------------------------------

  /** Refusals before anything changes: a final notice, a reason without a move, the kind's rules. */
  const checkChange = (change: NoticeChange<S, D>, statusChangeReason: string | undefined) => {
    const { from, to, changed } = change;
    if (kind.lifecycle.final.includes(from) && changed.length)
      throw conflict(`The notice is ${from} and can no longer change`, 'NOTICE_FINAL');
    if (statusChangeReason !== undefined && from === to)
      throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
    kind.checkPatch?.(change);
  };

  /** A new status: the move checked, its date, reason and history entry recorded. */
  const moveStatus = (change: NoticeChange<S, D>, statusChangeReason: string | undefined) => {
    const { actor, before, after, from, to, ts } = change;
    if (from === to) return;
    kind.lifecycle.check(from, to);
    after.statusChangeDate = ts;
    if (statusChangeReason) after.statusChangeReason = statusChangeReason;
    else delete after.statusChangeReason;
    after.statusChangeHistory = [...(before.statusChangeHistory ?? []), statusChange(actor, to, ts, statusChangeReason)];
  };

  /** The patch's events: attributes, the kind's own, status, then impact (re-matched when it may have moved). */
  const patchEvents = async (tx: Tx, change: NoticeChange<S, D>) => {
    const { actor, after, changed, from, to, t } = change;
    const out: NewEvent[] = [];
    const attrs = changed.filter((c) => c !== 'status');
    if (attrs.length) out.push(...events(`${type}AttributeValueChangeEvent`, after, actor, t, `changed: ${attrs.join(', ')}`));
    if (kind.patchEvents) out.push(...kind.patchEvents(change, events));
    if (from !== to) out.push(...events(`${type}StatusChangeEvent`, after, actor, t, `${from} -> ${to}`));
    if (changed.some((c) => kind.impactFields.includes(c)))
      out.push(...(await refreshImpact(kind.impact, tx, after, t, actor.organizationId)));
    return out;
  };

  return {
    store,
    viewFor,
    events,
    save,
    findVisible,
    isPublisher,
    /** The list operation's parameters that are not attributes. */
    listParams: listParamsOf({ activeStatuses: kind.lifecycle.active }),

    async list(actor: OrganizationActor, q: ListQuery, params: Record<string, string | undefined>) {
      return listNotices(
        {
          store,
          // Stored areas passed parseArea when they were written.
          areaOf: (doc) => kind.area.of(doc) as Area | undefined,
          activeStatuses: kind.lifecycle.active,
          viewFiltered: ['audience', ...ownEntries.map(([key]) => key)],
          viewFor,
          isPublisherKind: (a) => a.organizationKind === kind.publisher,
        },
        { reader: db.reader, candidates: db.reader },
        actor,
        q,
        params,
      );
    },

    async get(actor: OrganizationActor, id: string) {
      return viewFor(actor.organizationId, await findVisible(db.reader, actor, id));
    },

    /** A publisher notifies its active partners of the other kind (all, or those it names). */
    async create(actor: OrganizationActor, input: JsonObject) {
      if (actor.organizationKind !== kind.publisher) throw forbidden(`Only ${kind.publisher}s publish ${kind.noun.many}`);
      const body = normalizeDateTimes(input, deps.schemas.create) as B; // validated against the create schema
      kind.checkInput(body);
      return db.transaction(async (tx) => {
        const { audience, publisherName } = await resolveAudience(tx, actor, body.audience);
        const t = now();
        const ts = t.toISOString();
        const status = kind.lifecycle.initial(body);
        const { audience: _a, '@type': _t, status: _s, ...rest } = body; // the core sets these
        const base: NewNotice<S, B> = {
          id: crypto.randomUUID(),
          '@type': type,
          ...rest,
          status,
          statusChangeDate: ts,
          statusChangeHistory: [statusChange(actor, status, ts)],
          publisher: { id: actor.organizationId, name: publisherName, '@referredType': 'Organization' },
          audience,
          creationDate: ts,
          lastUpdate: ts,
        };
        const doc = kind.complete(base, body, ts);
        kind.checkCreated?.(doc);
        await save(tx, doc, true);
        const impact = await refreshImpact(kind.impact, tx, doc, t, actor.organizationId);
        await writeEvents(tx, [...events(`${type}CreateEvent`, doc, actor, t), ...impact]);
        return viewFor(actor.organizationId, doc);
      });
    },

    /**
     * The publisher changes its notice (merge patch; a status move is checked and recorded);
     * an audience member writes only its own entry (`answer`), where the kind allows one.
     */
    async patch(actor: OrganizationActor, id: string, patchBody: JsonObject, ifMatch?: string) {
      return db.transaction(async (tx) => {
        const before = await findVisible(tx, actor, id, true);
        checkIfMatch(ifMatch, viewFor(actor.organizationId, before)); // under the row lock
        const publisher = isPublisher(actor, before);
        if (!publisher && !kind.answer) throw forbidden(`Only the publishing ${kind.publisher} updates ${kind.noun.one}`);
        const t = now();
        const ts = t.toISOString();
        const patch = normalizeDateTimes(patchBody, deps.schemas.output) as NoticePatch;
        if (!publisher) return kind.answer!.write(tx, { actor, before, patch, t });
        const answerKeys = Object.keys(patch).filter((k) => kind.answer?.fields.includes(k));
        if (answerKeys.length) throw forbidden(`${answerKeys.join(', ')} are written by the ${audienceKind}, not the ${kind.publisher}`);

        const { statusChangeReason, ...rest } = patch;
        const after = mergePatch(before, rest) as D; // the stored notice and a patch validated against the same document
        const changed = changedAttributes(before, after);
        if (changed.length === 0 && statusChangeReason === undefined) return viewFor(actor.organizationId, before);
        const change: NoticeChange<S, D> = { actor, before, after, rest, changed, from: before.status, to: after.status, t, ts };
        checkChange(change, statusChangeReason);
        moveStatus(change, statusChangeReason);
        kind.amend?.(change);
        after.lastUpdate = ts;
        await save(tx, after, false);
        await writeEvents(tx, await patchEvents(tx, change));
        return viewFor(actor.organizationId, after);
      });
    },

    /** The publisher: aggregates per audience member; an audience member: its own sites. */
    async impact(actor: OrganizationActor, id: string) {
      const doc = await findVisible(db.reader, actor, id);
      const { views } = kind.impact;
      if (isPublisher(actor, doc)) return { notice: { id }, view: views.publisher, summary: await kind.impact.summaries(db.reader, doc) };
      return { notice: { id }, view: views.audience, sites: await kind.impact.sitesOf(db.reader, doc, actor.organizationId) };
    },

    /** The organisation on the other side of a read, for the audit (none for the publisher). */
    counterpartOf(actor: OrganizationActor, doc: NoticeParties): string | undefined {
      return isPublisher(actor, doc) ? undefined : publisherOf(doc);
    },

    audienceKind,
  };
}
