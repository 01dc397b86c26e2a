import type { Database, Reader, SqlTx } from '../../db/client.js';
import { tableExists } from '../../db/catalog.js';
import { isUuid } from '../../db/resourceStore.js';
import type { OrganizationActor } from '../../http/context.js';
import { unprocessable } from '../../http/errors.js';
import type { LoadedApi } from '../../http/openapi.js';
import { isJsonObject, stringIn, type JsonObject } from '../../http/patch.js';
import { RESOURCES, type ResourceEntry } from '../registry.js';
import * as repo from './links.repository.js';
import type { LinkableType, NewLink } from './links.repository.js';

export type { LinkableType } from './links.repository.js';

/**
 * Links between Gridlink resources (EV-1: events, problems and incidents are linked, each
 * with its own lifecycle). A resource refers to another through the reference attributes
 * its TMF model already has (`relatedEntity`, a problem's `troubleTicket`, a ticket's
 * `troubleTicketRelationship`, problem grouping); every such reference to a Gridlink
 * resource is also a row in `resource_link`. Links are shown from both ends, in the
 * read-only attribute `linkedEntity`, and only to organisations that can see both
 * resources; a reference to a resource the reader cannot see is left out of what it reads.
 */
/** The registry entries of linkable resources: their tables, who sees them, their `@referredType`. */
const LINKABLE: Record<LinkableType, ResourceEntry> = {
  troubleTicket: RESOURCES.troubleTicket,
  serviceProblem: RESOURCES.serviceProblem,
  incident: RESOURCES.incident,
  energyOutageNotice: RESOURCES.energyOutageNotice,
};
/** `@referredType` values that denote Gridlink resources. */
const LINKABLE_TYPES: LinkableType[] = ['troubleTicket', 'serviceProblem', 'incident', 'energyOutageNotice'];
export const REFERRED_TYPE: Record<string, LinkableType> = Object.fromEntries(
  LINKABLE_TYPES.map((type) => [LINKABLE[type].referredType, type]),
);

/** Where each resource type keeps references that can point at Gridlink resources. */
interface Slot {
  field: string;
  /** Fixed target type (the slot holds refs of one kind), else read from `entity['@referredType']`. */
  target?: LinkableType;
  /** Relation name: the field, or from the entry (`role`, `relationshipType`). */
  relationFrom?: string;
  nested?: 'entity';
}
const SLOTS: Partial<Record<LinkableType, Slot[]>> = {
  serviceProblem: [
    { field: 'troubleTicket', target: 'troubleTicket' },
    { field: 'relatedEntity', nested: 'entity', relationFrom: 'role' },
  ],
  incident: [{ field: 'relatedEntity', nested: 'entity', relationFrom: 'role' }],
  troubleTicket: [
    { field: 'relatedEntity', nested: 'entity', relationFrom: 'role' },
    { field: 'troubleTicketRelationship', target: 'troubleTicket', relationFrom: 'relationshipType' },
  ],
};

export interface DocumentRef {
  toType: LinkableType;
  toId: string;
  relation: string;
  /** Where in the document, for error messages: `relatedEntity[2]`. */
  at: string;
}

export interface LinkView {
  role: string;
  direction: 'outgoing' | 'incoming';
  entity: { id: string; href?: string; name?: string; '@referredType': string };
  '@type': 'RelatedEntity';
}

type Href = (basePath: string, path: string) => string;

function slotEntries(doc: JsonObject, slot: Slot): { entry: unknown; index: number; type?: LinkableType; id?: string; relation: string }[] {
  const list = doc[slot.field];
  if (!Array.isArray(list)) return [];
  return list.map((raw: unknown, index) => {
    const entry = raw ?? {};
    const fields = isJsonObject(entry) ? entry : {};
    const inner = slot.nested ? fields[slot.nested] : entry;
    const ref = isJsonObject(inner) ? inner : undefined;
    const type = slot.target ?? REFERRED_TYPE[String(ref?.['@referredType'] ?? '')];
    const relation = (slot.relationFrom && stringIn(fields[slot.relationFrom])) || slot.field;
    return { entry, index, type, id: stringIn(ref?.id), relation };
  });
}

/** References to Gridlink resources in a document (whatever their visibility). */
export function documentRefs(type: LinkableType, doc: JsonObject): DocumentRef[] {
  const out: DocumentRef[] = [];
  for (const slot of SLOTS[type] ?? []) {
    for (const e of slotEntries(doc, slot)) {
      if (e.type && e.id) out.push({ toType: e.type, toId: e.id, relation: e.relation, at: `${slot.field}[${e.index}]` });
    }
  }
  return out;
}

export type LinkService = ReturnType<typeof createLinkService>;

