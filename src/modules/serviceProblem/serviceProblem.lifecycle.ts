import { sidedLifecycle } from '../lifecycle.js';
import type { StatusProfile } from '../standard.js';

/**
 * TMF656 service problem lifecycle (PI-1). The originator (usually the DSO whose
 * monitoring found the trend) raises the problem; the responsible organisation
 * acknowledges it (problemAcknowledgement), may roll that back (problemUnacknowledgement),
 * works, holds and resolves it; the originator cancels, accepts a resolution (closes) or
 * reopens it. `submitted` is the state before acknowledgement: TMF656 v5 does not list it
 * in ServiceProblemStateType, but its unacknowledgement task rolls problems back "from
 * Acknowledged to Submitted", and the SLA response clock runs there.
 */
export const PROBLEM_STATUSES = [
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
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];
export type ProblemSide = 'originator' | 'responsible';

const R: ProblemSide[] = ['responsible'];
const O: ProblemSide[] = ['originator'];
const BOTH: ProblemSide[] = ['originator', 'responsible'];

export const PROBLEM_TRANSITIONS: Record<ProblemStatus, Partial<Record<ProblemStatus, ProblemSide[]>>> = {
  submitted: { acknowledged: R, rejected: R, cancelled: O },
  acknowledged: { submitted: R, inProgress: R, pending: R, held: R, resolved: R, rejected: R, cancelled: O },
  inProgress: { pending: R, held: R, resolved: R, cancelled: O },
  pending: { inProgress: BOTH, resolved: R, cancelled: O },
  held: { inProgress: R, resolved: R, cancelled: O },
  resolved: { closed: O, inProgress: O },
  rejected: {},
  closed: {},
  cancelled: {},
};

export const PROBLEM_FINAL: ReadonlySet<ProblemStatus> = new Set(['rejected', 'closed', 'cancelled']);

export function problemReasonRequired(from: ProblemStatus, to: ProblemStatus): boolean {
  return to === 'rejected' || to === 'pending' || to === 'held' || (from === 'resolved' && to === 'inProgress');
}

const lifecycle = sidedLifecycle({ noun: 'a service problem', transitions: PROBLEM_TRANSITIONS, reasonRequired: problemReasonRequired });
export const allowedProblemMoves = lifecycle.allowedMoves;
export const checkProblemTransition = lifecycle.checkTransition;

/**
 * Issue 11: `submitted` is not a TMF656 state. Responses show it as `acknowledged` with
 * `gridlinkStatus: submitted`; a create may send either as the initial state.
 */
export const PROBLEM_STATUS_PROFILE: StatusProfile = {
  standardOf: { submitted: 'acknowledged' },
  initial: { acknowledged: 'submitted', submitted: 'submitted' },
  noun: 'a service problem',
};

/** Issue 11: the responsible side moving a submitted problem on as from acknowledged acknowledges it on the way. */
export function problemViaAcknowledged(from: ProblemStatus, to: ProblemStatus, side: ProblemSide): boolean {
  return (
    from === 'submitted' &&
    side === 'responsible' &&
    !(to in PROBLEM_TRANSITIONS.submitted) &&
    (PROBLEM_TRANSITIONS.acknowledged[to] ?? []).includes(side)
  );
}

/** The lifecycle as the two-party core uses it (src/modules/twoParty.ts). */
export const PROBLEM_LIFECYCLE = {
  checkTransition: (from: string, to: string, side: ProblemSide, reason: string | undefined) =>
    checkProblemTransition(from as ProblemStatus, to as ProblemStatus, side, reason),
  final: PROBLEM_FINAL as ReadonlySet<string>,
  viaAcknowledged: (from: string, to: string, side: ProblemSide) =>
    problemViaAcknowledged(from as ProblemStatus, to as ProblemStatus, side),
};
