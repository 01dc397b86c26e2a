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
