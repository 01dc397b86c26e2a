import { conflict } from '../../http/errors.js';

/**
 * TMF724 incident states: `raised` when reported, `updated` once diagnosed (by either
 * party, any number of times), `cleared` when resolved (final). `ackState` moves from
 * `unacknowledged` to `acknowledged` when the responsible organisation first diagnoses or
 * resolves the incident (PI-2: the MNO desk acknowledges, investigates, answers).
 */
export const INCIDENT_STATES = ['raised', 'updated', 'cleared'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
export type IncidentSide = 'reporter' | 'responsible';

export const INCIDENT_TRANSITIONS: Record<IncidentState, IncidentState[]> = {
  raised: ['updated', 'cleared'],
  updated: ['updated', 'cleared'],
  cleared: [],
};

/** The task resource that makes each move. */
const BY_TASK: Record<IncidentState, string> = { raised: 'createIncident', updated: 'diagnoseIncident', cleared: 'resolveIncident' };

export function checkIncidentTransition(from: IncidentState, to: IncidentState): void {
  if (!INCIDENT_TRANSITIONS[from].includes(to)) {
    const allowed = INCIDENT_TRANSITIONS[from];
    throw conflict(
      `An incident cannot move from ${from} to ${to}. Allowed from ${from}: ${
        allowed.length ? allowed.map((s) => `${s} (${BY_TASK[s]})`).join(', ') : 'none (cleared is final)'
      }`,
      'INVALID_TRANSITION',
    );
  }
}
