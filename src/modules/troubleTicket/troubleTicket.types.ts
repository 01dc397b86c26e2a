import type { components } from '../../generated/openapi/troubleTicket.js';
import type { components as Problem } from '../../generated/openapi/serviceProblem.js';

type Api = components['schemas'];

/**
 * A trouble ticket as `trouble_ticket.doc` stores it (issue 15: typed from the document's
 * schema). It differs from the TMF621 resource: `status` is Gridlink's own status (the
 * presenter maps it to the standard one and keeps the exact one in `gridlinkStatus`), `href`
 * is added on presentation, and the SLA module appends `slaViolation`.
 */
export type StoredTicket = Omit<Api['TroubleTicket'], 'href' | 'status' | 'gridlinkStatus'> & {
  status: Api['GridlinkTicketStatus'];
  slaViolation?: Problem['schemas']['SLAViolationRef'][];
};