export function createLinkService(deps: { db: Database; apis: LoadedApi[] }) {
  const { db } = deps;

  /** Base paths, found in the loaded documents (outage notices live in another module's API). */
  const basePathOf = (type: LinkableType): string | undefined => {
    for (const api of deps.apis) {
      if (api.profileOf) continue; // the current version's href, not an older version's profile
      const paths = api.backend.definition.paths ?? {};
      if (`/${type}/{id}` in paths) return api.basePath;
    }
    return undefined;
  };
  const hrefOf = (href: Href, type: LinkableType, id: string): string | undefined => {
    const base = basePathOf(type);
    return base ? href(base, `/${type}/${id}`) : undefined;
  };

  /** The subset of `ids` (of one type) that `orgId` may see, with their names. */
  const visible = async (tx: Reader, orgId: string, type: LinkableType, ids: string[]): Promise<Map<string, string | undefined>> => {
    const wanted = [...new Set(ids.filter(isUuid))];
    const out = new Map<string, string | undefined>();
    if (wanted.length === 0) return out;
    const { store } = LINKABLE[type];
    // Outage notices (EO-1) belong to another module; linked only when its table exists.
    if (type === 'energyOutageNotice' && !(await tableExists(tx, store.def.table))) return out;
    for (const r of await repo.visibleNames(tx, store, orgId, wanted)) out.set(r.id, r.name ?? undefined);
    return out;
  };

  /** Visibility of many (type, id) pairs for one organisation: key `type:id`. */
  const visibleMany = async (tx: Reader, orgId: string, pairs: { type: LinkableType; id: string }[]) => {
    const byType = new Map<LinkableType, string[]>();
    for (const p of pairs) byType.set(p.type, [...(byType.get(p.type) ?? []), p.id]);
    const out = new Map<string, string | undefined>();
    for (const [type, ids] of byType) {
      for (const [id, name] of await visible(tx, orgId, type, ids)) out.set(`${type}:${id}`, name);
    }
    return out;
  };

  return {
    documentRefs,

    /**
     * Refuses references to Gridlink resources the caller cannot see (they do not exist
     * for it). References already in `before` are not checked again.
     */
    async checkRefs(tx: SqlTx, actor: OrganizationActor, type: LinkableType, doc: JsonObject, before?: JsonObject): Promise<void> {
      const old = new Set(before ? documentRefs(type, before).map((r) => `${r.toType}:${r.toId}`) : []);
      const refs = documentRefs(type, doc).filter((r) => !old.has(`${r.toType}:${r.toId}`));
      if (refs.length === 0) return;
      const seen = await visibleMany(
        tx,
        actor.organizationId,
        refs.map((r) => ({ type: r.toType, id: r.toId })),
      );
      const missing = refs.find((r) => !seen.has(`${r.toType}:${r.toId}`));
      if (missing) {
        throw unprocessable(`${missing.at}: ${LINKABLE[missing.toType].referredType} ${missing.toId} does not exist`, 'UNKNOWN_REFERENCE');
      }
    },

    /**
     * Makes the `document` links of a resource match the references in its document.
     * Only links whose target the actor can see are added or removed: an organisation
     * cannot create, nor undo, a link to something it cannot see.
     */
    async syncDocumentLinks(
      tx: SqlTx,
      actor: OrganizationActor,
      fromType: LinkableType,
      fromId: string,
      doc: JsonObject,
      t: Date,
      opts?: { created?: boolean },
    ): Promise<void> {
      const refs = documentRefs(fromType, doc);
      // A resource created in this transaction has no links yet.
      if (opts?.created && refs.length === 0) return;
      const existing = opts?.created ? [] : await repo.documentLinksOf(tx, fromType, fromId);
      const key = (type: string, id: string, relation: string) => `${type}:${id}:${relation}`;
      const wanted = new Map(refs.map((r) => [key(r.toType, r.toId, r.relation), r]));
      const have = new Map(existing.map((l) => [key(l.to_type, l.to_id, l.relation), l]));
      const toAdd = [...wanted.entries()].filter(([k]) => !have.has(k)).map(([, r]) => r);
      const toRemove = [...have.entries()].filter(([k]) => !wanted.has(k)).map(([, l]) => l);
      if (toAdd.length === 0 && toRemove.length === 0) return;
      const seen = await visibleMany(tx, actor.organizationId, [
        ...toAdd.map((r) => ({ type: r.toType, id: r.toId })),
        ...toRemove.map((l) => ({ type: l.to_type, id: l.to_id })),
      ]);
      for (const r of toAdd) {
        if (r.toType === fromType && r.toId === fromId) continue;
        if (!seen.has(`${r.toType}:${r.toId}`)) continue;
        await repo.insertLink(
          tx,
          { fromType, fromId, toType: r.toType, toId: r.toId, relation: r.relation, origin: 'document' },
          actor.organizationId,
          t,
        );
      }
      const removable = toRemove.filter((l) => seen.has(`${l.to_type}:${l.to_id}`)).map((l) => l.id);
      if (removable.length) await repo.deleteLinksById(tx, removable);
    },

    /** A link made by an operation rather than a reference (problem grouping). */
    addLink(tx: SqlTx, actor: OrganizationActor, l: NewLink, t: Date) {
      return repo.insertLink(tx, l, actor.organizationId, t);
    },

    removeLink(tx: SqlTx, l: Omit<NewLink, 'origin'>) {
      return repo.deleteLink(tx, l);
    },

    /** Drops every link of a deleted resource. */
    removeAllFor(tx: SqlTx, type: LinkableType, id: string) {
      return repo.deleteLinksOf(tx, type, id);
    },

    /** Ids of resources of `otherType` linked (either way) to a resource. */
    linkedIds(tx: SqlTx, type: LinkableType, id: string, otherType: LinkableType): Promise<string[]> {
      return repo.linkedIds(tx, type, id, otherType);
    },

    /**
     * Keeps the entries of reference slots that point at Gridlink resources `orgId` cannot
     * see: a client replacing an array it was shown filtered must not drop them.
     */
    async restoreHiddenRefs(tx: SqlTx, orgId: string, type: LinkableType, before: JsonObject, after: JsonObject): Promise<void> {
      for (const slot of SLOTS[type] ?? []) {
        if (before[slot.field] === after[slot.field]) continue;
        const refs = slotEntries(before, slot).filter((e) => e.type && e.id);
        if (refs.length === 0) continue;
        const seen = await visibleMany(
          tx,
          orgId,
          refs.map((e) => ({ type: e.type!, id: e.id! })),
        );
        const hidden = refs.filter((e) => !seen.has(`${e.type}:${e.id}`)).map((e) => e.entry);
        const current: unknown = after[slot.field] ?? [];
        if (hidden.length) after[slot.field] = [...(Array.isArray(current) ? current : []), ...hidden];
      }
    },

    /**
     * What `orgId` reads of documents of one type: references to resources it cannot see
     * removed, and `linkedEntity` listing the links it may see, both directions.
     */
    async present(orgId: string, type: LinkableType, docs: JsonObject[], href: Href): Promise<JsonObject[]> {
      if (docs.length === 0) return docs;
      const tx = db.reader;
      const ids = docs.map((d) => String(d.id)).filter(isUuid);
      const rows = ids.length ? await repo.linksOfMany(tx, type, ids) : [];
      const refs = docs.flatMap((d) => documentRefs(type, d).map((r) => ({ type: r.toType, id: r.toId })));
      const others = rows.flatMap((l) => [
        { type: l.from_type, id: l.from_id },
        { type: l.to_type, id: l.to_id },
      ]);
      const seen = await visibleMany(tx, orgId, [...refs, ...others]);

      return docs.map((doc) => {
        const id = String(doc.id);
        const out: JsonObject = { ...doc };
        for (const slot of SLOTS[type] ?? []) {
          const entries = slotEntries(doc, slot);
          if (!entries.some((e) => e.type && e.id)) continue;
          const kept = entries.filter((e) => !(e.type && e.id) || seen.has(`${e.type}:${e.id}`)).map((e) => e.entry);
          if (kept.length) out[slot.field] = kept;
          else delete out[slot.field];
        }
        const views: LinkView[] = [];
        const dedupe = new Set<string>();
        for (const l of rows) {
          const outgoing = l.from_type === type && l.from_id === id;
          const incoming = l.to_type === type && l.to_id === id;
          if (!outgoing && !incoming) continue;
          const other = outgoing ? { type: l.to_type, id: l.to_id } : { type: l.from_type, id: l.from_id };
          const k = `${other.type}:${other.id}`;
          if (!seen.has(k)) continue;
          const direction = outgoing ? 'outgoing' : 'incoming';
          if (dedupe.has(`${direction}:${l.relation}:${k}`)) continue;
          dedupe.add(`${direction}:${l.relation}:${k}`);
          const name = seen.get(k);
          const h = hrefOf(href, other.type, other.id);
          views.push({
            role: l.relation,
            direction,
            entity: {
              id: other.id,
              ...(h ? { href: h } : {}),
              ...(name ? { name } : {}),
              '@referredType': LINKABLE[other.type].referredType,
            },
            '@type': 'RelatedEntity',
          });
        }
        // Like every optional attribute without a value, an empty list is left out.
        if (views.length) out.linkedEntity = views;
        else delete out.linkedEntity;
        return out;
      });
    },
  };
}
