import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { HubDescriptor, Webhooks } from '../events/webhooks.js';
import type { PayloadFormatter } from '../events/formats.js';
import type { HandlerMap } from '../http/context.js';
import type { LoadedApi } from '../http/openapi.js';
import { auditModule } from './audit/audit.module.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import { hubHandlers } from './hub/hub.handlers.js';
import { partyModule } from './party/party.module.js';
import type { PartyService } from './party/party.service.js';
import { troubleTicketModule } from './troubleTicket/troubleTicket.module.js';
import { siteModule } from './site/site.module.js';
import { energyOutageModule } from './energyOutage/energyOutage.module.js';
import { networkStatusModule } from './networkStatus/networkStatus.module.js';
import { serviceProblemModule } from './serviceProblem/serviceProblem.module.js';
import { incidentModule } from './incident/incident.module.js';
import { slaModule } from './sla/sla.module.js';
import { identityModule } from './identity/identity.module.js';
import type { Gateway } from '../gateway/gateway.js';
import type { SessionStore } from '../auth/sessions.js';
import { profilesModule } from './profiles/profiles.module.js';
import { iec61968Module } from './iec61968/iec61968.module.js';
import type { AppError } from '../http/errors.js';

/** What every resource module gets from the composition root. */
export interface ModuleContext {
  db: Database;
  now: () => Date;
  apis: LoadedApi[];
  config: Config;
  log: Logger;
  /** Organisations and partnerships: every exchange checks them. */
  party: PartyService;
  /** GW-3/GW-4 counters and blocks (sign-in lock-out uses the GW-3 refusal counters). */
  gateway: Gateway;
  /** Console sessions (issue 13). */
  sessions: SessionStore;
}

/** What a module contributes: handlers by operationId, its hub(s), its scheduled jobs. */
export interface GridlinkModule {
  name: string;
  handlers: HandlerMap;
  hubs: HubDescriptor[];
  jobs?: JobDefinition[];
  service?: unknown;
  /** Webhook delivery formats this module adds (hub `format`), see src/events/formats.ts. */
  deliveryFormats?: Record<string, PayloadFormatter>;
  /** Refusals on this module's API rendered in its own format instead of a TMF Error (IEC 61968 XML). */
  errorFormat?: { api: string; render(err: AppError, now: Date): { contentType: string; body: string } };
}

export type Services = Record<string, unknown> & { party: PartyService };

/**
 * The composition root for resource modules. Adding a module = one line here plus its
 * OpenAPI document; the hub operations of every document are generated from `hubs`.
 */
export function createModules(ctx: Omit<ModuleContext, 'party'>): {
  modules: GridlinkModule[];
  hubs: HubDescriptor[];
  services: Services;
  withHubHandlers(webhooks: Webhooks): HandlerMap;
} {
  const party = partyModule(ctx);
  const full: ModuleContext = { ...ctx, party: party.service };
  const troubleTicket = troubleTicketModule(full);
  const serviceProblem = serviceProblemModule(full);
  const outages = energyOutageModule(full);
  const modules: GridlinkModule[] = [
    party,
    troubleTicket,
    siteModule(full),
    outages,
    networkStatusModule(full),
    serviceProblem,
    incidentModule(full),
    slaModule(full),
    auditModule(full),
    identityModule(full),
    // Older API versions (TMF621 v4, TMF656 v4): mappings over the services above.
    profilesModule(full, { troubleTicket: troubleTicket.service, serviceProblem: serviceProblem.service }),
    iec61968Module(full, { tickets: troubleTicket.service, outages: outages.service }),
  ];
  const hubs = modules.flatMap((m) => m.hubs);
  return {
    modules,
    hubs,
    services: { ...Object.fromEntries(modules.map((m) => [m.name, m.service])), party: party.service },
    withHubHandlers: (webhooks) =>
      Object.assign(
        {},
        ...modules.map((m) => m.handlers),
        ...hubs.map((h) => hubHandlers(webhooks, h.api, ctx.apis.find((a) => a.name === h.api)?.operationIds ?? [])),
      ) as HandlerMap,
  };
}
