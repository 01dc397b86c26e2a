import { objectsIn } from '../../http/patch.js';

/**
 * ITIL priority from impact x urgency (domain.md): each of impact and urgency is
 * 1 High, 2 Medium or 3 Low, and the matrix gives 1 critical ... 5 planning:
 *
 *             urgency  High  Medium  Low
 *   impact High           1       2    3
 *          Medium         2       3    4
 *          Low            3       4    5
 *
 * The matrix is the sum of the two levels minus one. Each API has its own words for the
 * levels; the maps below translate them (TMF724's four-step scales fold their two top
 * steps into High).
 */
export type Level = 1 | 2 | 3;
export type ItilPriority = 1 | 2 | 3 | 4 | 5;

const MATRIX: Record<Level, Record<Level, ItilPriority>> = {
  1: { 1: 1, 2: 2, 3: 3 },
  2: { 1: 2, 2: 3, 3: 4 },
  3: { 1: 3, 2: 4, 3: 5 },
};

export function itilPriority(impact: Level, urgency: Level): ItilPriority {
  return MATRIX[impact][urgency];
}

export function isItilPriority(n: number): n is ItilPriority {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}

/** Gridlink's own scale (service problems, ticket characteristics). */
export const LEVEL: Record<string, Level> = { high: 1, medium: 2, low: 3 };

/** TMF724 Incident `impact` (extensive, significant, moderate, minor). */
export const INCIDENT_IMPACT: Record<string, Level> = { extensive: 1, significant: 1, moderate: 2, minor: 3 };
/** TMF724 Incident `urgency` (critical, high, medium, low). */
export const INCIDENT_URGENCY: Record<string, Level> = { critical: 1, high: 1, medium: 2, low: 3 };

/** TMF724 Incident `priority` <-> ITIL priority: critical 1, high 2, medium 3, low 4 and 5. */
export const INCIDENT_PRIORITY_OF_ITIL: Record<ItilPriority, string> = { 1: 'critical', 2: 'high', 3: 'medium', 4: 'low', 5: 'low' };
export const ITIL_OF_INCIDENT_PRIORITY: Record<string, ItilPriority> = { critical: 1, high: 2, medium: 3, low: 4 };

/** Trouble ticket severity read as impact at medium urgency, for tickets without a priority. */
export const ITIL_OF_TICKET_SEVERITY: Record<string, ItilPriority> = { critical: 2, major: 3, minor: 4, warning: 5 };

/**
 * The SLA class (1-5) of a resource's priority. TMF656 problems use 1 (highest) to 10;
 * 6-10 are all "planning" (5).
 */
export function slaClass(resourceType: string, doc: Record<string, unknown>): ItilPriority {
  if (resourceType === 'serviceProblem') {
    const p = Number(doc.priority);
    const capped = Math.min(p, 5);
    return isItilPriority(capped) ? capped : 3;
  }
  if (resourceType === 'incident') return ITIL_OF_INCIDENT_PRIORITY[String(doc.priority)] ?? 3;
  const p = Number(doc.priority);
  if (isItilPriority(p)) return p;
  const fromChars = priorityFromCharacteristics(doc.troubleTicketCharacteristic);
  if (fromChars) return fromChars;
  return ITIL_OF_TICKET_SEVERITY[String(doc.severity)] ?? 3;
}

/**
 * Tickets carry no impact/urgency attributes in TMF621; a client may send them as
 * characteristics `impact` and `urgency` (high | medium | low).
 */
export function priorityFromCharacteristics(chars: unknown): ItilPriority | undefined {
  if (!Array.isArray(chars)) return undefined;
  const value = (name: string) => {
    const c = objectsIn(chars).find((x) => x.name === name);
    return typeof c?.value === 'string' ? LEVEL[c.value.toLowerCase()] : undefined;
  };
  const impact = value('impact');
  const urgency = value('urgency');
  return impact && urgency ? itilPriority(impact, urgency) : undefined;
}
