import { requireOrganization, type HandlerMap, type HttpResult } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/energyOutage.js';
import { AppError } from '../../http/errors.js';
import { listResult, type JsonSchema } from '../../http/tmfQuery.js';
import { created } from '../shared.js';
import { noteAudit, noticeHandlers } from '../notice/notice.handlers.js';
import { CAP_MEDIA_TYPE } from './energyOutage.cap.js';
import { presentEnergyOutageNotice, presentOutageSiteReport } from './energyOutage.presenter.js';
import { OUTAGE_SORTABLE, type EnergyOutageService } from './energyOutage.service.js';

export function energyOutageHandlers(service: EnergyOutageService, output: JsonSchema): HandlerMap {
  const notices = noticeHandlers(service, output, {
    type: 'EnergyOutageNotice',
    impact: 'EnergyOutageImpact',
    sortable: OUTAGE_SORTABLE,
    present: presentEnergyOutageNotice,
    etag: true,
  });

  return operationHandlers<operations>({
    ...notices,
    /** JSON, or the notice as an OASIS CAP 1.2 alert (EO-1). */
    async retrieveEnergyOutageNotice(ctx): Promise<HttpResult> {
      noteAudit(ctx, 'energyOutageNotice', ctx.params.id);
      const accept = String(ctx.headers.accept ?? '');
      if (accept.includes(CAP_MEDIA_TYPE)) {
        return {
          status: 200,
          body: await service.cap(requireOrganization(ctx.actor), ctx.params.id),
          headers: { 'Content-Type': `${CAP_MEDIA_TYPE}; charset=utf-8` },
          raw: true,
        };
      }
      if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
        throw new AppError(406, 'NOT_ACCEPTABLE', 'Not Acceptable', `Available representations: application/json, ${CAP_MEDIA_TYPE}`);
      }
      return notices.retrieveEnergyOutageNotice!(ctx);
    },
    async listOutageSiteReport(ctx) {
      noteAudit(ctx, 'outageSiteReport', undefined);
      const reports = await service.listReports(requireOrganization(ctx.actor), ctx.params.id);
      return listResult(
        reports.map((r) => presentOutageSiteReport(r, ctx.href)),
        reports.length,
      );
    },
    async createOutageSiteReport(ctx) {
      const { report, created: isNew } = await service.report(requireOrganization(ctx.actor), ctx.params.id, ctx.body);
      noteAudit(ctx, 'outageSiteReport', report.id);
      const body = presentOutageSiteReport(report, ctx.href);
      return isNew ? created(body) : { status: 201, body, headers: { Location: body.href } };
    },
    async retrieveOutageSiteReport(ctx) {
      noteAudit(ctx, 'outageSiteReport', ctx.params.id);
      return {
        status: 200,
        body: presentOutageSiteReport(await service.getReport(requireOrganization(ctx.actor), ctx.params.id), ctx.href),
      };
    },
    async decideOutageSiteReport(ctx) {
      noteAudit(ctx, 'outageSiteReport', ctx.params.id);
      const r = await service.decide(requireOrganization(ctx.actor), ctx.params.id, ctx.body);
      return { status: 200, body: presentOutageSiteReport(r, ctx.href) };
    },
  });
}
