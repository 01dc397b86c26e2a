import type { GridlinkModule, ModuleContext } from '../types.js';

/**
 * Issue 5 / EV-1: links between tickets, problems, incidents and outage notices. The link
 * service (links.service.ts) is built once in the composition root and used by every
 * module whose resources hold references. Links have no API of their own: each end shows
 * them as `linkedEntity`, so the module adds no operation, hub or job.
 */
export function linksModule(_ctx: ModuleContext): GridlinkModule {
  return { name: 'links', handlers: {}, hubs: [] };
}
