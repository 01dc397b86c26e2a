import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/report.js';
import type { JsonObject } from '../../http/patch.js';
import { applyListQuery, listResult, parseListQuery, selectFields, type JsonSchema, type SortKey } from '../../http/tmfQuery.js';
import { EXPORT_SORTABLE, exportFilesOf, type ExportService } from './sla.exports.js';
import type { SlaService } from './sla.service.js';

export const REPORT_BASE = '/tmf-api/gridlinkReport/v1';
type Href = RequestContext['href'];

/** Stored manifest -> DataExport with hrefs for the export and each file. */
export function presentDataExport(doc: JsonObject, href: Href, fields?: string[]) {
  const id = String(doc.id);
  const self = href(REPORT_BASE, `/dataExport/${id}`);
  return selectFields(
    {
      ...doc,
      id,
      href: self,
      file: exportFilesOf(doc).map((f) => ({ ...f, href: `${self}/file/${f.name}` })),
    },
    fields,
  );
}

export function reportHandlers(
  sla: SlaService,
  exports: ExportService,
  schemas: { dataExport: JsonSchema; slaTarget: JsonSchema },
): HandlerMap {
  const byDay: SortKey[] = [{ attribute: 'day', descending: true }];
  return operationHandlers<operations>({
    async retrievePartnershipKpi(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      // One value each (the parameters are validated as date-times); `String` reads a repeated one as `new Date` would.
      const { from, to } = ctx.query;
      const body = await sla.kpi(requireOrganization(ctx.actor), ctx.params.id, from && String(from), to && String(to));
      const actor = requireOrganization(ctx.actor);
      ctx.audit.counterpartOrgId = body.partnership.dso.id === actor.organizationId ? body.partnership.mno.id : body.partnership.dso.id;
      return { status: 200, body };
    },
    async listSlaTarget(ctx) {
      const rows = (await sla.targets()).map((r) => ({ ...r, '@type': 'SlaTarget' }));
      const q = parseListQuery(
        ctx.query,
        schemas.slaTarget,
        ['tier', 'priority'],
        [
          { attribute: 'tier', descending: false },
          { attribute: 'priority', descending: false },
        ],
      );
      const { page, total } = applyListQuery(rows, q);
      return listResult(
        page.map((r) => selectFields(r, q.fields)),
        total,
      );
    },
    async listDataExport(ctx) {
      const q = parseListQuery(ctx.query, schemas.dataExport, EXPORT_SORTABLE, byDay);
      const { rows, total } = await exports.list(requireOrganization(ctx.actor), q);
      return listResult(
        rows.map((r) => presentDataExport(r.doc, ctx.href, q.fields)),
        total,
      );
    },
    async retrieveDataExport(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      const doc = await exports.get(requireOrganization(ctx.actor), ctx.params.id);
      const fields = parseListQuery({ fields: ctx.query.fields }, schemas.dataExport, [], byDay).fields;
      return { status: 200, body: presentDataExport(doc, ctx.href, fields) };
    },
    async retrieveDataExportFile(ctx) {
      ctx.audit.resourceId = ctx.params.id;
      ctx.audit.detail = ctx.params.name;
      const { content, file } = await exports.file(requireOrganization(ctx.actor), ctx.params.id, ctx.params.name!);
      return {
        status: 200,
        raw: true,
        body: content,
        headers: {
          'Content-Type': file.mimeType,
          'Content-Disposition': `attachment; filename="${file.name}"`,
          'Repr-Digest': `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`,
          'X-Record-Count': String(file.count),
        },
      };
    },
  });
}
