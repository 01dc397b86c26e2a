import crypto from 'node:crypto';
import type { Database, Reader, Tx } from '../../db/client.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import { boundingBox, parseArea, type Area } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { checkIfMatch } from '../../http/etag.js';
import { conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { changedAttributes, mergePatch, normalizeDateTimes, type JsonObject } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import { audienceOf, perRecipientEvents, publisherOf, resolveAudience, type OrgRef } from './notice.audience.js';
import { refreshImpact, type MatchedSite, type NoticeImpact } from './notice.impact.js';
import { listNotices, listParamsOf } from './notice.list.js';
import { createNoticeRepository } from './notice.repository.js';
import type { ResourceEntry } from '../registry.js';

export type OrgKind = 'DSO' | 'MNO';

/** A publisher's patch, as a kind's rules see it. */
export interface NoticeChange<S extends string> {
  actor: OrganizationActor;
  before: JsonObject;
  /** The merged notice, still being completed. */
  after: JsonObject;
  /** The patch without `statusChangeReason`. */
  rest: JsonObject;
  changed: string[];
  from: S;
  to: S;
  t: Date;
  ts: string;
}

/** An audience member's patch (only where the kind lets the audience answer). */
export interface NoticeAnswer {
  actor: OrganizationActor;
  before: JsonObject;
  patch: JsonObject;
  t: Date;
}

/**
 * What makes one kind of notice (EO-1 outage notice from a DSO, NS-1 network status notice
 * from an MNO) different; everything else — audience, per-recipient events, lifecycle
 * stamping, impact, the list/get/create/patch pipeline — is the notice core's.
 */
export interface NoticeKind<S extends string, Site extends MatchedSite> {
  /**
   * The registry entry: `referredType` is the `@type` and the prefix of the event types
   * (`<referredType>CreateEvent`, ...), `type` the resource name in events; the store's
   * first tenancy column is the publisher's, its promoted columns are kept in step with the
   * document.
   */
  resource: ResourceEntry;
  /** How messages name it: "a network status notice", "network status notices". */
  noun: { one: string; many: string };
  /** Who publishes; the audience is the publisher's active partners of the other kind. */
  publisher: OrgKind;
  /** The GeoJSON area in `affectedArea` (indexed as a bounding box). */
  areaKey: string;
  lifecycle: {
    initial(body: JsonObject): S;
    check(from: S, to: S): void;
    final: readonly S[];
    /** Statuses of the list's `active=true` (no `active` parameter without them). */
    active?: readonly S[];
  };
  impact: NoticeImpact<Site>;
  /** Attributes whose change re-runs the site matching. */
  impactFields: readonly string[];
  /**
   * Lists in which each audience member has its own entry (`{ mnoResponse: 'mno' }`): a
   * member sees only its own; it alone writes it (`answer`).
   */
  ownEntries?: Record<string, string>;
  /** Rules the schema cannot say, on a create body (before anything is read or written). */
  checkInput(body: JsonObject): void;
  /** The kind's defaults on a new notice (`status`, history, publisher and audience are set). */
  complete(doc: JsonObject, body: JsonObject, ts: string): void;
  /** Rules on the completed new notice. */
  checkCreated?(doc: JsonObject): void;
  /** Rules on a publisher's patch, before the status step. */
  checkPatch?(change: NoticeChange<S>): void;
  /** What else a publisher's patch changes, after the status step (status-driven times, histories), and rules on the result. */
  amend?(change: NoticeChange<S>): void;
  /** Events of a publisher's patch besides attribute, status and impact changes (in order after the attribute change). */
  patchEvents?(change: NoticeChange<S>, events: NoticeEvents): NewEvent[];
  /** Called on every document about to be stored. */
  beforeSave?(doc: JsonObject): void;
  /**
   * The audience's answer to a notice: the attributes an audience member writes (and the
   * publisher may not), and how its patch is applied. Without it only the publisher patches.
   */
  answer?: { fields: readonly string[]; write(tx: Tx, a: NoticeAnswer): Promise<JsonObject> };
}

/** One event per recipient view (publisher and audience, or `onlyTo` of the audience). */
export type NoticeEvents = (
  eventType: string,
  doc: JsonObject,
  actor: OrganizationActor,
  t: Date,
  description?: string,
  onlyTo?: string,
) => NewEvent[];

export type NoticeCore = ReturnType<typeof createNoticeCore>;

export function createNoticeCore<S extends string, Site extends MatchedSite>(
  kind: NoticeKind<S, Site>,
  deps: { db: Database; now: () => Date; schemas: { output: JsonSchema; create: JsonSchema } },
) {
  const { db, now } = deps;
  const { store } = kind.resource;
  const notices = createNoticeRepository(kind.resource);
  const type = kind.resource.referredType;
  const audienceKind: OrgKind = kind.publisher === 'DSO' ? 'MNO' : 'DSO';
  const ownEntries = Object.entries(kind.ownEntries ?? {});
  const isPublisher = (actor: OrganizationActor, doc: JsonObject) => publisherOf(doc) === actor.organizationId;
  const areaOf = (doc: JsonObject) => (doc.affectedArea as Record<string, Area | undefined> | undefined)?.[kind.areaKey];

  /** What an organisation may see: the publisher everything; an audience member itself as the only member, and its own entries. */
  const viewFor = (orgId: string, stored: JsonObject): JsonObject => {
    const doc = Object.fromEntries(Object.entries(stored).filter(([k]) => !k.startsWith('_'))); // internal bookkeeping
    if (publisherOf(doc) === orgId) return doc;
    const view: JsonObject = { ...doc, audience: ((doc.audience ?? []) as OrgRef[]).filter((a) => a.id === orgId) };
    for (const [key, owner] of ownEntries) view[key] = ((doc[key] ?? []) as JsonObject[]).filter((e) => (e[owner] as OrgRef).id === orgId);
    return view;
  };

  /** One event per recipient view, so no audience member learns about another. */
  const events: NoticeEvents = (eventType, doc, actor, t, description, onlyTo) =>
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

  const findVisible = async (tx: Reader, actor: OrganizationActor, id: string, forUpdate = false) => {
    const row = await store.find(tx, actor, id, { forUpdate });
    if (!row) throw notFound(type, id);
    return row.doc;
  };

  /** Stores the document and its promoted columns (the store's columns, the area's box). */
  const save = async (tx: Tx, doc: JsonObject, insert: boolean) => {
    kind.beforeSave?.(doc);
    const area = areaOf(doc);
    const bbox = area ? boundingBox(parseArea(area, `affectedArea.${kind.areaKey}`)) : null;
    if (insert) await notices.insert(tx, doc, { publisher: publisherOf(doc), audience: audienceOf(doc), bbox });
    else await notices.update(tx, doc, bbox);
  };

  const statusChange = (actor: OrganizationActor, status: S, ts: string, reason?: unknown) => ({
    status,
    statusChangeDate: ts,
    ...(reason ? { statusChangeReason: reason } : {}),
    '@type': 'StatusChange',
    actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
  });

  // --- the publisher's patch, step by step ------------------------------------------------

  /** Refusals before anything changes: a final notice, a reason without a move, the kind's rules. */
  const checkChange = (change: NoticeChange<S>, statusChangeReason: unknown) => {
    const { from, to, changed } = change;
    if (kind.lifecycle.final.includes(from) && changed.length)
      throw conflict(`The notice is ${from} and can no longer change`, 'NOTICE_FINAL');
    if (statusChangeReason !== undefined && from === to)
      throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
    kind.checkPatch?.(change);
  };

  /** A new status: the move checked, its date, reason and history entry recorded. */
  const moveStatus = (change: NoticeChange<S>, statusChangeReason: unknown) => {
    const { actor, before, after, from, to, ts } = change;
    if (from === to) return;
    kind.lifecycle.check(from, to);
    after.statusChangeDate = ts;
    if (statusChangeReason) after.statusChangeReason = statusChangeReason;
    else delete after.statusChangeReason;
    after.statusChangeHistory = [...((before.statusChangeHistory ?? []) as unknown[]), statusChange(actor, to, ts, statusChangeReason)];
  };

  /** The patch's events: attributes, the kind's own, status, then impact (re-matched when it may have moved). */
  const patchEvents = async (tx: Tx, change: NoticeChange<S>) => {
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
          areaOf,
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
      const body = normalizeDateTimes(input, deps.schemas.create) as JsonObject;
      kind.checkInput(body);
      return db.transaction(async (tx) => {
        const { audience, publisherName } = await resolveAudience(tx, actor, body.audience as OrgRef[] | undefined);
        const t = now();
        const ts = t.toISOString();
        const status = kind.lifecycle.initial(body);
        const { audience: _a, ...rest } = body;
        const doc: JsonObject = {
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
        kind.complete(doc, body, ts);
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
        const patch = normalizeDateTimes(patchBody, deps.schemas.output) as JsonObject;
        if (!publisher) return kind.answer!.write(tx, { actor, before, patch, t });
        const answerKeys = Object.keys(patch).filter((k) => kind.answer?.fields.includes(k));
        if (answerKeys.length) throw forbidden(`${answerKeys.join(', ')} are written by the ${audienceKind}, not the ${kind.publisher}`);

        const { statusChangeReason, ...rest } = patch;
        const after = mergePatch(before, rest) as JsonObject;
        const changed = changedAttributes(before, after);
        if (changed.length === 0 && statusChangeReason === undefined) return viewFor(actor.organizationId, before);
        const change: NoticeChange<S> = { actor, before, after, rest, changed, from: before.status as S, to: after.status as S, t, ts };
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
    counterpartOf(actor: OrganizationActor, doc: JsonObject): string | undefined {
      return isPublisher(actor, doc) ? undefined : publisherOf(doc);
    },

    audienceKind,
  };
}
