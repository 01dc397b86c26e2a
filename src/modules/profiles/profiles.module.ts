import type { GridlinkModule, ModuleContext } from '../index.js';
import { createProfile, type ProfiledService } from './profile.js';
import { serviceProblemV4 } from './serviceProblem.v4.js';
import { troubleTicketV4 } from './troubleTicket.v4.js';

/**
 * Older API versions served over the current services (issue 11, point 3). One line per
 * profile: its OpenAPI document (openapi/<api>.yaml), its mapping, the service it maps onto.
 */
export function profilesModule(
  ctx: ModuleContext,
  services: { troubleTicket: ProfiledService; serviceProblem: ProfiledService },
): GridlinkModule {
  const profiles = [
    createProfile(ctx, 'troubleTicket.v4', troubleTicketV4, services.troubleTicket),
    createProfile(ctx, 'serviceProblem.v4', serviceProblemV4, services.serviceProblem),
  ];
  return {
    name: 'profiles',
    handlers: Object.assign({}, ...profiles.map((p) => p.handlers)) as GridlinkModule['handlers'],
    hubs: profiles.map((p) => p.hub),
  };
}
