import { RECORD_STATUSES, recordLifecycle, type RecordStatus } from '../lifecycle.js';
import type { StatusProfile } from '../standard.js';

/**
 * TMF656 service problem lifecycle (PI-1), the same record lifecycle as trouble tickets
 * (src/modules/lifecycle.ts `recordLifecycle`) with two differences: the reporting side is
 * the *originator*, and the responsible organisation may roll an acknowledgement back
 * (problemUnacknowledgement: TMF656 v5 does not list `submitted` in ServiceProblemStateType,
 * but its unacknowledgement task rolls problems back "from Acknowledged to Submitted").
 */
export const PROBLEM_STATUSES = RECORD_STATUSES;
export type ProblemStatus = RecordStatus;
export type ProblemSide = 'originator' | 'responsible';

const lifecycle = recordLifecycle<ProblemSide>({ noun: 'a service problem', reporter: 'originator', unacknowledge: true });

export const PROBLEM_TRANSITIONS = lifecycle.transitions;
export const PROBLEM_FINAL = lifecycle.final;
export const problemReasonRequired = lifecycle.reasonRequired;
export const problemViaAcknowledged = lifecycle.viaAcknowledged;
export const allowedProblemMoves = lifecycle.allowedMoves;
export const checkProblemTransition = lifecycle.checkTransition;
export const PROBLEM_LIFECYCLE = lifecycle.forCore;
export const PROBLEM_STATUS_PROFILE: StatusProfile = lifecycle.statusProfile;
