import { conflict, forbidden } from '../../http/errors.js';
import { isJsonObject } from '../../http/patch.js';

/**
 * Partnership lifecycle (GW-9). The proposer cannot activate its own proposal; the
 * side that suspended a partnership is the one that may re-activate it; either side may
 * terminate, and termination is final.
 */
export type PartnershipStatus = 'proposed' | 'active' | 'suspended' | 'terminated';

const moves: Record<PartnershipStatus, PartnershipStatus[]> = {
  proposed: ['active', 'terminated'],
  active: ['suspended', 'terminated'],
  suspended: ['active', 'terminated'],
  terminated: [],
};

/** One entry of a partnership's `statusChangeHistory` (a JSON column; a type alias, so it is a Prisma JSON value). */
export type StatusChangeEntry = {
  status: PartnershipStatus;
  statusChangeDate: string;
  statusChangeReason?: string;
  actor: { organizationId: string };
};

const isStatus = (v: unknown): v is PartnershipStatus => typeof v === 'string' && v in moves;

function isStatusChangeEntry(v: unknown): v is StatusChangeEntry {
  return (
    isJsonObject(v) &&
    isStatus(v.status) &&
    typeof v.statusChangeDate === 'string' &&
    isJsonObject(v.actor) &&
    typeof v.actor.organizationId === 'string'
  );
}

/** The entries of a stored `statusChangeHistory`. */
export function statusHistoryOf(stored: unknown): StatusChangeEntry[] {
  return Array.isArray(stored) ? stored.filter(isStatusChangeEntry) : [];
}

export function checkPartnershipMove(opts: {
  from: PartnershipStatus;
  to: PartnershipStatus;
  actorOrgId: string;
  proposedById: string;
  suspendedById: string | undefined;
}): void {
  const { from, to } = opts;
  if (!moves[from].includes(to)) {
    const allowed = moves[from];
    throw conflict(
      `A ${from} partnership cannot become ${to}; allowed: ${allowed.length ? allowed.join(', ') : 'none (final state)'}`,
      'INVALID_TRANSITION',
    );
  }
  if (from === 'proposed' && to === 'active' && opts.actorOrgId === opts.proposedById) {
    throw forbidden('Only the counterparty can accept (activate) a proposed partnership');
  }
  if (from === 'suspended' && to === 'active' && opts.suspendedById && opts.actorOrgId !== opts.suspendedById) {
    throw forbidden('Only the organisation that suspended this partnership can re-activate it');
  }
}
