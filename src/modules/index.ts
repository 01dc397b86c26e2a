import type { HubDescriptor, Webhooks } from '../events/webhooks.js';
import type { HandlerMap } from '../http/context.js';
import { newAjv } from '../http/openapi.js';
import { auditModule } from './audit/audit.module.js';
import { createAuditService } from './audit/audit.service.js';
import { energyOutageModule } from './energyOutage/energyOutage.module.js';
import { createEnergyOutageService } from './energyOutage/energyOutage.service.js';
import { hubHandlers } from './hub/hub.handlers.js';
import { iec61968Module, sizeInBytes } from './iec61968/iec61968.module.js';
import { createIecBridge } from './iec61968/iec61968.service.js';
import { createXsdValidator } from './iec61968/iec61968.xsd.js';
import { identityModule } from './identity/identity.module.js';
import { createIdentityService } from './identity/identity.service.js';
import { incidentModule } from './incident/incident.module.js';
import { createIncidentService } from './incident/incident.service.js';
import { linksModule } from './links/links.module.js';
import { createLinkService } from './links/links.service.js';
import { networkStatusModule } from './networkStatus/networkStatus.module.js';
import { createNetworkStatusService } from './networkStatus/networkStatus.service.js';
import { oauthModule } from './oauth/oauth.module.js';
import { createOAuth } from './oauth/oauth.service.js';
import { partyModule } from './party/party.module.js';
import { createPartyService } from './party/party.service.js';
import { profilesModule } from './profiles/profiles.module.js';
import { serviceProblemModule } from './serviceProblem/serviceProblem.module.js';
import { createServiceProblemService } from './serviceProblem/serviceProblem.service.js';
import { componentSchema } from './shared.js';
import { siteModule } from './site/site.module.js';
import { DSO_SITE, MNO_SITE } from './site/site.kinds.js';
import { createSiteService } from './site/site.service.js';
import { slaModule } from './sla/sla.module.js';
import { createSlaClocks } from './sla/sla.clocks.js';
import { createExportService } from './sla/sla.exports.js';
import { createSlaService } from './sla/sla.service.js';
import { troubleTicketModule } from './troubleTicket/troubleTicket.module.js';
import { createTroubleTicketService } from './troubleTicket/troubleTicket.service.js';
import type { GridlinkModule, Infrastructure, ModuleContext, Services } from './types.js';

export type { GridlinkModule, Infrastructure, ModuleContext, Services } from './types.js';

/** Defaults for the few places that build the services without a loaded configuration. */
const FALLBACK = {
  sla: { cron: '* * * * *', warningPercent: 80, autoCloseAfterMs: 72 * 3_600_000, autoCloseCron: '*/5 * * * *' },
  exports: { dir: './.data/exports', cron: '30 1 * * *' },
};

/**
 * Every service, each built once, in dependency order. A service that needs another
 * module's service gets this one (its only way to change that module's records).
 */
