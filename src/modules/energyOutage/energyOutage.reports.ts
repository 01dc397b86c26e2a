import crypto from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { writeEvents } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import type { components } from '../../generated/openapi/energyOutage.js';
import { publisherOf, type NoticeParties } from '../notice/notice.audience.js';
import * as repo from './energyOutage.repository.js';
import type { RegisteredSite } from './energyOutage.repository.js';
import type { OutageNoticeDoc, OutageSiteReportDoc } from './energyOutage.types.js';
import type { ServiceDeps } from '../serviceDeps.js';

type ReportInput = components['schemas']['OutageSiteReport_FVO'];
type PriorityDecision = components['schemas']['PriorityDecision'];
type PriorityRestoration = NonNullable<OutageSiteReportDoc['priorityRestoration']>;

/** The reported site, from the MNO's own register (by register id or its own siteId). */
async function reportedSite(tx: Tx, actor: OrganizationActor, ref: ReportInput['site']): Promise<RegisteredSite> {
  if (!ref.id && !ref.siteId) throw badRequest('site needs id or siteId', 'INVALID_BODY');
  const site = await repo.registeredSite(tx, actor.organizationId, ref);
  if (!site) throw unprocessable(`site ${ref.id ?? ref.siteId} is not in your site register`, 'UNKNOWN_SITE');
  return site;
}

/** A request is opened, withdrawn (only one that exists) or left as it was. */
function nextPriority(asked: ReportInput['priorityRestoration'], prev: PriorityRestoration | undefined): PriorityRestoration | undefined {
  if (!asked) return prev;
  if (asked.requested) return { requested: true, ...(asked.reason ? { reason: asked.reason } : {}), status: 'requested' };
  return prev ? { ...prev, requested: false, status: 'withdrawn' } : undefined;
}

/** One report per notice and site: the latest state, with every report kept in `history`. */
function nextReport(
  prev: OutageSiteReportDoc | undefined,
  r: { id: string; notice: string; actor: OrganizationActor; site: RegisteredSite; input: ReportInput; t: Date },
): OutageSiteReportDoc {
  const ts = r.t.toISOString();
  const priorityRestoration = nextPriority(r.input.priorityRestoration, prev?.priorityRestoration);
  const state = {
    powerStatus: r.input.powerStatus,
    ...(r.input.remainingMinutes !== undefined ? { remainingMinutes: r.input.remainingMinutes } : {}),
    ...(priorityRestoration ? { priorityRestoration } : {}),
  };
  return {
    id: r.id,
    '@type': 'OutageSiteReport',
    notice: { id: r.notice },
    mno: { id: r.actor.organizationId, '@referredType': 'Organization' },
    site: { id: r.site.id, siteId: r.site.site_id, ...(r.site.name ? { name: r.site.name } : {}) },
    ...state,
    createdAt: prev?.createdAt ?? ts,
    lastUpdate: ts,
    history: [...(prev?.history ?? []), { ...state, reportedAt: ts }],
  };
}

/**
 * EO-1 site reports: an audience MNO reports the power status of its sites under an outage
 * and may ask for priority restoration; the publishing DSO acknowledges or declines.
 */
