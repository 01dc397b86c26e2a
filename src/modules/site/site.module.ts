import type { GridlinkModule, ModuleContext } from '../types.js';
import { componentSchema } from '../shared.js';
import { siteHandlers } from './site.handlers.js';

export function siteModule(ctx: ModuleContext): GridlinkModule {
  const schema = (n: string) => componentSchema(ctx.apis, 'siteRegister', n);
  const { mno, dso } = ctx.services.site;
  return {
    name: 'site',
    handlers: { ...siteHandlers(mno, schema('MnoSite')), ...siteHandlers(dso, schema('DsoSite')) },
    hubs: [],
  };
}
