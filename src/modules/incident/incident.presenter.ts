import { selectFields } from '../../http/tmfQuery.js';
import { withStandardTypes } from '../standard.js';

export const INCIDENT_BASE = '/tmf-api/Incident/v4';
type Href = (basePath: string, path: string) => string;
type Doc = Record<string, unknown>;

/** Stored document -> TMF724 Incident (href added, `fields=` applied). */
export function presentIncident(doc: Doc, href: Href, fields?: string[]) {
  const id = String(doc.id);
  // Issue 11: @type on every nested object (party refs, entity refs ...).
  return selectFields({ ...withStandardTypes(doc), id, href: href(INCIDENT_BASE, `/incident/${id}`) }, fields);
}

/** diagnoseIncident / resolveIncident task resources. */
export function presentIncidentTask(doc: Doc, resource: string, href: Href, fields?: string[]) {
  const id = String(doc.id);
  const incident = doc.incident as { id: string } | undefined;
  return selectFields(
    {
      ...doc,
      id,
      href: href(INCIDENT_BASE, `/${resource}/${id}`),
      ...(incident ? { incident: { ...incident, href: href(INCIDENT_BASE, `/incident/${incident.id}`) } } : {}),
    },
    fields,
  );
}