export function createOutageReports(
  deps: ServiceDeps & {
    notices: {
      findVisible(tx: Tx, actor: OrganizationActor, id: string): Promise<OutageNoticeDoc>;
      isPublisher(actor: OrganizationActor, doc: NoticeParties): boolean;
    };
    partnershipActive: (tx: Tx, actor: OrganizationActor, doc: NoticeParties) => Promise<void>;
    isFinal: (doc: OutageNoticeDoc) => boolean;
  },
) {
  const { db, now, partnershipActive, isFinal } = deps;
  const { findVisible, isPublisher } = deps.notices;

  async function reportIn(tx: Tx, actor: OrganizationActor, reportId: string) {
    const r = /^[0-9a-f-]{36}$/i.test(reportId) ? await repo.reportById(tx, reportId) : null;
    if (!r) throw notFound('OutageSiteReport', reportId);
    const doc = await findVisible(tx, actor, r.noticeId).catch(() => undefined);
    if (!doc || (!isPublisher(actor, doc) && r.mnoOrgId !== actor.organizationId)) throw notFound('OutageSiteReport', reportId);
    return r.doc;
  }

  return {
    listReports(actor: OrganizationActor, id: string) {
      return db.transaction(async (tx) => {
        const doc = await findVisible(tx, actor, id);
        const rows = await repo.reportsOfNotice(tx, id, isPublisher(actor, doc) ? undefined : actor.organizationId);
        return rows.map((r) => r.doc);
      });
    },

    async report(actor: OrganizationActor, id: string, input: ReportInput) {
      return db.transaction(async (tx) => {
        // Visibility first: a notice the caller cannot see is a 404, whoever asks.
        const doc = await findVisible(tx, actor, id);
        if (actor.organizationKind !== 'MNO') throw forbidden('Site reports are written by an audience MNO');
        await partnershipActive(tx, actor, doc);
        if (isFinal(doc)) throw conflict(`The notice is ${String(doc.status)}; reports are closed`, 'NOTICE_FINAL');
        const site = await reportedSite(tx, actor, input.site);
        const t = now();
        const found = await repo.reportOfSite(tx, id, site.id);
        const existing = found && (await repo.lockedReport(tx, found.id));
        const report = nextReport(existing?.doc, {
          id: existing?.id ?? crypto.randomUUID(),
          notice: id,
          actor,
          site,
          input,
          t,
        });
        const priorityStatus = report.priorityRestoration?.status ?? null;
        const data = {
          powerStatus: input.powerStatus,
          remainingMinutes: input.remainingMinutes ?? null,
          priorityStatus,
          lastUpdate: t,
          doc: report,
        };
        if (existing) await repo.updateReport(tx, report.id, data);
        else
          await repo.insertReport(tx, {
            id: report.id,
            noticeId: id,
            mnoOrgId: actor.organizationId,
            siteId: site.id,
            createdAt: t,
            ...data,
          });
        const requested = input.priorityRestoration?.requested ? ' (priority restoration requested)' : '';
        await writeEvents(tx, [
          {
            eventType: 'OutageSiteReportEvent',
            resourceType: 'outageSiteReport',
            resource: report,
            audience: [publisherOf(doc), actor.organizationId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
            description: `${site.site_id}: ${input.powerStatus}${requested}`,
          },
        ]);
        return { report, created: !existing };
      });
    },

    getReport: (actor: OrganizationActor, reportId: string) => db.transaction((tx) => reportIn(tx, actor, reportId)),

    /** The DSO acknowledges or declines a priority-restoration request. */
    async decide(actor: OrganizationActor, reportId: string, input: PriorityDecision) {
      return db.transaction(async (tx) => {
        const current = await reportIn(tx, actor, reportId);
        const notice = await findVisible(tx, actor, current.notice.id);
        if (!isPublisher(actor, notice)) throw forbidden('Only the publishing DSO decides priority-restoration requests');
        const locked = await repo.lockedReport(tx, reportId);
        const doc = locked!.doc;
        const pr = doc.priorityRestoration;
        if (!pr || pr.status !== 'requested')
          throw conflict('There is no open priority-restoration request on this report', 'NO_OPEN_REQUEST');
        const t = now();
        const decided = {
          ...pr,
          status: input.priorityStatus,
          ...(input.decisionReason ? { decisionReason: input.decisionReason } : {}),
          decidedAt: t.toISOString(),
        };
        const after: OutageSiteReportDoc = {
          ...doc,
          priorityRestoration: decided,
          lastUpdate: t.toISOString(),
          history: [...(doc.history ?? []), { priorityRestoration: decided, decidedBy: actor.organizationId, reportedAt: t.toISOString() }],
        };
        await repo.updateReport(tx, reportId, { priorityStatus: input.priorityStatus, lastUpdate: t, doc: after });
        await writeEvents(tx, [
          {
            eventType: 'PriorityRestorationDecisionEvent',
            resourceType: 'outageSiteReport',
            resource: after,
            audience: [actor.organizationId, locked!.mnoOrgId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
            description: `priority restoration ${input.priorityStatus}`,
          },
        ]);
        return after;
      });
    },
  };
}
