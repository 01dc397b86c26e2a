import type { GridlinkModule, ModuleContext } from '../types.js';
import { RESOURCES, resourceHub } from '../registry.js';
import { componentSchema } from '../shared.js';
import { problemTaskSchemas, serviceProblemHandlers } from './serviceProblem.handlers.js';

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
export function serviceProblemModule(ctx: ModuleContext): GridlinkModule {
  const api = 'serviceProblem';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const output = schema('ServiceProblem');
  return {
    name: 'serviceProblem',
    handlers: serviceProblemHandlers(ctx.services.serviceProblem, ctx.services.links, {
      serviceProblem: output,
      ...problemTaskSchemas(schema),
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
