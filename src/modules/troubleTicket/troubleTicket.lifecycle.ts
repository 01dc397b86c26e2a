import { sidedLifecycle } from '../lifecycle.js';

/**
 * TMF621 trouble ticket lifecycle, after MEF 124: the responsible organisation
 * acknowledges, rejects, works, holds and resolves; the reporter cancels, accepts a
 * resolution (closes) or reopens it. `submitted` is Gridlink's state between creation
 * and acknowledgement (the SLA response clock runs there).
 */
export const STATUSES = [
  'submitted',
  'acknowledged',
  'rejected',
  'pending',
  'held',
  'inProgress',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type TicketStatus = (typeof STATUSES)[number];
export type Side = 'reporter' | 'responsible';

const R: Side[] = ['responsible'];
const REP: Side[] = ['reporter'];
const BOTH: Side[] = ['reporter', 'responsible'];

export const TRANSITIONS: Record<TicketStatus, Partial<Record<TicketStatus, Side[]>>> = {
  submitted: { acknowledged: R, rejected: R, cancelled: REP },
  acknowledged: { inProgress: R, pending: R, held: R, resolved: R, rejected: R, cancelled: REP },
  inProgress: { pending: R, held: R, resolved: R, cancelled: REP },
  pending: { inProgress: BOTH, resolved: R, cancelled: REP },
  held: { inProgress: R, resolved: R, cancelled: REP },
  resolved: { closed: REP, inProgress: REP },
  rejected: {},
  closed: {},
  cancelled: {},
};

export const FINAL: ReadonlySet<TicketStatus> = new Set(['rejected', 'closed', 'cancelled']);

export function reasonRequired(from: TicketStatus, to: TicketStatus): boolean {
  return to === 'rejected' || to === 'pending' || to === 'held' || (from === 'resolved' && to === 'inProgress');
}

const lifecycle = sidedLifecycle({ noun: 'a ticket', transitions: TRANSITIONS, reasonRequired });
/** Moves this side may make from a status. */
export const allowedMoves = lifecycle.allowedMoves;
export const checkTransition = lifecycle.checkTransition;
