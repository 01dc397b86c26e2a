import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Webhooks, HubDescriptor } from '../events/webhooks.js';
import type { HandlerMap } from '../http/context.js';
import { newAjv, type LoadedApi } from '../http/openapi.js';
import { hubHandlers } from './hub/hub.handlers.js';
import { partyHandlers } from './party/party.handlers.js';
import { createPartyService, type PartyService } from './party/party.service.js';
import { componentSchema } from './shared.js';
import { troubleTicketHandlers } from './troubleTicket/troubleTicket.handlers.js';
import { createTroubleTicketService, type TroubleTicketService } from './troubleTicket/troubleTicket.service.js';

export interface Services {
  party: PartyService;
  troubleTicket: TroubleTicketService;
}

export const TROUBLE_TICKET_EVENTS = [
  'TroubleTicketCreateEvent',
  'TroubleTicketAttributeValueChangeEvent',
  'TroubleTicketStatusChangeEvent',
  'TroubleTicketDeleteEvent',
  'TroubleTicketResolvedEvent',
  'TroubleTicketInformationRequiredEvent',
];

export const PLATFORM_EVENTS = [
  'PartnershipCreateEvent',
  'PartnershipStatusChangeEvent',
  'DeliveryFailedEvent',
  'HubDeliveryDeadLetterEvent',
  'HubEndpointUnhealthyEvent',
];

/** Each API document's hub: the events it carries and the schema its filters use. */
export function hubDescriptors(apis: LoadedApi[]): HubDescriptor[] {
  const base = (name: string) => apis.find((a) => a.name === name)!.basePath;
  return [
    {
      api: 'troubleTicket',
      basePath: base('troubleTicket'),
      resourceType: 'troubleTicket',
      schema: componentSchema(apis, 'troubleTicket', 'TroubleTicket'),
      eventTypes: TROUBLE_TICKET_EVENTS,
    },
    { api: 'party', basePath: base('party'), resourceType: undefined, schema: undefined, eventTypes: PLATFORM_EVENTS },
  ];
}

/** The composition root for resource modules: services from their dependencies, then handlers. */
export function createModules(deps: { db: Database; now: () => Date; apis: LoadedApi[]; config: Config; webhooks: Webhooks; hubs: HubDescriptor[] }): {
  handlers: HandlerMap;
  services: Services;
} {
  const { db, now, apis } = deps;
  const party = createPartyService({ db, now });
  const ttOutput = componentSchema(apis, 'troubleTicket', 'TroubleTicket');
  const troubleTicket = createTroubleTicketService({
    db,
    now,
    party,
    schemas: {
      output: ttOutput,
      create: componentSchema(apis, 'troubleTicket', 'TroubleTicket_FVO'),
      patch: newAjv().compile(componentSchema(apis, 'troubleTicket', 'TroubleTicket_MVO')),
    },
  });
  return {
    services: { party, troubleTicket },
    handlers: {
      ...partyHandlers(party, apis),
      ...troubleTicketHandlers(troubleTicket, ttOutput),
      ...Object.assign({}, ...deps.hubs.map((h) => hubHandlers(deps.webhooks, h.api))),
    },
  };
}
