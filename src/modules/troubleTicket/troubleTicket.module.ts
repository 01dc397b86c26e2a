import type { GridlinkModule, ModuleContext } from '../types.js';
import { RESOURCES, resourceHub } from '../registry.js';
import { componentSchema } from '../shared.js';
import { troubleTicketHandlers } from './troubleTicket.handlers.js';

export const TROUBLE_TICKET_EVENTS = [
  'TroubleTicketCreateEvent',
  'TroubleTicketAttributeValueChangeEvent',
  'TroubleTicketStatusChangeEvent',
  'TroubleTicketDeleteEvent',
  'TroubleTicketResolvedEvent',
  'TroubleTicketInformationRequiredEvent',
];

export function troubleTicketModule(ctx: ModuleContext): GridlinkModule {
  const output = componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket');
  return {
    name: 'troubleTicket',
    // Issue 5: links to problems, incidents and outage notices (see src/modules/links).
    handlers: troubleTicketHandlers(ctx.services.troubleTicket, output, ctx.services.links),
    hubs: [
      resourceHub(RESOURCES.troubleTicket, {
        schema: output,
        carries: ['troubleTicket'],
        eventTypes: TROUBLE_TICKET_EVENTS,
      }),
    ],
  };
}
