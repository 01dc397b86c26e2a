import { newAjv } from '../../http/openapi.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';
import { siteHandlers } from './site.handlers.js';
import { DSO_SITE, MNO_SITE } from './site.kinds.js';
import { createSiteService, type SiteService } from './site.service.js';

export function siteModule(ctx: ModuleContext): GridlinkModule & { service: { mno: SiteService; dso: SiteService } } {
  const ajv = newAjv();
  const schema = (n: string) => componentSchema(ctx.apis, 'siteRegister', n);
  const mno = createSiteService({
    db: ctx.db,
    now: ctx.now,
    kind: MNO_SITE,
    validateCreate: ajv.compile(schema('MnoSite_FVO')),
    validatePatch: ajv.compile(schema('MnoSite_MVO')),
  });
  const dso = createSiteService({
    db: ctx.db,
    now: ctx.now,
    kind: DSO_SITE,
    validateCreate: ajv.compile(schema('DsoSite_FVO')),
    validatePatch: ajv.compile(schema('DsoSite_MVO')),
  });
  return {
    name: 'site',
    service: { mno, dso },
    handlers: { ...siteHandlers(mno, schema('MnoSite')), ...siteHandlers(dso, schema('DsoSite')) },
    hubs: [],
  };
}
