import { RECORD_STATUSES, recordLifecycle, type RecordStatus } from '../lifecycle.js';
import type { StatusProfile } from '../standard.js';

/**
 * TMF621 trouble ticket lifecycle, after MEF 124 (src/modules/lifecycle.ts
 * `recordLifecycle`, shared with service problems): the responsible organisation
 * acknowledges, rejects, works, holds and resolves; the reporter cancels, accepts a
 * resolution (closes) or reopens it.
 */
export const STATUSES = RECORD_STATUSES;
export type TicketStatus = RecordStatus;
export type Side = 'reporter' | 'responsible';

const lifecycle = recordLifecycle<Side>({ noun: 'a ticket', reporter: 'reporter', unacknowledge: false });

export const TRANSITIONS = lifecycle.transitions;
export const FINAL = lifecycle.final;
export const reasonRequired = lifecycle.reasonRequired;
export const viaAcknowledged = lifecycle.viaAcknowledged;
/** Moves this side may make from a status. */
export const allowedMoves = lifecycle.allowedMoves;
export const checkTransition = lifecycle.checkTransition;
export const TICKET_LIFECYCLE = lifecycle.forCore;
export const TICKET_STATUS_PROFILE: StatusProfile = { ...lifecycle.statusProfile, noun: 'a trouble ticket' };
