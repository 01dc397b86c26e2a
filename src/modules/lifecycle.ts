import { conflict, unprocessable } from '../http/errors.js';

/**
 * Status tables, checked the same way everywhere: a refused move is a 409 that lists the
 * moves allowed from the current status, so a client can correct itself.
 */

/** A lifecycle where each move belongs to some sides of a two-party record (ticket, problem). */
export function sidedLifecycle<S extends string, Side extends string>(def: {
  /** How the message names the record: "a ticket", "a service problem". */
  noun: string;
  transitions: Record<S, Partial<Record<S, Side[]>>>;
  reasonRequired: (from: S, to: S) => boolean;
}) {
  const allowedMoves = (from: S, side: Side): S[] =>
    (Object.entries(def.transitions[from]) as [S, Side[]][]).filter(([, sides]) => sides.includes(side)).map(([to]) => to);
  const checkTransition = (from: S, to: S, side: Side, reason: string | undefined): void => {
    const sides = def.transitions[from][to];
    if (!sides || !sides.includes(side)) {
      const allowed = allowedMoves(from, side);
      throw conflict(
        `The ${side} cannot move ${def.noun} from ${from} to ${to}. Allowed for the ${side} from ${from}: ${allowed.length ? allowed.join(', ') : 'none'}`,
        'INVALID_TRANSITION',
      );
    }
    if (def.reasonRequired(from, to) && !reason?.trim()) {
      throw unprocessable(`statusChangeReason is required to move ${def.noun} from ${from} to ${to}`, 'REASON_REQUIRED');
    }
  };
  return { allowedMoves, checkTransition };
}

/** A lifecycle driven by one party (a notice's publisher): the move is allowed or not. */
export function checkMove<S extends string>(transitions: Record<S, readonly S[]>, noun: string, from: S, to: S): void {
  if (!transitions[from].includes(to)) {
    const allowed = transitions[from];
    throw conflict(
      `A ${from} ${noun} cannot become ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none (final state)'}`,
      'INVALID_TRANSITION',
    );
  }
}

/** The statuses of a TMF621 trouble ticket / TMF656 service problem (Gridlink's `submitted` first). */
export const RECORD_STATUSES = [
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
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/**
 * The two-party record lifecycle after MEF 124, shared by trouble tickets (TMF621) and
 * service problems (TMF656): the responsible organisation acknowledges, rejects, works,
 * holds and resolves; the reporter (TMF656: originator) cancels, accepts a resolution
 * (closes) or reopens it. `submitted` is Gridlink's state between creation and
 * acknowledgement (the SLA response clock runs there). The differences are options:
 * the reporter side's name, and whether the responsible side may roll an acknowledgement
 * back (TMF656 problemUnacknowledgement).
 */
export function recordLifecycle<Side extends string>(opts: { noun: string; reporter: Side; unacknowledge: boolean }) {
  type S = RecordStatus;
  const R = ['responsible' as Side];
  const REP = [opts.reporter];
  const BOTH = [opts.reporter, 'responsible' as Side];
  const transitions: Record<S, Partial<Record<S, Side[]>>> = {
    submitted: { acknowledged: R, rejected: R, cancelled: REP },
    acknowledged: {
      ...(opts.unacknowledge ? { submitted: R } : {}),
      inProgress: R,
      pending: R,
      held: R,
      resolved: R,
      rejected: R,
      cancelled: REP,
    },
    inProgress: { pending: R, held: R, resolved: R, cancelled: REP },
    pending: { inProgress: BOTH, resolved: R, cancelled: REP },
    held: { inProgress: R, resolved: R, cancelled: REP },
    resolved: { closed: REP, inProgress: REP },
    rejected: {},
    closed: {},
    cancelled: {},
  };
  const final: ReadonlySet<S> = new Set<S>(['rejected', 'closed', 'cancelled']);
  const reasonRequired = (from: S, to: S): boolean =>
    to === 'rejected' || to === 'pending' || to === 'held' || (from === 'resolved' && to === 'inProgress');
  /**
   * Issue 11: a standard client sees a `submitted` record as `acknowledged` and may move it
   * on as from `acknowledged`. From the responsible side such a move acknowledges the
   * record on the way (both steps recorded in the history, two status change events).
   */
  const viaAcknowledged = (from: S, to: S, side: Side): boolean =>
    from === 'submitted' &&
    side === ('responsible' as Side) &&
    !(to in transitions.submitted) &&
    (transitions.acknowledged[to] ?? []).includes(side);
  const sided = sidedLifecycle({ noun: opts.noun, transitions, reasonRequired });
  /**
   * Issue 11: `submitted` is not a TMF621/TMF656 status. Responses show it as `acknowledged`
   * (the standard's initial state) with `gridlinkStatus: submitted`; a create may send either.
   */
  const statusProfile = {
    standardOf: { submitted: 'acknowledged' },
    initial: { acknowledged: 'submitted', submitted: 'submitted' },
    ignoredOnCreate: ['inProgress', 'pending', 'held'],
    noun: opts.noun,
  };
  return {
    transitions,
    final,
    reasonRequired,
    viaAcknowledged,
    allowedMoves: sided.allowedMoves,
    checkTransition: sided.checkTransition,
    statusProfile,
    /** As the two-party core uses it (src/modules/twoParty.ts). */
    forCore: {
      checkTransition: (from: string, to: string, side: Side, reason: string | undefined) =>
        sided.checkTransition(from as S, to as S, side, reason),
      final: final as ReadonlySet<string>,
      viaAcknowledged: (from: string, to: string, side: Side) => viaAcknowledged(from as S, to as S, side),
    },
  };
}
