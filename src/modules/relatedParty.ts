import type { OrganizationActor } from '../http/context.js';
import { unprocessable } from '../http/errors.js';

/** A TMF `relatedParty` entry as tickets and incidents carry them. */
export interface PartyRef {
  role: string;
  partyOrPartyRole: { id: string; name?: string; '@referredType'?: string };
  '@type'?: string;
}

/**
 * PI-2: the partner a new ticket or incident is filed with. The reporter is always the
 * caller (set by the server); exactly one `responsible` entry names the partner, which
 * cannot be the caller itself. `filing` completes "an organisation cannot …".
 */
export function responsibleOf(related: PartyRef[], actor: OrganizationActor, filing: string): string {
  if (related.some((p) => p.role === 'reporter')) {
    throw unprocessable(
      'relatedParty: the reporter is the authenticated organisation and is set by the server; remove the "reporter" entry',
      'REPORTER_SET_BY_SERVER',
    );
  }
  const responsibles = related.filter((p) => p.role === 'responsible');
  if (responsibles.length !== 1) {
    throw unprocessable(
      'relatedParty: exactly one entry with role "responsible" must name the partner organisation',
      'RESPONSIBLE_REQUIRED',
    );
  }
  const responsibleId = responsibles[0]!.partyOrPartyRole.id;
  if (responsibleId === actor.organizationId) throw unprocessable(`relatedParty: an organisation cannot ${filing}`, 'INVALID_RESPONSIBLE');
  return responsibleId;
}
