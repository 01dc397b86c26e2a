import type { components } from '../../generated/openapi/incident.js';
import type { WithoutHref } from '../documents.js';

type Api = components['schemas'];

/** An incident as `incident.doc` stores it (issue 15: typed from the document's schema); `href` is added on presentation. */
export type StoredIncident = WithoutHref<Api['Incident']>;

/** PI-2: what the diagnosing organisation found. */
export type Finding = Api['IncidentFinding'];

/** diagnoseIncident / resolveIncident, stored in one table; `href` is added on presentation. */
export type StoredIncidentTask = WithoutHref<Api['DiagnoseIncident'] | Api['ResolveIncident']>;
