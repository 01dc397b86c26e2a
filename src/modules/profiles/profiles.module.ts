import type { GridlinkModule, ModuleContext } from '../types.js';
import { componentSchema } from '../shared.js';
import { problemTaskHandlers, problemTaskSchemas } from '../serviceProblem/serviceProblem.handlers.js';
import { createProfile } from './profile.js';
import { serviceProblemV4 } from './serviceProblem.v4.js';
import { troubleTicketV4 } from './troubleTicket.v4.js';

/**
 * Older API versions served over the current services (issue 11, point 3). One line per
 * profile: its OpenAPI document (openapi/<api>.yaml), its mapping, the service it maps onto.
 */
export function profilesModule(ctx: ModuleContext): GridlinkModule {
  const { services } = ctx;
  const profiles = [
    createProfile(ctx, 'troubleTicket.v4', troubleTicketV4, services.troubleTicket),
    createProfile(ctx, 'serviceProblem.v4', serviceProblemV4, services.serviceProblem),
  ];
  // TMF656 v4 defines the task resources and event records as v5 does: the v5 handlers,
  // presented under the v4 base path.
  const v4 = profiles[1]!;
  const schema = (name: string) => componentSchema(ctx.apis, 'serviceProblem', name);
  const problemTasks = problemTaskHandlers(services.serviceProblem, problemTaskSchemas(schema), v4.basePath);
  return {
    name: 'profiles',
    handlers: Object.assign(
      {},
      ...profiles.map((p) => p.handlers),
      Object.fromEntries(Object.entries(problemTasks).map(([op, fn]) => [`${v4.api}.${op}`, fn])),
    ) as GridlinkModule['handlers'],
    hubs: profiles.map((p) => p.hub),
  };
}
