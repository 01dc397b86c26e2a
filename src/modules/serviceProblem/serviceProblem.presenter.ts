import { selectFields } from '../../http/tmfQuery.js';
import { presentStatus, withStandardTypes } from '../standard.js';
import { PROBLEM_STATUS_PROFILE } from './serviceProblem.lifecycle.js';

/** The standard representation of a stored problem (responses and events). */
export const standardProblem = (doc: Doc): Doc => withStandardTypes(presentStatus(doc, PROBLEM_STATUS_PROFILE));

export const SERVICE_PROBLEM_BASE = '/tmf-api/serviceProblemManagement/v5';
type Href = (basePath: string, path: string) => string;
type Doc = Record<string, unknown>;

const problemHref = (href: Href, id: string, base = SERVICE_PROBLEM_BASE) => href(base, `/serviceProblem/${id}`);

function withHref(href: Href, ref: unknown, base = SERVICE_PROBLEM_BASE): unknown {
  const r = ref as { id?: string } | undefined;
  return r?.id ? { ...r, href: problemHref(href, r.id, base) } : ref;
}
const refs = (href: Href, list: unknown, base = SERVICE_PROBLEM_BASE) =>
  Array.isArray(list) ? list.map((r) => withHref(href, r, base)) : list;

/** Stored document -> TMF656 ServiceProblem (hrefs added, `fields=` applied). */
export function presentServiceProblem(doc: Doc, href: Href, fields?: string[]) {
  const id = String(doc.id);
  // Issue 11: standard status values (gridlinkStatus for Gridlink's own) and @type everywhere.
  const out: Doc = { ...standardProblem(doc), id, href: problemHref(href, id) };
  for (const k of ['parentProblem', 'underlyingProblem']) if (out[k]) out[k] = refs(href, out[k]);
  return selectFields(out, fields);
}

/**
 * Task resources: problemAcknowledgement, problemUnacknowledgement, problemGroup,
 * problemUngroup. `base` is the API they are read through (v5, or the v4 profile: the same
 * representation, hrefs under that API).
 */
export function presentProblemTask(doc: Doc, resource: string, href: Href, fields?: string[], base = SERVICE_PROBLEM_BASE) {
  const id = String(doc.id);
  const out: Doc = { ...doc, id, href: href(base, `/${resource}/${id}`) };
  for (const k of ['problem', 'ackProblem', 'unackProblem', 'childProblem']) if (out[k]) out[k] = refs(href, out[k], base);
  if (out.parentProblem) out.parentProblem = withHref(href, out.parentProblem, base);
  return selectFields(out, fields);
}

export function presentEventRecord(doc: Doc, href: Href, fields?: string[], base = SERVICE_PROBLEM_BASE) {
  const id = String(doc.id);
  return selectFields(
    {
      ...doc,
      id,
      href: href(base, `/serviceProblemEventRecord/${id}`),
      serviceProblem: withHref(href, doc.serviceProblem, base),
    },
    fields,
  );
}
