import crypto from 'node:crypto';
import type { Database, Tx } from '../../db/client.js';
import { writeEvents } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { NoticeCore } from '../notice/notice.core.js';

type Ref = { id: string };

/**
 * EO-1 site reports: an audience MNO reports the power status of its sites under an outage
 * and may ask for priority restoration; the publishing DSO acknowledges or declines.
 */
export function createOutageReports(deps: {
  db: Database;
  now: () => Date;
  notices: Pick<NoticeCore, 'findVisible' | 'isPublisher'>;
  partnershipActive: (tx: Tx, actor: OrganizationActor, doc: JsonObject) => Promise<void>;
  isFinal: (doc: JsonObject) => boolean;
}) {
  const { db, now, partnershipActive, isFinal } = deps;
  const { findVisible, isPublisher } = deps.notices;

  async function getReport(actor: OrganizationActor, reportId: string) {
    const r = /^[0-9a-f-]{36}$/i.test(reportId) ? await db.prisma.outageSiteReport.findUnique({ where: { id: reportId } }) : null;
    if (!r) throw notFound('OutageSiteReport', reportId);
    const doc = await findVisible(db.prisma, actor, r.noticeId).catch(() => undefined);
    if (!doc || (!isPublisher(actor, doc) && r.mnoOrgId !== actor.organizationId)) throw notFound('OutageSiteReport', reportId);
    return r.doc as JsonObject;
  }

  return {
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
        await partnershipActive(tx, actor, doc);
        if (isFinal(doc)) throw conflict(`The notice is ${String(doc.status)}; reports are closed`, 'NOTICE_FINAL');
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

    getReport,

    /** The DSO acknowledges or declines a priority-restoration request. */
    async decide(
      actor: OrganizationActor,
      reportId: string,
      input: { priorityStatus: 'acknowledged' | 'declined'; decisionReason?: string },
    ) {
      return db.transaction(async (tx) => {
        const current = await getReport(actor, reportId);
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
  };
}
