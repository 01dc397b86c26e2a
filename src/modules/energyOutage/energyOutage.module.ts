import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';
import { energyOutageHandlers } from './energyOutage.handlers.js';
import { etrWatchJob } from './energyOutage.watch.js';
import { createEnergyOutageService, type EnergyOutageService } from './energyOutage.service.js';
import { RESOURCES, resourceHub } from '../registry.js';

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

export function energyOutageModule(ctx: ModuleContext): GridlinkModule & { service: EnergyOutageService } {
  const output = componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice');
  const service = createEnergyOutageService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    schemas: { output, create: componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice_FVO') },
  });
  return {
    name: 'energyOutage',
    service,
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
