import { requireOrganization, type HandlerMap, type HttpResult, type RequestContext } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, selectFields, type JsonSchema } from '../../http/tmfQuery.js';
import { created } from '../shared.js';
import { etagOf } from '../../http/etag.js';
import { CAP_MEDIA_TYPE } from './energyOutage.cap.js';
import { GEO_PARAMS, OUTAGE_SORTABLE, type EnergyOutageService } from './energyOutage.service.js';

export const ENERGY_OUTAGE_BASE = '/tmf-api/energyOutage/v1';
const DEFAULT_SORT = [{ attribute: 'creationDate', descending: true }];

export function energyOutageHandlers(service: EnergyOutageService, output: JsonSchema): HandlerMap {
  const present = (ctx: RequestContext, doc: JsonObject, fields?: string[]) =>
    selectFields({ ...doc, href: ctx.href(ENERGY_OUTAGE_BASE, `/energyOutageNotice/${doc.id as string}`) }, fields);
  const presentReport = (ctx: RequestContext, r: JsonObject) => ({
    ...r,
    href: ctx.href(ENERGY_OUTAGE_BASE, `/siteReport/${r.id as string}`),
  });
  const note = (ctx: RequestContext, type: string, id: string | undefined, counterpart?: string) => {
    ctx.audit.resourceType = type;
    ctx.audit.resourceId = id;
    if (counterpart) ctx.audit.counterpartOrgId = counterpart;
  };

  return {
    async listEnergyOutageNotice(ctx) {
      const geo: Record<string, string | undefined> = {};
      const rest: Record<string, string | string[] | undefined> = {};
      for (const [k, v] of Object.entries(ctx.query)) {
        if (GEO_PARAMS.includes(k)) geo[k] = Array.isArray(v) ? v[0] : v;
        else rest[k] = v;
      }
      const q = parseListQuery(rest, output, OUTAGE_SORTABLE, DEFAULT_SORT);
      const actor = requireOrganization(ctx.actor);
      const { rows, total } = await service.list(actor, q, geo);
      return listResult(
        rows.map((r) => present(ctx, service.viewFor(actor.organizationId, r.doc), q.fields)),
        total,
      );
    },
    async createEnergyOutageNotice(ctx) {
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body as JsonObject);
      note(ctx, 'energyOutageNotice', doc.id as string);
      return created(present(ctx, doc) as { href: string });
    },
    async retrieveEnergyOutageNotice(ctx): Promise<HttpResult> {
      const actor = requireOrganization(ctx.actor);
      note(ctx, 'energyOutageNotice', ctx.params.id);
      const accept = String(ctx.headers.accept ?? '');
      if (accept.includes(CAP_MEDIA_TYPE)) {
        return {
          status: 200,
          body: await service.cap(actor, ctx.params.id!),
          headers: { 'Content-Type': `${CAP_MEDIA_TYPE}; charset=utf-8` },
          raw: true,
        };
      }
      if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
        throw new AppError(406, 'NOT_ACCEPTABLE', 'Not Acceptable', `Available representations: application/json, ${CAP_MEDIA_TYPE}`);
      }
      const fields = parseListQuery({ fields: ctx.query.fields }, output, OUTAGE_SORTABLE, DEFAULT_SORT).fields;
      const doc = await service.get(actor, ctx.params.id!);
      ctx.audit.counterpartOrgId = service.counterpartOf(actor, doc);
      return { status: 200, body: present(ctx, doc, fields), headers: { ETag: etagOf(doc) } };
    },
    async patchEnergyOutageNotice(ctx) {
      const actor = requireOrganization(ctx.actor);
      note(ctx, 'energyOutageNotice', ctx.params.id);
      const doc = await service.patch(actor, ctx.params.id!, ctx.body as JsonObject, ctx.ifMatch);
      ctx.audit.counterpartOrgId = service.counterpartOf(actor, doc);
      return { status: 200, body: present(ctx, doc), headers: { ETag: etagOf(doc) } };
    },
    async retrieveEnergyOutageImpact(ctx) {
      note(ctx, 'energyOutageImpact', ctx.params.id);
      return { status: 200, body: await service.impact(requireOrganization(ctx.actor), ctx.params.id!) };
    },
    async listOutageSiteReport(ctx) {
      note(ctx, 'outageSiteReport', undefined);
      const reports = await service.listReports(requireOrganization(ctx.actor), ctx.params.id!);
      return listResult(
        reports.map((r) => presentReport(ctx, r)),
        reports.length,
      );
    },
    async createOutageSiteReport(ctx) {
      const { report, created: isNew } = await service.report(requireOrganization(ctx.actor), ctx.params.id!, ctx.body as JsonObject);
      note(ctx, 'outageSiteReport', report.id as string);
      const body = presentReport(ctx, report);
      return isNew ? created(body) : { status: 201, body, headers: { Location: body.href } };
    },
    async retrieveOutageSiteReport(ctx) {
      note(ctx, 'outageSiteReport', ctx.params.id);
      return { status: 200, body: presentReport(ctx, await service.getReport(requireOrganization(ctx.actor), ctx.params.id!)) };
    },
    async decideOutageSiteReport(ctx) {
      note(ctx, 'outageSiteReport', ctx.params.id);
      const r = await service.decide(requireOrganization(ctx.actor), ctx.params.id!, ctx.body as { priorityStatus: 'acknowledged' });
      return { status: 200, body: presentReport(ctx, r) };
    },
  };
}
