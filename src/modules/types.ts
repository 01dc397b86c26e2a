import type { Logger } from 'pino';
import type { SessionStore } from '../auth/sessions.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { PayloadFormatter } from '../events/formats.js';
import type { HubDescriptor } from '../events/webhooks.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Idempotency } from '../gateway/idempotency.js';
import type { HandlerMap } from '../http/context.js';
import type { AppError } from '../http/errors.js';
import type { LoadedApi } from '../http/openapi.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import type { AuditService } from './audit/audit.service.js';
import type { EnergyOutageService } from './energyOutage/energyOutage.service.js';
import type { IecBridge } from './iec61968/iec61968.service.js';
import type { XsdValidator } from './iec61968/iec61968.xsd.js';
import type { IdentityService } from './identity/identity.service.js';
import type { IncidentService } from './incident/incident.service.js';
import type { LinkService } from './links/links.service.js';
import type { NetworkStatusService } from './networkStatus/networkStatus.service.js';
import type { OAuth } from './oauth/oauth.service.js';
import type { PartyService } from './party/party.service.js';
import type { ServiceProblemService } from './serviceProblem/serviceProblem.service.js';
import type { SiteService } from './site/site.service.js';
import type { SlaClocks } from './sla/sla.clocks.js';
import type { ExportService } from './sla/sla.exports.js';
import type { SlaService } from './sla/sla.service.js';
import type { TroubleTicketService } from './troubleTicket/troubleTicket.service.js';

/**
 * The types the composition root (modules/index.ts) and the modules share. They live here,
 * not in index.ts, so that no module imports the file that imports it.
 */

/** What the application hands the composition root: infrastructure, no domain service yet. */
export interface Infrastructure {
  db: Database;
  now: () => Date;
  apis: LoadedApi[];
  config: Config;
  log: Logger;
  /** GW-3/GW-4 counters and blocks (sign-in lock-out uses the GW-3 refusal counters). */
  gateway: Gateway;
  /** Console sessions (issue 13). */
  sessions: SessionStore;
  /** Idempotency-Key records (GW-5), shared by the HTTP pipeline and the IEC 61968 bridge. */
  idempotency: Idempotency;
}

/**
 * Every service, built once by `createServices` (modules/index.ts) and handed to every module
 * through its context: a module that needs another module's service uses this one instead of
 * building its own, and changes another module's records only through it.
 */
export interface Services {
  party: PartyService;
  links: LinkService;
  oauth: OAuth;
  troubleTicket: TroubleTicketService;
  serviceProblem: ServiceProblemService;
  incident: IncidentService;
  energyOutage: EnergyOutageService;
  networkStatus: NetworkStatusService;
  site: { mno: SiteService; dso: SiteService };
  sla: SlaService;
  slaClocks: SlaClocks;
  exports: ExportService;
  audit: AuditService;
  identity: IdentityService;
  iec61968: IecBridge;
  xsd: XsdValidator;
}

/** What every resource module gets from the composition root. */
export interface ModuleContext extends Infrastructure {
  /** Organisations and partnerships: every exchange checks them (the same as `services.party`). */
  party: PartyService;
  services: Services;
}

/** What a module contributes: handlers by operationId, its hub(s), its scheduled jobs. */
export interface GridlinkModule {
  name: string;
  handlers: HandlerMap;
  hubs: HubDescriptor[];
  jobs?: JobDefinition[];
  /** Webhook delivery formats this module adds (hub `format`), see src/events/formats.ts. */
  deliveryFormats?: Record<string, PayloadFormatter>;
  /** Refusals on this module's API rendered in its own format instead of a TMF Error (IEC 61968 XML). */
  errorFormat?: { api: string; render(err: AppError, now: Date): { contentType: string; body: string } };
}
