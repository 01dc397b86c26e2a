import type { GridlinkModule, ModuleContext } from '../types.js';
import { RESOURCES, resourceHub } from '../registry.js';
import { componentSchema } from '../shared.js';
import { networkStatusHandlers } from './networkStatus.handlers.js';

export const NETWORK_STATUS_EVENTS = [
  'NetworkStatusNoticeCreateEvent',
  'NetworkStatusNoticeAttributeValueChangeEvent',
  'NetworkStatusNoticeStatusChangeEvent',
  'NetworkStatusImpactChangeEvent',
];

/** NS-1 network status notices, MNO -> DSO, with per-DSO site impact. */
export function networkStatusModule(ctx: ModuleContext): GridlinkModule {
  const output = componentSchema(ctx.apis, 'networkStatus', 'NetworkStatusNotice');
  return {
    name: 'networkStatus',
    handlers: networkStatusHandlers(ctx.services.networkStatus, output),
    hubs: [
      resourceHub(RESOURCES.networkStatusNotice, {
        schema: output,
        carries: ['networkStatusNotice', 'networkStatusImpact'],
        eventTypes: NETWORK_STATUS_EVENTS,
      }),
    ],
  };
}
