import type { GridlinkModule, ModuleContext } from '../types.js';
import { RESOURCES, resourceHub } from '../registry.js';
import { componentSchema } from '../shared.js';
import { incidentHandlers } from './incident.handlers.js';

export const INCIDENT_EVENTS = [
  'IncidentCreateEvent',
  'IncidentStateChangeEvent',
  'IncidentAttributeValueChangeEvent',
  'DiagnoseIncidentCreateEvent',
  'ResolveIncidentCreateEvent',
];

/** TMF724 Incident v4 (PI-2, EV-1). */
export function incidentModule(ctx: ModuleContext): GridlinkModule {
  const api = 'incident';
  const schema = (name: string) => componentSchema(ctx.apis, api, name);
  const output = schema('Incident');
  return {
    name: 'incident',
    handlers: incidentHandlers(ctx.services.incident, ctx.services.links, {
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
