import { newAjv } from '../../http/openapi.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { createLinkService } from '../links/links.service.js';
import { componentSchema } from '../shared.js';
import { serviceProblemHandlers } from './serviceProblem.handlers.js';
import { createServiceProblemService, type ServiceProblemService } from './serviceProblem.service.js';
import { RESOURCES, resourceHub } from '../registry.js';

export const SERVICE_PROBLEM_EVENTS = [
  'ServiceProblemCreateEvent',
  'ServiceProblemAttributeValueChangeEvent',
  'ServiceProblemStateChangeEvent',
  'ServiceProblemInformationRequiredEvent',
  'ServiceProblemDeleteEvent',
  'ProblemAcknowledgementCreateEvent',
  'ProblemUnacknowledgementCreateEvent',
  'ProblemGroupCreateEvent',
  'ProblemUngroupCreateEvent',
];

/** TMF656 Service Problem Management v5 (PI-1). */
export function serviceProblemModule(ctx: ModuleContext): GridlinkModule & { service: ServiceProblemService } {
  const api = 'serviceProblem';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const output = schema('ServiceProblem');
  const links = createLinkService({ db: ctx.db, apis: ctx.apis });
  const service = createServiceProblemService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    links,
    schemas: { output, create: schema('ServiceProblem_FVO'), patch: newAjv().compile(schema('ServiceProblem_MVO')) },
  });
  return {
    name: 'serviceProblem',
    service,
    handlers: serviceProblemHandlers(service, links, {
      serviceProblem: output,
      eventRecord: schema('ServiceProblemEventRecord'),
      tasks: {
        ProblemAcknowledgement: schema('ProblemAcknowledgement'),
        ProblemUnacknowledgement: schema('ProblemUnacknowledgement'),
        ProblemGroup: schema('ProblemGroup'),
        ProblemUngroup: schema('ProblemUngroup'),
      },
    }),
    hubs: [
      resourceHub(RESOURCES.serviceProblem, {
        schema: output,
        carries: ['serviceProblem', 'problemAcknowledgement', 'problemUnacknowledgement', 'problemGroup', 'problemUngroup'],
        eventTypes: SERVICE_PROBLEM_EVENTS,
      }),
    ],
  };
}
