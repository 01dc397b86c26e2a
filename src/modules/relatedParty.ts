import type { OrganizationActor } from '../http/context.js';
import { unprocessable } from '../http/errors.js';

/** A TMF `relatedParty` entry as tickets and incidents carry them. */
export interface PartyRef {
  role: string;
  partyOrPartyRole: { id: string; name?: string; '@referredType'?: string; '@type'?: string };
  '@type'?: string;
}

export interface CreateParties {
  /** The partner named with role `responsible`, if any. */
  responsibleId: string | undefined;
  /** The entries to store after the server's own `reporter` (and the responsible) entry. */
  others: PartyRef[];
}

/**
 * PI-2: the parties of a new ticket or incident. The reporter is always the caller (set by
 * the server). A `reporter` entry naming the caller's organisation is accepted and merged
 * into the server's one; a `reporter` entry naming someone else (a person, a system) is
 * kept as sent. At most one `responsible` entry names the partner, which cannot be the
 * caller itself. `filing` completes "an organisation cannot …".
 */
export function partiesOnCreate(related: PartyRef[], actor: OrganizationActor, filing: string): CreateParties {
  const responsibles = related.filter((p) => p.role === 'responsible');
  if (responsibles.length > 1) {
    throw unprocessable(
      'relatedParty: at most one entry with role "responsible" may name the partner organisation',
      'RESPONSIBLE_AMBIGUOUS',
    );
  }
  const responsibleId = responsibles[0]?.partyOrPartyRole.id;
  if (responsibleId === actor.organizationId) throw unprocessable(`relatedParty: an organisation cannot ${filing}`, 'INVALID_RESPONSIBLE');
  if (responsibleId && related.some((p) => p.role === 'reporter' && p.partyOrPartyRole.id === responsibleId)) {
    throw unprocessable(
      'relatedParty: the reporter is the calling organisation (set by the server); a "reporter" entry cannot name the responsible partner',
      'REPORTER_SET_BY_SERVER',
    );
  }
  const others = related.filter(
    (p) => p.role !== 'responsible' && !(p.role === 'reporter' && p.partyOrPartyRole.id === actor.organizationId),
  );
  return { responsibleId, others };
}

/** {@link partiesOnCreate} where a responsible partner is mandatory (incidents). */
export function responsibleOf(related: PartyRef[], actor: OrganizationActor, filing: string): string {
  const { responsibleId } = partiesOnCreate(related, actor, filing);
  if (!responsibleId) {
    throw unprocessable(
      'relatedParty: exactly one entry with role "responsible" must name the partner organisation',
      'RESPONSIBLE_REQUIRED',
    );
  }
  return responsibleId;
}

/** The responsible organisation's entry, built by the server from the partner's record. */
export function responsibleEntry(sent: PartyRef | undefined, id: string, name: string | undefined): PartyRef & { '@type': string } {
  return {
    ...(sent ?? {}),
    role: 'responsible',
    partyOrPartyRole: {
      ...(sent?.partyOrPartyRole ?? {}),
      id,
      ...(name ? { name } : {}),
      '@referredType': 'Organization',
      '@type': 'PartyRef',
    },
    '@type': sent?.['@type'] ?? 'RelatedPartyRefOrPartyRoleRef',
  };
}

/** The reporter's entry, built by the server for the caller's organisation. */
export function reporterEntry(id: string, name: string | undefined): PartyRef & { '@type': string } {
  return {
    role: 'reporter',
    partyOrPartyRole: { id, ...(name ? { name } : {}), '@referredType': 'Organization', '@type': 'PartyRef' },
    '@type': 'RelatedPartyRefOrPartyRoleRef',
  };
}