export function createServices(infra: Infrastructure): Services {
  const { db, now, apis, config, log } = infra;
  const schema = (api: string, name: string) => componentSchema(apis, api, name);
  // One validator instance per service, as each module had its own.
  const validators = () => {
    const ajv = newAjv();
    return (api: string, name: string) => ajv.compile(schema(api, name));
  };

  const party = createPartyService({ db, now });
  const links = createLinkService({ db, apis });
  const oauth = createOAuth({ db, now, ttlSeconds: config.security.tokenTtlSeconds, apiNames: () => apis.map((a) => a.name) });
  const troubleTicket = createTroubleTicketService({
    db,
    now,
    party,
    links,
    schemas: {
      output: schema('troubleTicket', 'TroubleTicket'),
      create: schema('troubleTicket', 'TroubleTicket_FVO'),
      patch: validators()('troubleTicket', 'TroubleTicket_MVO'),
    },
  });
  const slaClocks = createSlaClocks();
  const serviceProblem = createServiceProblemService({
    db,
    now,
    party,
    links,
    slaClocks,
    schemas: {
      output: schema('serviceProblem', 'ServiceProblem'),
      create: schema('serviceProblem', 'ServiceProblem_FVO'),
      patch: validators()('serviceProblem', 'ServiceProblem_MVO'),
    },
  });
  // Clearing an incident notes it on linked problems; the problem service owns that write.
  const incident = createIncidentService({
    db,
    now,
    party,
    links,
    problems: serviceProblem,
    schemas: {
      output: schema('incident', 'Incident'),
      create: schema('incident', 'Incident_FVO'),
      diagnose: schema('incident', 'DiagnoseIncident_FVO'),
      resolve: schema('incident', 'ResolveIncident_FVO'),
    },
  });
  const energyOutage = createEnergyOutageService({
    db,
    now,
    party,
    schemas: { output: schema('energyOutage', 'EnergyOutageNotice'), create: schema('energyOutage', 'EnergyOutageNotice_FVO') },
  });
  const networkStatus = createNetworkStatusService({
    db,
    now,
    schemas: { output: schema('networkStatus', 'NetworkStatusNotice'), create: schema('networkStatus', 'NetworkStatusNotice_FVO') },
  });
  const siteSchema = validators();
  const site = {
    mno: createSiteService({
      db,
      now,
      kind: MNO_SITE,
      validateCreate: siteSchema('siteRegister', 'MnoSite_FVO'),
      validatePatch: siteSchema('siteRegister', 'MnoSite_MVO'),
    }),
    dso: createSiteService({
      db,
      now,
      kind: DSO_SITE,
      validateCreate: siteSchema('siteRegister', 'DsoSite_FVO'),
      validatePatch: siteSchema('siteRegister', 'DsoSite_MVO'),
    }),
  };
  const settings = () => ({
    sla: config.sla ?? FALLBACK.sla,
    exports: config.exports ?? FALLBACK.exports,
    baseUrl: config.baseUrl,
  });
  const sla = createSlaService({
    db,
    now,
    party,
    problems: serviceProblem,
    tickets: troubleTicket,
    incidents: incident,
    settings: () => ({ ...settings().sla, baseUrl: settings().baseUrl }),
  });
  const exports = createExportService({
    db,
    now,
    links,
    settings: () => ({ dir: settings().exports.dir, baseUrl: settings().baseUrl }),
    // Outage notices are exported as each organisation may see them (the outage module's rule).
    outageView: (orgId, doc) => energyOutage.viewFor(orgId, doc),
  });
  const audit = createAuditService({ db });
  const identity = createIdentityService({ db, now, config, gateway: infra.gateway, sessions: infra.sessions });
  const xsd = createXsdValidator();
  const iecSchema = validators();
  const iec61968 = createIecBridge({
    db,
    now,
    log,
    party,
    tickets: troubleTicket,
    outages: energyOutage,
    xsd,
    idempotency: infra.idempotency,
    schemas: {
      ticketCreate: iecSchema('troubleTicket', 'TroubleTicket_FVO'),
      noticeCreate: iecSchema('energyOutage', 'EnergyOutageNotice_FVO'),
      ticketOutput: schema('troubleTicket', 'TroubleTicket'),
      noticeOutput: schema('energyOutage', 'EnergyOutageNotice'),
    },
    maxInflatedBytes: sizeInBytes(config.bodyLimit),
  });
  return {
    party,
    links,
    oauth,
    troubleTicket,
    serviceProblem,
    incident,
    energyOutage,
    networkStatus,
    site,
    sla,
    slaClocks,
    exports,
    audit,
    identity,
    iec61968,
    xsd,
  };
}

/**
 * The composition root: every service built once (`createServices`), then every module
 * given them through its context. Adding a module = one line here plus its OpenAPI
 * document; the hub operations of every document are generated from `hubs`.
 */
export function createModules(infra: Infrastructure): {
  modules: GridlinkModule[];
  hubs: HubDescriptor[];
  services: Services;
  withHubHandlers(webhooks: Webhooks): HandlerMap;
} {
  const services = createServices(infra);
  const ctx: ModuleContext = { ...infra, party: services.party, services };
  const modules: GridlinkModule[] = [
    partyModule(ctx),
    oauthModule(ctx),
    troubleTicketModule(ctx),
    siteModule(ctx),
    energyOutageModule(ctx),
    networkStatusModule(ctx),
    serviceProblemModule(ctx),
    incidentModule(ctx),
    linksModule(ctx),
    slaModule(ctx),
    auditModule(ctx),
    identityModule(ctx),
    // Older API versions (TMF621 v4, TMF656 v4): mappings over the services above.
    profilesModule(ctx),
    iec61968Module(ctx),
  ];
  const hubs = modules.flatMap((m) => m.hubs);
  return {
    modules,
    hubs,
    services,
    withHubHandlers: (webhooks) =>
      Object.assign(
        {},
        ...modules.map((m) => m.handlers),
        ...hubs.map((h) => hubHandlers(webhooks, h.api, infra.apis.find((a) => a.name === h.api)?.operationIds ?? [])),
      ) as HandlerMap,
  };
}
