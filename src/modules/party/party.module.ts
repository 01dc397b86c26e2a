import type { GridlinkModule, ModuleContext } from '../types.js';
import { partyHandlers } from './party.handlers.js';

export const PLATFORM_EVENTS = [
  'PartnershipCreateEvent',
  'PartnershipStatusChangeEvent',
  'DeliveryFailedEvent',
  'HubDeliveryDeadLetterEvent',
  'HubEndpointUnhealthyEvent',
];

export function partyModule(ctx: ModuleContext): GridlinkModule {
  return {
    name: 'party',
    handlers: partyHandlers(ctx.services.party, ctx.apis),
    // Platform notices (delivery failures, endpoint health) travel on the party API's hub.
    hubs: [
      {
        api: 'party',
        basePath: ctx.apis.find((a) => a.name === 'party')!.basePath,
        resourceType: undefined,
        schema: undefined,
        carries: ['partnership', 'notification'],
        eventTypes: PLATFORM_EVENTS,
      },
    ],
  };
}
