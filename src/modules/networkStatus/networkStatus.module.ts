import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';
import { networkStatusHandlers } from './networkStatus.handlers.js';
import { createNetworkStatusService, type NetworkStatusService } from './networkStatus.service.js';
import { RESOURCES, resourceHub } from '../registry.js';

export const NETWORK_STATUS_EVENTS = [
  'NetworkStatusNoticeCreateEvent',
  'NetworkStatusNoticeAttributeValueChangeEvent',
  'NetworkStatusNoticeStatusChangeEvent',
  'NetworkStatusImpactChangeEvent',
];

/** NS-1 network status notices, MNO -> DSO, with per-DSO site impact. */
export function networkStatusModule(ctx: ModuleContext): GridlinkModule & { service: NetworkStatusService } {
  const output = componentSchema(ctx.apis, 'networkStatus', 'NetworkStatusNotice');
  const service = createNetworkStatusService({
    db: ctx.db,
    now: ctx.now,
    schemas: { output, create: componentSchema(ctx.apis, 'networkStatus', 'NetworkStatusNotice_FVO') },
  });
  return {
    name: 'networkStatus',
    service,
    handlers: networkStatusHandlers(service, output),
    hubs: [
      resourceHub(RESOURCES.networkStatusNotice, {
        schema: output,
        carries: ['networkStatusNotice', 'networkStatusImpact'],
        eventTypes: NETWORK_STATUS_EVENTS,
      }),
    ],
  };
}
