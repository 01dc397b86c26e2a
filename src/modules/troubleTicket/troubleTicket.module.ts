import { newAjv } from '../../http/openapi.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';
import { createLinkService } from '../links/links.service.js';
import { troubleTicketHandlers } from './troubleTicket.handlers.js';
import { createTroubleTicketService, type TroubleTicketService } from './troubleTicket.service.js';
import { RESOURCES, resourceHub } from '../registry.js';

export const TROUBLE_TICKET_EVENTS = [
  'TroubleTicketCreateEvent',
  'TroubleTicketAttributeValueChangeEvent',
  'TroubleTicketStatusChangeEvent',
  'TroubleTicketDeleteEvent',
  'TroubleTicketResolvedEvent',
  'TroubleTicketInformationRequiredEvent',
];

export function troubleTicketModule(ctx: ModuleContext): GridlinkModule & { service: TroubleTicketService } {
  const output = componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket');
  // Issue 5: links to problems, incidents and outage notices (see src/modules/links).
  const links = createLinkService({ db: ctx.db, apis: ctx.apis });
  const service = createTroubleTicketService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    links,
    schemas: {
      output,
      create: componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket_FVO'),
      patch: newAjv().compile(componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket_MVO')),
    },
  });
  return {
    name: 'troubleTicket',
    service,
    handlers: troubleTicketHandlers(service, output, links),
    hubs: [
      resourceHub(RESOURCES.troubleTicket, {
        schema: output,
        carries: ['troubleTicket'],
        eventTypes: TROUBLE_TICKET_EVENTS,
      }),
    ],
  };
}
