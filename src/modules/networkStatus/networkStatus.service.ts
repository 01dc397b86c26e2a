import crypto from 'node:crypto';
import type { Database, Tx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import { boundingBox, boxLiteral, containsPoint, parseArea, parseLonLat, type Area } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { perRecipientEvents, resolveAudience } from '../notice.js';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { changedAttributes, mergePatch, normalizeDateTimes, type JsonObject } from '../../http/patch.js';
import type { JsonSchema, ListQuery } from '../../http/tmfQuery.js';
import { affectedSitesOf, noticeIdentifiers, refreshImpact, summaries } from './networkStatus.impact.js';
import { checkNetworkTransition, FINAL, type NetworkStatus } from './networkStatus.lifecycle.js';

const networkStatusTable = RESOURCES.networkStatusNotice.store;
export const NETWORK_STATUS_SORTABLE = Object.keys(networkStatusTable.def.columns);

/** Attributes whose change re-runs the site matching. */
const IMPACT_FIELDS = ['affectedArea', 'maintenanceWindow', 'impact', 'status'];
/** Geographic filters of the list operation (not attributes). */
export const GEO_PARAMS = ['atPoint', 'intersects'];

type Ref = { id: string; name?: string; '@referredType'?: string };
type Window = { validFor: { startDateTime: string; endDateTime: string }; cellId?: string[] };

export type NetworkStatusService = ReturnType<typeof createNetworkStatusService>;

export function createNetworkStatusService(deps: { db: Database; now: () => Date; schemas: { output: JsonSchema; create: JsonSchema } }) {
  const { db, now } = deps;
  const store = networkStatusTable;

  const isPublisher = (actor: OrganizationActor, doc: JsonObject) => (doc.publisher as Ref).id === actor.organizationId;

  /** What an organisation may see: the MNO everything; a DSO itself as the only audience member. */
  const viewFor = (orgId: string, doc: JsonObject): JsonObject => {
    if ((doc.publisher as Ref).id === orgId) return doc;
    return { ...doc, audience: ((doc.audience ?? []) as Ref[]).filter((a) => a.id === orgId) };
  };

  /** One event per recipient view, so no DSO learns about another. */
  const noticeEvents = (eventType: string, doc: JsonObject, actor: OrganizationActor, t: Date, description?: string): NewEvent[] =>
    perRecipientEvents({ eventType, resourceType: 'networkStatusNotice', doc, actor, t, description, viewFor });

  const columns = (doc: JsonObject) => {
    const area = (doc.affectedArea as { geoArea?: unknown } | undefined)?.geoArea;
    return {
      status: doc.status as string,
      impact: doc.impact as string,
      lastUpdate: new Date(doc.lastUpdate as string),
      startTime: doc.startTime ? new Date(doc.startTime as string) : null,
      expectedRestorationTime: doc.expectedRestorationTime ? new Date(doc.expectedRestorationTime as string) : null,
      bbox: area ? boxLiteral(boundingBox(parseArea(area, 'affectedArea.geoArea'))) : null,
    };
  };

  const save = async (tx: Tx, doc: JsonObject, insert: boolean) => {
    const c = columns(doc);
    if (insert) {
      await tx.$executeRawUnsafe(
        `INSERT INTO network_status_notice (id, mno_org_id, audience, status, impact, creation_date, last_update, start_time, expected_restoration_time, bbox, doc)
         VALUES ($1::uuid, $2::uuid, $3::uuid[], $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz, $9::timestamptz, $10::box, $11::jsonb)`,
        doc.id,
        (doc.publisher as Ref).id,
        ((doc.audience ?? []) as Ref[]).map((a) => a.id),
        c.status,
        c.impact,
        new Date(doc.creationDate as string),
        c.lastUpdate,
        c.startTime,
        c.expectedRestorationTime,
        c.bbox,
        JSON.stringify(doc),
      );
    } else {
      await tx.$executeRawUnsafe(
        `UPDATE network_status_notice SET status = $2, impact = $3, last_update = $4::timestamptz, start_time = $5::timestamptz,
           expected_restoration_time = $6::timestamptz, bbox = $7::box, doc = $8::jsonb, version = version + 1
         WHERE id = $1::uuid`,
        doc.id,
        c.status,
        c.impact,
        c.lastUpdate,
        c.startTime,
        c.expectedRestorationTime,
        c.bbox,
        JSON.stringify(doc),
      );
    }
  };

  /** Rules the schema cannot say: an area to match, valid GeoJSON, windows and times in order. */
  const checkNotice = (doc: JsonObject, checkTimes = true) => {
    const aa = (doc.affectedArea ?? {}) as { geoArea?: unknown };
    if (!aa.geoArea && noticeIdentifiers(doc).length === 0) {
      throw unprocessable(
        'affectedArea needs a geoArea or at least one cellId or trackingAreaId (or a maintenanceWindow with cellId)',
        'AREA_REQUIRED',
      );
    }
    if (aa.geoArea) parseArea(aa.geoArea, 'affectedArea.geoArea');
    ((doc.maintenanceWindow ?? []) as Window[]).forEach((w, i) => {
      if (new Date(w.validFor.endDateTime) <= new Date(w.validFor.startDateTime)) {
        throw unprocessable(`maintenanceWindow[${i}].validFor: endDateTime must be after startDateTime`, 'INVALID_PERIOD');
      }
    });
    if (
      checkTimes &&
      doc.startTime &&
      doc.expectedRestorationTime &&
      new Date(doc.expectedRestorationTime as string) < new Date(doc.startTime as string)
    ) {
      throw unprocessable('expectedRestorationTime must not be before startTime', 'INVALID_PERIOD');
    }
  };

  const findVisible = async (tx: Tx, actor: OrganizationActor, id: string, forUpdate = false) => {
    const row = await store.find(tx, actor, id, { forUpdate });
    if (!row) throw notFound('NetworkStatusNotice', id);
    return row.doc;
  };

  return {
    store,
    viewFor,

    async list(actor: OrganizationActor, q: ListQuery, geo: Record<string, string | undefined>) {
      let point: [number, number] | undefined;
      const build = (params: unknown[]) => {
        const extra: string[] = [];
        const add = (v: unknown) => {
          params.push(v);
          return `$${params.length}`;
        };
        if (geo.atPoint) {
          point = parseLonLat(geo.atPoint, 'atPoint');
          extra.push(`bbox @> point(${add(point[0])}::float8, ${add(point[1])}::float8)`);
        }
        if (geo.intersects) {
          const n = geo.intersects.split(',').map(Number);
          if (n.length !== 4 || n.some((x) => !Number.isFinite(x)) || n[0]! > n[2]! || n[1]! > n[3]!) {
            throw badRequest('intersects must be "minLon,minLat,maxLon,maxLat"', 'INVALID_PARAMETER');
          }
          extra.push(`bbox && ${add(`(${n[2]},${n[3]}),(${n[0]},${n[1]})`)}::box`);
        }
        return extra.length ? extra.join(' AND ') : 'true';
      };
      const result = await store.list(db.reader, actor, q, build);
      if (!point) return result;
      // The box prefilter serves the index; the exact test the shape.
      const [lon, lat] = point;
      const rows = result.rows.filter((r) => {
        const area = (r.doc.affectedArea as { geoArea?: Area } | undefined)?.geoArea;
        return area ? containsPoint(area, lon, lat) : false;
      });
      return { rows, total: result.total - (result.rows.length - rows.length) };
    },

    async get(actor: OrganizationActor, id: string) {
      return viewFor(actor.organizationId, await findVisible(db.prisma, actor, id));
    },

    /** NS-1: an MNO publishes where its network is degraded or down to its DSO partners. */
    async create(actor: OrganizationActor, input: JsonObject) {
      if (actor.organizationKind !== 'MNO') throw forbidden('Only MNOs publish network status notices');
      const body = normalizeDateTimes(input, deps.schemas.create) as JsonObject;
      checkNotice(body);
      return db.transaction(async (tx) => {
        const { audience, publisherName } = await resolveAudience(tx, actor, body.audience as Ref[] | undefined);
        const t = now();
        const ts = t.toISOString();
        const noticeKind = (body.noticeKind as string | undefined) ?? 'unplanned';
        const status = (body.status as NetworkStatus | undefined) ?? (noticeKind === 'planned' ? 'planned' : 'active');
        const { audience: _a, ...rest } = body;
        const doc: JsonObject = {
          id: crypto.randomUUID(),
          '@type': 'NetworkStatusNotice',
          ...rest,
          affectedArea: rest.affectedArea ?? {},
          noticeKind,
          status,
          statusChangeDate: ts,
          statusChangeHistory: [
            {
              status,
              statusChangeDate: ts,
              '@type': 'StatusChange',
              actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
            },
          ],
          publisher: { id: actor.organizationId, name: publisherName, '@referredType': 'Organization' },
          audience,
          creationDate: ts,
          lastUpdate: ts,
        };
        if (!doc.startTime) {
          const windows = ((doc.maintenanceWindow ?? []) as Window[]).map((w) => w.validFor.startDateTime).sort();
          if (status === 'active') doc.startTime = ts;
          else if (windows.length) doc.startTime = windows[0];
        }
        checkNotice(doc);
        await save(tx, doc, true);
        const impact = await refreshImpact(tx, doc, t, actor.organizationId);
        await writeEvents(tx, [...noticeEvents('NetworkStatusNoticeCreateEvent', doc, actor, t), ...impact]);
        return viewFor(actor.organizationId, doc);
      });
    },

    async patch(actor: OrganizationActor, id: string, patchBody: JsonObject) {
      return db.transaction(async (tx) => {
        const before = await findVisible(tx, actor, id, true);
        if (!isPublisher(actor, before)) throw forbidden('Only the publishing MNO updates a network status notice');
        const t = now();
        const ts = t.toISOString();
        const patch = normalizeDateTimes(patchBody, deps.schemas.output) as JsonObject;
        const { statusChangeReason, ...rest } = patch;
        const after = mergePatch(before, rest) as JsonObject;
        const changed = changedAttributes(before, after);
        if (changed.length === 0 && statusChangeReason === undefined) return viewFor(actor.organizationId, before);
        const from = before.status as NetworkStatus;
        const to = after.status as NetworkStatus;
        if (FINAL.includes(from) && changed.length) throw conflict(`The notice is ${from} and can no longer change`, 'NOTICE_FINAL');
        if (statusChangeReason !== undefined && from === to)
          throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
        if (from !== to) {
          checkNetworkTransition(from, to);
          after.statusChangeDate = ts;
          if (statusChangeReason) after.statusChangeReason = statusChangeReason;
          else delete after.statusChangeReason;
          after.statusChangeHistory = [
            ...((before.statusChangeHistory ?? []) as unknown[]),
            {
              status: to,
              statusChangeDate: ts,
              ...(statusChangeReason ? { statusChangeReason } : {}),
              '@type': 'StatusChange',
              actor: { organizationId: actor.organizationId, credentialId: actor.credentialId },
            },
          ];
          if (to === 'active' && !after.startTime) after.startTime = ts;
          // A problem that comes back is not restored any more.
          if (to === 'active' && from === 'resolved' && rest.actualRestorationTime === undefined) delete after.actualRestorationTime;
          if (to === 'resolved' && !after.actualRestorationTime) after.actualRestorationTime = ts;
        }
        checkNotice(after, 'startTime' in rest || 'expectedRestorationTime' in rest);
        after.lastUpdate = ts;
        await save(tx, after, false);

        const events: NewEvent[] = [];
        const attrs = changed.filter((c) => c !== 'status');
        if (attrs.length)
          events.push(...noticeEvents('NetworkStatusNoticeAttributeValueChangeEvent', after, actor, t, `changed: ${attrs.join(', ')}`));
        if (from !== to) events.push(...noticeEvents('NetworkStatusNoticeStatusChangeEvent', after, actor, t, `${from} -> ${to}`));
        if (changed.some((c) => IMPACT_FIELDS.includes(c))) events.push(...(await refreshImpact(tx, after, t, actor.organizationId)));
        await writeEvents(tx, events);
        return viewFor(actor.organizationId, after);
      });
    },

    /** DSO: its own affected sites with recommendations; MNO: counts per DSO. */
    async impact(actor: OrganizationActor, id: string) {
      const doc = await findVisible(db.prisma, actor, id);
      if (isPublisher(actor, doc)) return { notice: { id }, view: 'mno' as const, summary: await summaries(db.prisma, doc) };
      return { notice: { id }, view: 'dso' as const, sites: await affectedSitesOf(db.prisma, doc, actor.organizationId) };
    },

    counterpartOf(actor: OrganizationActor, doc: JsonObject): string | undefined {
      return isPublisher(actor, doc) ? undefined : (doc.publisher as Ref).id;
    },
  };
}
