import { selectFields } from '../../http/tmfQuery.js';
import { presentStatus, withStandardTypes } from '../standard.js';
import { TICKET_STATUS_PROFILE } from './troubleTicket.lifecycle.js';

export const TROUBLE_TICKET_BASE = '/tmf-api/troubleTicket/v5';
type Href = (basePath: string, path: string) => string;

/**
 * Stored document -> TMF621 TroubleTicket: href added, standard status values (Gridlink's
 * exact state in `gridlinkStatus`), `@type` on every nested object, `fields=` applied.
 */
export function presentTroubleTicket(doc: Record<string, unknown>, href: Href, fields?: string[]) {
  const id = String(doc.id);
  const shown = withStandardTypes(presentStatus(doc, TICKET_STATUS_PROFILE));
  return selectFields({ ...shown, id, href: href(TROUBLE_TICKET_BASE, `/troubleTicket/${id}`) }, fields);
}
