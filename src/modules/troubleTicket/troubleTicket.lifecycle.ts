import { sidedLifecycle } from '../lifecycle.js';
import type { StatusProfile } from '../standard.js';

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

/**
 * Issue 11: a standard client sees a `submitted` ticket as `acknowledged` and may move it
 * on as from `acknowledged`. From the responsible side such a move acknowledges the
 * ticket on the way (both steps recorded in the history, two status change events).
 */
export function viaAcknowledged(from: TicketStatus, to: TicketStatus, side: Side): boolean {
  return (
    from === 'submitted' && !(to in TRANSITIONS.submitted) && (TRANSITIONS.acknowledged[to] ?? []).includes(side) && side === 'responsible'
  );
}

const lifecycle = sidedLifecycle({ noun: 'a ticket', transitions: TRANSITIONS, reasonRequired });
/** The lifecycle as the two-party core uses it (src/modules/twoParty.ts). */
export const TICKET_LIFECYCLE = {
  checkTransition: (from: string, to: string, side: Side, reason: string | undefined) =>
    lifecycle.checkTransition(from as TicketStatus, to as TicketStatus, side, reason),
  final: FINAL as ReadonlySet<string>,
  viaAcknowledged: (from: string, to: string, side: Side) => viaAcknowledged(from as TicketStatus, to as TicketStatus, side),
};
/** Moves this side may make from a status. */
export const allowedMoves = lifecycle.allowedMoves;
export const checkTransition = lifecycle.checkTransition;

/**
 * Issue 11: `submitted` is not a TMF621 status. Responses show it as `acknowledged` (the
 * standard's initial state) with `gridlinkStatus: submitted`; a create may send either.
 */
export const TICKET_STATUS_PROFILE: StatusProfile = {
  standardOf: { submitted: 'acknowledged' },
  initial: { acknowledged: 'submitted', submitted: 'submitted' },
  noun: 'a trouble ticket',
};
