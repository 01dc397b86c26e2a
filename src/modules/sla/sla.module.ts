import { newAjv } from '../../http/openapi.js';
import type { JsonObject } from '../../http/patch.js';
import type { JobDefinition } from '../../jobs/scheduler.js';
import { createEnergyOutageService } from '../energyOutage/energyOutage.service.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { createLinkService } from '../links/links.service.js';
import { createServiceProblemService } from '../serviceProblem/serviceProblem.service.js';
import { componentSchema } from '../shared.js';
import { reportHandlers } from './report.handlers.js';
import { createExportService, type ExportService } from './sla.exports.js';
import { createSlaService, type SlaService } from './sla.service.js';

export const REPORT_EVENTS = ['SlaBreachWarningEvent', 'SlaBreachEvent', 'DataExportCreateEvent'];

/** Defaults for the few places that build modules without a loaded configuration. */
const FALLBACK = {
  sla: { cron: '* * * * *', warningPercent: 80, autoCloseAfterMs: 72 * 3_600_000, autoCloseCron: '*/5 * * * *' },
  exports: { dir: './.data/exports', cron: '30 1 * * *' },
};

/**
 * SLA tiers and clocks, ticket auto-close, KPIs and the nightly exports (ETL-1), with the
 * small Gridlink Report API that serves KPIs and an organisation's own export files.
 */
export function slaModule(ctx: ModuleContext): GridlinkModule & { service: { sla: SlaService; exports: ExportService } } {
  const api = 'report';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const config = () => ({
    sla: ctx.config.sla ?? FALLBACK.sla,
    exports: ctx.config.exports ?? FALLBACK.exports,
    baseUrl: ctx.config.baseUrl,
  });
  const links = createLinkService({ db: ctx.db, apis: ctx.apis });
  const problems = createServiceProblemService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    links,
    schemas: {
      output: componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem'),
      create: componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem_FVO'),
      patch: newAjv().compile(componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem_MVO')),
    },
  });
  // Outage notices are exported as each organisation may see them (the outage module's rule).
  const outages = ctx.apis.some((a) => a.name === 'energyOutage')
    ? createEnergyOutageService({
        db: ctx.db,
        now: ctx.now,
        party: ctx.party,
        schemas: {
          output: componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice'),
          create: componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice_FVO'),
        },
      })
    : undefined;
  const sla = createSlaService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    problems,
    settings: () => ({ ...config().sla, baseUrl: config().baseUrl }),
  });
  const exports = createExportService({
    db: ctx.db,
    now: ctx.now,
    links,
    settings: () => ({ dir: config().exports.dir, baseUrl: config().baseUrl }),
    outageView: (orgId, doc) =>
      outages ? outages.viewFor(orgId, doc) : (Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_'))) as JsonObject),
  });
  const jobs: JobDefinition[] = [
    {
      name: 'sla-clock',
      schedule: config().sla.cron,
      timeoutMs: 50_000,
      description: 'SLA response/resolution clocks of tickets, problems and incidents: breach warnings and breaches, each once',
      run: () => sla.runClocks(),
    },
    {
      name: 'ticket-auto-close',
      schedule: config().sla.autoCloseCron,
      timeoutMs: 4 * 60_000,
      description: 'close resolved tickets after the quiet period (GRIDLINK_AUTO_CLOSE_HOURS) unless reopened',
      run: () => sla.autoClose(),
    },
    {
      name: 'nightly-export',
      schedule: config().exports.cron,
      timeoutMs: 30 * 60_000,
      description: "ETL-1: each organisation's records of the previous day as CSV and NDJSON with a manifest",
      run: () => exports.run(),
    },
  ];
  return {
    name: 'sla',
    service: { sla, exports },
    handlers: reportHandlers(sla, exports, { dataExport: schema('DataExport'), slaTarget: schema('SlaTarget') }),
    hubs: [
      {
        api,
        basePath: ctx.apis.find((a) => a.name === api)!.basePath,
        resourceType: 'slaClock',
        schema: schema('SlaClock'),
        carries: ['slaClock', 'dataExport'],
        eventTypes: REPORT_EVENTS,
      },
    ],
    jobs,
  };
}
