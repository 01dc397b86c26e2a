import type { GridlinkModule, ModuleContext } from '../types.js';
import { RESOURCES, resourceHub } from '../registry.js';
import { componentSchema } from '../shared.js';
import { energyOutageHandlers } from './energyOutage.handlers.js';
import { etrWatchJob } from './energyOutage.watch.js';

export const ENERGY_OUTAGE_EVENTS = [
  'EnergyOutageNoticeCreateEvent',
  'EnergyOutageNoticeAttributeValueChangeEvent',
  'EnergyOutageNoticeStatusChangeEvent',
  'EnergyOutageEtrChangeEvent',
  'EnergyOutageImpactChangeEvent',
  'OutageSiteReportEvent',
  'PriorityRestorationDecisionEvent',
  'EtrOverdueEvent',
  'BackupExhaustionRiskEvent',
];

export function energyOutageModule(ctx: ModuleContext): GridlinkModule {
  const output = componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice');
  const service = ctx.services.energyOutage;
  return {
    name: 'energyOutage',
    handlers: energyOutageHandlers(service, output),
    hubs: [
      resourceHub(RESOURCES.energyOutageNotice, {
        schema: output,
        carries: ['energyOutageNotice', 'energyOutageImpact', 'outageSiteReport'],
        eventTypes: ENERGY_OUTAGE_EVENTS,
      }),
    ],
    jobs: [etrWatchJob({ db: ctx.db, now: ctx.now, viewFor: service.viewFor })],
  };
}
