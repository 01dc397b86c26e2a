import crypto from 'node:crypto';
import type { Database, Tx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import { boundingBox, boxLiteral, containsPoint, parseArea, parseLonLat, type Area } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { perRecipientEvents, resolveAudience } from '../notice.js';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { changedAttributes, mergePatch, normalizeDateTimes, type JsonObject } from '../../http/patch.js';
import { matchesFilters, type JsonSchema, type ListQuery } from '../../http/tmfQuery.js';
import type { PartyService } from '../party/party.service.js';
import { checkIfMatch } from '../../http/etag.js';
import { renderCap, type Revision } from './energyOutage.cap.js';
import { impactedSitesOf, outageStart, etrOf, presentImpactedSite, refreshImpact, summaries } from './energyOutage.impact.js';
import { ACTIVE_OUTAGE, checkOutageTransition, type OutageStatus } from './energyOutage.lifecycle.js';

const energyOutageTable = RESOURCES.energyOutageNotice.store;
export const OUTAGE_SORTABLE = Object.keys(energyOutageTable.def.columns);

const MNO_FIELDS = ['mnoInterventionTime', 'mnoInterventionDuration', 'mnoMaxServiceDuration'] as const;
const ETR_FIELDS = ['expectedOutageEndTime', 'etrConfidence', 'etrSource'];
const IMPACT_FIELDS = ['affectedArea', 'status', 'outageStartTime', 'expectedOutageEndTime'];
/** Geographic/status filters of the list operation (not attributes). */
export const GEO_PARAMS = ['atPoint', 'intersects', 'active'];
/** Attributes an MNO sees only in part (its own entry): it filters on its view, not the stored notice. */
const VIEW_FILTERED = ['audience', 'mnoResponse'];
/** Candidates read when exact tests run in memory (atPoint, view filters) before paging. */
const MAX_IN_MEMORY_CANDIDATES = 10_000;

type Ref = { id: string; name?: string; '@referredType'?: string };

export type EnergyOutageService = ReturnType<typeof createEnergyOutageService>;

export function createEnergyOutageService(deps: {
  db: Database;
  now: () => Date;
  party: PartyService;
  schemas: { output: JsonSchema; create: JsonSchema };
}) {
  const { db, now, party } = deps;
  const store = energyOutageTable;

  const isPublisher = (actor: OrganizationActor, doc: JsonObject) => (doc.publisher as Ref).id === actor.organizationId;

  /** What an organisation may see: the DSO everything; an MNO neither other MNOs nor their answers. */
  const viewFor = (orgId: string, stored: JsonObject): JsonObject => {
    const { _revisions: _r, ...doc } = stored;
    if ((doc.publisher as Ref).id === orgId) return doc;
    return {
      ...doc,
      audience: ((doc.audience ?? []) as Ref[]).filter((a) => a.id === orgId),
      mnoResponse: ((doc.mnoResponse ?? []) as { mno: Ref }[]).filter((r) => r.mno.id === orgId),
    };
  };

  /** One event per recipient view, so no MNO learns about another. */
  const noticeEvents = (
    eventType: string,
    doc: JsonObject,
    actor: OrganizationActor,
    t: Date,
    description?: string,
    onlyMno?: string,
  ): NewEvent[] =>
    perRecipientEvents({ eventType, resourceType: 'energyOutageNotice', doc, actor, t, description, onlyTo: onlyMno, viewFor });

  const columns = (doc: JsonObject) => {
    const area = (doc.affectedArea as { outageArea?: unknown } | undefined)?.outageArea;
    return {
      status: doc.status as string,
      outageKind: doc.outageKind as string,
      causeKind: (doc.causeKind as string | undefined) ?? null,
      lastUpdate: new Date(doc.lastUpdate as string),
      outageStartTime: doc.outageStartTime ? new Date(doc.outageStartTime as string) : null,
      expectedOutageEndTime: doc.expectedOutageEndTime ? new Date(doc.expectedOutageEndTime as string) : null,
      actualOutageEndTime: doc.actualOutageEndTime ? new Date(doc.actualOutageEndTime as string) : null,
      bbox: area ? boxLiteral(boundingBox(parseArea(area))) : null,
    };
  };

  const save = async (tx: Tx, doc: JsonObject, insert: boolean) => {
    // Every stored version is one CAP message (see energyOutage.cap.ts).
    const revisions = (doc._revisions ?? []) as Revision[];
    doc._revisions = [...revisions, { n: revisions.length + 1, sent: doc.lastUpdate as string }];
    const c = columns(doc);
    if (insert) {
      await tx.$executeRawUnsafe(
        `INSERT INTO energy_outage_notice (id, dso_org_id, audience, status, outage_kind, cause_kind, creation_date, last_update, outage_start_time,
           expected_outage_end_time, actual_outage_end_time, bbox, doc)
         VALUES ($1::uuid, $2::uuid, $3::uuid[], $4, $5, $6, $7::timestamptz, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11::timestamptz, $12::box, $13::jsonb)`,
        doc.id,
        (doc.publisher as Ref).id,
        ((doc.audience ?? []) as Ref[]).map((a) => a.id),
        c.status,
        c.outageKind,
        c.causeKind,
        new Date(doc.creationDate as string),
        c.lastUpdate,
        c.outageStartTime,
        c.expectedOutageEndTime,
        c.actualOutageEndTime,
        c.bbox,
        JSON.stringify(doc),
      );
    } else {
      await tx.$executeRawUnsafe(
        `UPDATE energy_outage_notice SET status = $2, outage_kind = $3, cause_kind = $4, last_update = $5::timestamptz, outage_start_time = $6::timestamptz,
           expected_outage_end_time = $7::timestamptz, actual_outage_end_time = $8::timestamptz, bbox = $9::box, doc = $10::jsonb, version = version + 1
         WHERE id = $1::uuid`,
        doc.id,
        c.status,
        c.outageKind,
        c.causeKind,
        c.lastUpdate,
        c.outageStartTime,
        c.expectedOutageEndTime,
        c.actualOutageEndTime,
        c.bbox,
        JSON.stringify(doc),
      );
    }
  };

  const checkArea = (doc: JsonObject) => {
    const aa = (doc.affectedArea ?? {}) as { outageArea?: unknown; energySupplyId?: string[] };
    if (!aa.outageArea && !aa.energySupplyId?.length) {
      throw unprocessable('affectedArea needs an outageArea or at least one energySupplyId', 'AREA_REQUIRED');
    }
    if (aa.outageArea) parseArea(aa.outageArea, 'affectedArea.outageArea');
  };

  const findVisible = async (tx: Tx, actor: OrganizationActor, id: string, forUpdate = false) => {
    const row = await store.find(tx, actor, id, { forUpdate });
    if (!row) throw notFound('EnergyOutageNotice', id);
    return row.doc;
  };

  return {
    store,
    viewFor,

    async list(actor: OrganizationActor, q: ListQuery, geo: Record<string, string | undefined>) {
      let point: [number, number] | undefined;
      const extra: string[] = [];
      const build = (params: unknown[]) => {
        const add = (v: unknown) => {
          params.push(v);
          return `$${params.length}`;
        };
        if (geo.active === 'true') extra.push(`status = ANY(${add([...ACTIVE_OUTAGE])}::text[])`);
        else if (geo.active === 'false') extra.push(`NOT (status = ANY(${add([...ACTIVE_OUTAGE])}::text[]))`);
        else if (geo.active !== undefined) throw badRequest("active must be 'true' or 'false'", 'INVALID_PARAMETER');
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
      // Only the publisher sees the whole audience and every answer; anyone else filters on
      // its own view, so a filter cannot reveal which other MNOs received or answered a notice.
      const viewFilters = q.filters.filter((f) => VIEW_FILTERED.includes(f.path[0]!));
      const inMemory = actor.organizationKind === 'DSO' ? [] : viewFilters;
      if (!geo.atPoint && inMemory.length === 0) return store.list(db.reader, actor, q, build);
      // Exact tests in memory (the area's shape, the caller's view), then paging, so a page
      // never loses a real match to a candidate that only the bounding box matched.
      const sqlFilters = q.filters.filter((f) => !inMemory.includes(f));
      const candidates = await store.list(
        db.prisma,
        actor,
        { ...q, filters: sqlFilters, offset: 0, limit: MAX_IN_MEMORY_CANDIDATES },
        build,
      );
      const rows = candidates.rows.filter((r) => {
        if (point) {
          const area = (r.doc.affectedArea as { outageArea?: Area }).outageArea;
          if (!area || !containsPoint(area, point[0], point[1])) return false;
        }
        return matchesFilters(viewFor(actor.organizationId, r.doc), inMemory);
      });
      return { rows: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
    },

    async get(actor: OrganizationActor, id: string) {
      return viewFor(actor.organizationId, await findVisible(db.prisma, actor, id));
    },

    async cap(actor: OrganizationActor, id: string) {
      const doc = await findVisible(db.prisma, actor, id);
      return renderCap(viewFor(actor.organizationId, doc), (doc._revisions ?? []) as Revision[]);
    },

    /** EO-1: a DSO publishes a notice to its MNO partners. */
    async create(actor: OrganizationActor, input: JsonObject) {
      if (actor.organizationKind !== 'DSO') throw forbidden('Only DSOs publish energy outage notices');
      const body = normalizeDateTimes(input, deps.schemas.create) as JsonObject;
      checkArea(body);
      return db.transaction(async (tx) => {
        const { audience, publisherName } = await resolveAudience(tx, actor, body.audience as Ref[] | undefined);
        const t = now();
        const ts = t.toISOString();
        const status = (body.status as OutageStatus | undefined) ?? (body.outageKind === 'planned' ? 'predicted' : 'confirmed');
        const { audience: _a, ...rest } = body;
        const doc: JsonObject = {
          id: crypto.randomUUID(),
          '@type': 'EnergyOutageNotice',
          ...rest,
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
          etrHistory: body.expectedOutageEndTime
            ? [
                {
                  expectedOutageEndTime: body.expectedOutageEndTime,
                  ...(body.etrConfidence ? { etrConfidence: body.etrConfidence } : {}),
                  ...(body.etrSource ? { etrSource: body.etrSource } : {}),
                  revisedAt: ts,
                },
              ]
            : [],
          mnoResponse: [],
          publisher: { id: actor.organizationId, name: publisherName, '@referredType': 'Organization' },
          audience,
          creationDate: ts,
          lastUpdate: ts,
        };
        if (!doc.outageStartTime && status !== 'predicted') doc.outageStartTime = ts;
        await save(tx, doc, true);
        const impact = await refreshImpact(tx, doc, t, actor.organizationId);
        await writeEvents(tx, [...noticeEvents('EnergyOutageNoticeCreateEvent', doc, actor, t), ...impact]);
        return viewFor(actor.organizationId, doc);
      });
    },

    async patch(actor: OrganizationActor, id: string, patchBody: JsonObject, ifMatch?: string) {
      return db.transaction(async (tx) => {
        const before = await findVisible(tx, actor, id, true);
        checkIfMatch(ifMatch, viewFor(actor.organizationId, before)); // under the row lock
        const t = now();
        const ts = t.toISOString();
        const patch = normalizeDateTimes(patchBody, deps.schemas.output) as JsonObject;
        const mnoKeys = Object.keys(patch).filter((k) => (MNO_FIELDS as readonly string[]).includes(k));
        const dsoKeys = Object.keys(patch).filter((k) => !(MNO_FIELDS as readonly string[]).includes(k));

        if (!isPublisher(actor, before)) {
          // The MNO's answer (TS 28.318 mnoInterventionTime/Duration, mnoMaxServiceDuration).
          if (dsoKeys.length) throw forbidden(`An MNO may only write ${MNO_FIELDS.join(', ')}; not ${dsoKeys.join(', ')}`);
          if (before.status === 'closed' || before.status === 'cancelled')
            throw conflict(`The notice is ${String(before.status)} and can no longer change`, 'NOTICE_FINAL');
          if (!(await party.isActivePartner(tx, actor.organizationId, (before.publisher as Ref).id))) {
            throw forbidden('The partnership with the publishing DSO is not active (GW-9)');
          }
          const responses = [...((before.mnoResponse ?? []) as JsonObject[])];
          const i = responses.findIndex((r) => (r.mno as Ref).id === actor.organizationId);
          const mine: JsonObject = i >= 0 ? { ...responses[i] } : { mno: { id: actor.organizationId, '@referredType': 'Organization' } };
          for (const k of mnoKeys) mine[k] = patch[k];
          mine.lastUpdate = ts;
          if (i >= 0) responses[i] = mine;
          else responses.push(mine);
          const after: JsonObject = { ...before, mnoResponse: responses, lastUpdate: ts };
          await save(tx, after, false);
          await writeEvents(
            tx,
            noticeEvents(
              'EnergyOutageNoticeAttributeValueChangeEvent',
              after,
              actor,
              t,
              `changed: ${mnoKeys.join(', ')}`,
              actor.organizationId,
            ).filter((e) => e.audience[0] === actor.organizationId || e.audience[0] === (after.publisher as Ref).id),
          );
          return viewFor(actor.organizationId, after);
        }

        if (mnoKeys.length) throw forbidden(`${mnoKeys.join(', ')} are written by the MNO, not the DSO`);
        const { statusChangeReason, ...rest } = patch;
        const after = mergePatch(before, rest) as JsonObject;
        const changed = changedAttributes(before, after);
        if (changed.length === 0 && statusChangeReason === undefined) return viewFor(actor.organizationId, before);
        const from = before.status as OutageStatus;
        const to = after.status as OutageStatus;
        if ((from === 'closed' || from === 'cancelled') && changed.length)
          throw conflict(`The notice is ${from} and can no longer change`, 'NOTICE_FINAL');
        if (statusChangeReason !== undefined && from === to)
          throw unprocessable('statusChangeReason can only be given together with a new status', 'REASON_WITHOUT_STATUS');
        if (changed.includes('affectedArea')) checkArea(after);
        const events: NewEvent[] = [];
        if (from !== to) {
          checkOutageTransition(from, to);
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
          // An outage that is on again has no actual end yet; its next restoration records one.
          if (from === 'restored' && ACTIVE_OUTAGE.includes(to) && rest.actualOutageEndTime === undefined) delete after.actualOutageEndTime;
          if (to === 'restored' && !after.actualOutageEndTime) after.actualOutageEndTime = ts;
          if (to === 'confirmed' && !after.outageStartTime) after.outageStartTime = ts;
        }
        if (changed.some((c) => ETR_FIELDS.includes(c))) {
          after.etrHistory = [
            ...((before.etrHistory ?? []) as unknown[]),
            {
              ...(after.expectedOutageEndTime ? { expectedOutageEndTime: after.expectedOutageEndTime } : {}),
              ...(after.etrConfidence ? { etrConfidence: after.etrConfidence } : {}),
              ...(after.etrSource ? { etrSource: after.etrSource } : {}),
              revisedAt: ts,
            },
          ];
        }
        after.lastUpdate = ts;
        await save(tx, after, false);

        const attrs = changed.filter((c) => c !== 'status');
        if (attrs.length)
          events.push(...noticeEvents('EnergyOutageNoticeAttributeValueChangeEvent', after, actor, t, `changed: ${attrs.join(', ')}`));
        if (changed.some((c) => ETR_FIELDS.includes(c))) {
          events.push(
            ...noticeEvents(
              'EnergyOutageEtrChangeEvent',
              after,
              actor,
              t,
              `ETR ${String(before.expectedOutageEndTime ?? 'none')} -> ${String(after.expectedOutageEndTime ?? 'none')}`,
            ),
          );
        }
        if (from !== to) events.push(...noticeEvents('EnergyOutageNoticeStatusChangeEvent', after, actor, t, `${from} -> ${to}`));
        if (changed.some((c) => IMPACT_FIELDS.includes(c))) events.push(...(await refreshImpact(tx, after, t, actor.organizationId)));
        await writeEvents(tx, events);
        return viewFor(actor.organizationId, after);
      });
    },

    /** MNO: its impacted sites; DSO: per-MNO aggregates. */
    async impact(actor: OrganizationActor, id: string) {
      const doc = await findVisible(db.prisma, actor, id);
      if (isPublisher(actor, doc)) {
        return { notice: { id }, view: 'dso' as const, summary: await summaries(db.prisma, doc) };
      }
      const rows = await impactedSitesOf(db.prisma, id, actor.organizationId);
      const start = outageStart(doc);
      const etr = etrOf(doc);
      return { notice: { id }, view: 'mno' as const, sites: rows.map((s) => presentImpactedSite(s, start, etr)) };
    },

    // --- MNO site reports and priority-restoration requests --------------------------
    async listReports(actor: OrganizationActor, id: string) {
      const doc = await findVisible(db.prisma, actor, id);
      const rows = await db.prisma.outageSiteReport.findMany({
        where: { noticeId: id, ...(isPublisher(actor, doc) ? {} : { mnoOrgId: actor.organizationId }) },
        orderBy: { createdAt: 'asc' },
      });
      return rows.map((r) => r.doc as JsonObject);
    },

    async report(actor: OrganizationActor, id: string, input: JsonObject) {
      return db.transaction(async (tx) => {
        // Visibility first: a notice the caller cannot see is a 404, whoever asks.
        const doc = await findVisible(tx, actor, id);
        if (actor.organizationKind !== 'MNO') throw forbidden('Site reports are written by an audience MNO');
        if (!(await party.isActivePartner(tx, actor.organizationId, (doc.publisher as Ref).id)))
          throw forbidden('The partnership with the publishing DSO is not active (GW-9)');
        if (doc.status === 'closed' || doc.status === 'cancelled')
          throw conflict(`The notice is ${String(doc.status)}; reports are closed`, 'NOTICE_FINAL');
        const ref = input.site as { id?: string; siteId?: string };
        if (!ref.id && !ref.siteId) throw badRequest('site needs id or siteId', 'INVALID_BODY');
        const sites = await tx.$queryRawUnsafe<{ id: string; site_id: string; name: string | null }[]>(
          `SELECT id::text, site_id, name FROM mno_site WHERE org_id = $1::uuid AND (${ref.id ? 'id::text = $2' : 'site_id = $2'})`,
          actor.organizationId,
          ref.id ?? ref.siteId,
        );
        const site = sites[0];
        if (!site) throw unprocessable(`site ${ref.id ?? ref.siteId} is not in your site register`, 'UNKNOWN_SITE');
        const t = now();
        const ts = t.toISOString();
        const existing = await tx.outageSiteReport.findUnique({ where: { noticeId_siteId: { noticeId: id, siteId: site.id } } });
        const prev = existing?.doc as JsonObject | undefined;
        const pr = input.priorityRestoration as { requested: boolean; reason?: string } | undefined;
        const prevPr = prev?.priorityRestoration as JsonObject | undefined;
        const priorityRestoration = pr
          ? pr.requested
            ? { requested: true, ...(pr.reason ? { reason: pr.reason } : {}), status: 'requested' }
            : prevPr
              ? { ...prevPr, requested: false, status: 'withdrawn' }
              : undefined
          : prevPr;
        const snapshot: JsonObject = {
          powerStatus: input.powerStatus,
          ...(input.remainingMinutes !== undefined ? { remainingMinutes: input.remainingMinutes } : {}),
          ...(priorityRestoration ? { priorityRestoration } : {}),
          reportedAt: ts,
        };
        const reportId = existing?.id ?? crypto.randomUUID();
        const report: JsonObject = {
          id: reportId,
          '@type': 'OutageSiteReport',
          notice: { id },
          mno: { id: actor.organizationId, '@referredType': 'Organization' },
          site: { id: site.id, siteId: site.site_id, ...(site.name ? { name: site.name } : {}) },
          ...snapshot,
          createdAt: (prev?.createdAt as string | undefined) ?? ts,
          lastUpdate: ts,
          history: [...((prev?.history ?? []) as unknown[]), snapshot],
        };
        delete report.reportedAt;
        const data = {
          powerStatus: input.powerStatus as string,
          remainingMinutes: (input.remainingMinutes as number | undefined) ?? null,
          priorityStatus: (priorityRestoration?.status as string | undefined) ?? null,
          lastUpdate: t,
          doc: report as object,
        };
        if (existing) await tx.outageSiteReport.update({ where: { id: reportId }, data });
        else
          await tx.outageSiteReport.create({
            data: { id: reportId, noticeId: id, mnoOrgId: actor.organizationId, siteId: site.id, createdAt: t, ...data },
          });
        const dso = (doc.publisher as Ref).id;
        await writeEvents(tx, [
          {
            eventType: 'OutageSiteReportEvent',
            resourceType: 'outageSiteReport',
            resource: report as JsonObject & { id: string },
            audience: [dso, actor.organizationId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
            description: `${site.site_id}: ${String(input.powerStatus)}${pr?.requested ? ' (priority restoration requested)' : ''}`,
          },
        ]);
        return { report, created: !existing };
      });
    },

    async getReport(actor: OrganizationActor, reportId: string) {
      const r = /^[0-9a-f-]{36}$/i.test(reportId) ? await db.prisma.outageSiteReport.findUnique({ where: { id: reportId } }) : null;
      if (!r) throw notFound('OutageSiteReport', reportId);
      const doc = await findVisible(db.prisma, actor, r.noticeId).catch(() => undefined);
      if (!doc || (!isPublisher(actor, doc) && r.mnoOrgId !== actor.organizationId)) throw notFound('OutageSiteReport', reportId);
      return r.doc as JsonObject;
    },

    /** The DSO acknowledges or declines a priority-restoration request. */
    async decide(
      actor: OrganizationActor,
      reportId: string,
      input: { priorityStatus: 'acknowledged' | 'declined'; decisionReason?: string },
    ) {
      return db.transaction(async (tx) => {
        const current = await this.getReport(actor, reportId);
        const notice = await findVisible(tx, actor, (current.notice as Ref).id);
        if (!isPublisher(actor, notice)) throw forbidden('Only the publishing DSO decides priority-restoration requests');
        const locked = await tx.outageSiteReport.findUnique({ where: { id: reportId } });
        const doc = locked!.doc as JsonObject;
        const pr = doc.priorityRestoration as JsonObject | undefined;
        if (!pr || pr.status !== 'requested')
          throw conflict('There is no open priority-restoration request on this report', 'NO_OPEN_REQUEST');
        const t = now();
        const decided = {
          ...pr,
          status: input.priorityStatus,
          ...(input.decisionReason ? { decisionReason: input.decisionReason } : {}),
          decidedAt: t.toISOString(),
        };
        const after: JsonObject = {
          ...doc,
          priorityRestoration: decided,
          lastUpdate: t.toISOString(),
          history: [
            ...((doc.history ?? []) as unknown[]),
            { priorityRestoration: decided, decidedBy: actor.organizationId, reportedAt: t.toISOString() },
          ],
        };
        await tx.outageSiteReport.update({
          where: { id: reportId },
          data: { priorityStatus: input.priorityStatus, lastUpdate: t, doc: after as object },
        });
        await writeEvents(tx, [
          {
            eventType: 'PriorityRestorationDecisionEvent',
            resourceType: 'outageSiteReport',
            resource: after as JsonObject & { id: string },
            audience: [actor.organizationId, locked!.mnoOrgId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
            description: `priority restoration ${input.priorityStatus}`,
          },
        ]);
        return after;
      });
    },

    counterpartOf(actor: OrganizationActor, doc: JsonObject): string | undefined {
      return isPublisher(actor, doc) ? undefined : (doc.publisher as Ref).id;
    },
  };
}
