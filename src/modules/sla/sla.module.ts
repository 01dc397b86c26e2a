import type { JobDefinition } from '../../jobs/scheduler.js';
import type { GridlinkModule, ModuleContext } from '../types.js';
import { componentSchema } from '../shared.js';
import { reportHandlers } from './report.handlers.js';

export const REPORT_EVENTS = ['SlaBreachWarningEvent', 'SlaBreachEvent', 'DataExportCreateEvent'];

/** Defaults for the few places that build modules without a loaded configuration. */
const FALLBACK = {
  sla: { cron: '* * * * *', autoCloseCron: '*/5 * * * *' },
  exports: { cron: '30 1 * * *' },
};

/**
 * SLA tiers and clocks, ticket auto-close, KPIs and the nightly exports (ETL-1), with the
 * small Gridlink Report API that serves KPIs and an organisation's own export files.
 */
export function slaModule(ctx: ModuleContext): GridlinkModule {
  const api = 'report';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const config = () => ({ sla: ctx.config.sla ?? FALLBACK.sla, exports: ctx.config.exports ?? FALLBACK.exports });
  const { sla, exports } = ctx.services;
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
