import { newAjv } from '../../http/openapi.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { createLinkService } from '../links/links.service.js';
import { createServiceProblemService } from '../serviceProblem/serviceProblem.service.js';
import { componentSchema } from '../shared.js';
import { incidentHandlers } from './incident.handlers.js';
import { createIncidentService, type IncidentService } from './incident.service.js';
import { RESOURCES, resourceHub } from '../registry.js';

export const INCIDENT_EVENTS = [
  'IncidentCreateEvent',
  'IncidentStateChangeEvent',
  'IncidentAttributeValueChangeEvent',
  'DiagnoseIncidentCreateEvent',
  'ResolveIncidentCreateEvent',
];

/** TMF724 Incident v4 (PI-2, EV-1). */
export function incidentModule(ctx: ModuleContext): GridlinkModule & { service: IncidentService } {
  const api = 'incident';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const output = schema('Incident');
  const links = createLinkService({ db: ctx.db, apis: ctx.apis });
  // Clearing an incident notes it on linked problems; the problem service owns that write.
  const problems = createServiceProblemService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    links,
    schemas: {
      output: componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem'),
      create: componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem_FVO'),
      patch: newAjv().compile(componentSchema(ctx.apis, 'serviceProblem', 'ServiceProblem_MVO')),
    },
  });
  const service = createIncidentService({
    db: ctx.db,
    now: ctx.now,
    party: ctx.party,
    links,
    problems,
    schemas: { output, create: schema('Incident_FVO'), diagnose: schema('DiagnoseIncident_FVO'), resolve: schema('ResolveIncident_FVO') },
  });
  return {
    name: 'incident',
    service,
    handlers: incidentHandlers(service, links, {
      incident: output,
      DiagnoseIncident: schema('DiagnoseIncident'),
      ResolveIncident: schema('ResolveIncident'),
    }),
    hubs: [
      resourceHub(RESOURCES.incident, {
        schema: output,
        carries: ['incident', 'diagnoseIncident', 'resolveIncident'],
        eventTypes: INCIDENT_EVENTS,
      }),
    ],
  };
}
