import { selectFields } from '../../http/tmfQuery.js';

export const TROUBLE_TICKET_BASE = '/tmf-api/troubleTicket/v5';
type Href = (basePath: string, path: string) => string;

/** Stored document -> TMF621 TroubleTicket (href added, `fields=` applied). */
export function presentTroubleTicket(doc: Record<string, unknown>, href: Href, fields?: string[]) {
  const id = doc.id as string;
  return selectFields({ ...doc, id, href: href(TROUBLE_TICKET_BASE, `/troubleTicket/${id}`) }, fields);
}
