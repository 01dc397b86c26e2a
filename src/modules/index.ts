import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { HandlerMap } from '../http/context.js';
import { newAjv, type LoadedApi } from '../http/openapi.js';
import { partyHandlers } from './party/party.handlers.js';
import { createPartyService, type PartyService } from './party/party.service.js';
import { componentSchema } from './shared.js';
import { troubleTicketHandlers } from './troubleTicket/troubleTicket.handlers.js';
import { createTroubleTicketService, type TroubleTicketService } from './troubleTicket/troubleTicket.service.js';

export interface Services {
  party: PartyService;
  troubleTicket: TroubleTicketService;
}

/** The composition root for resource modules: services from their dependencies, then handlers. */
export function createModules(deps: { db: Database; now: () => Date; apis: LoadedApi[]; config: Config }): { handlers: HandlerMap; services: Services } {
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
    handlers: { ...partyHandlers(party, apis), ...troubleTicketHandlers(troubleTicket, ttOutput) },
  };
}
