import type { GridlinkModule, ModuleContext } from '../index.js';
import { partyHandlers } from './party.handlers.js';
import { createPartyService, type PartyService } from './party.service.js';

export const PLATFORM_EVENTS = [
  'PartnershipCreateEvent',
  'PartnershipStatusChangeEvent',
  'DeliveryFailedEvent',
  'HubDeliveryDeadLetterEvent',
  'HubEndpointUnhealthyEvent',
];

export function partyModule(ctx: Omit<ModuleContext, 'party'>): GridlinkModule & { service: PartyService } {
  const service = createPartyService({ db: ctx.db, now: ctx.now });
  return {
    name: 'party',
    service,
    handlers: partyHandlers(service, ctx.apis),
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
