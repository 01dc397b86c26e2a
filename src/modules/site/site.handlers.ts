import { requireOrganization, type HandlerMap, type RequestContext } from '../../http/context.js';
import { objectBody } from '../../http/patch.js';
import { listResult, parseListQuery, type JsonSchema } from '../../http/tmfQuery.js';
import { created } from '../shared.js';
import type { SiteBody } from './site.kinds.js';
import { presentSite } from './site.presenter.js';
import type { SiteDoc } from './site.types.js';
import type { SiteService } from './site.service.js';

export function siteHandlers(service: SiteService, output: JsonSchema): HandlerMap {
  const name = service.kind.name;
  const Name = name[0]!.toUpperCase() + name.slice(1);
  const sortable = Object.keys(service.store.def.columns);
  const present = (ctx: RequestContext, doc: SiteDoc, fields?: string[]) => presentSite(name, doc, ctx.href, fields);
  const note = (ctx: RequestContext, id: string | undefined) => {
    ctx.audit.resourceId = id;
  };
  return {
    async [`list${Name}`](ctx) {
      const q = parseListQuery(ctx.query, output, sortable, [{ attribute: 'siteId', descending: false }]);
      const { rows, total } = await service.list(requireOrganization(ctx.actor), q);
      return listResult(
        rows.map((r) => present(ctx, r.doc, q.fields)),
        total,
      );
    },
    async [`create${Name}`](ctx) {
      // The request pipeline validated the body against this register's create schema.
      const doc = await service.create(requireOrganization(ctx.actor), ctx.body as SiteBody);
      note(ctx, doc.id);
      return created(present(ctx, doc));
    },
    async [`import${Name}`](ctx) {
      // An import names no single site: the type is recorded alone (as before, failures included).
      ctx.audit.resourceType = name;
      const report = await service.import(requireOrganization(ctx.actor), ctx.contentType, ctx.body);
      ctx.audit.detail = `import: ${report.received} rows, ${report.created} created, ${report.updated} updated, ${report.rejected} rejected`;
      return { status: 200, body: report };
    },
    async [`retrieve${Name}`](ctx) {
      note(ctx, ctx.params.id);
      const fields = parseListQuery({ fields: ctx.query.fields }, output, sortable, []).fields;
      return { status: 200, body: present(ctx, await service.get(requireOrganization(ctx.actor), ctx.params.id!), fields) };
    },
    async [`patch${Name}`](ctx) {
      note(ctx, ctx.params.id);
      return {
        status: 200,
        body: present(ctx, await service.patch(requireOrganization(ctx.actor), ctx.params.id!, objectBody(ctx.body))),
      };
    },
    async [`delete${Name}`](ctx) {
      note(ctx, ctx.params.id);
      await service.remove(requireOrganization(ctx.actor), ctx.params.id!);
      return { status: 204 };
    },
  };
}
