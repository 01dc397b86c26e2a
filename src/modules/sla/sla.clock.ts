/**
 * SLA clocks computed from a resource's status timeline, so pausing and resuming need no
 * stored timer state: the elapsed time of a clock is the time the resource spent in the
 * statuses where that clock runs.
 *
 * * response (acknowledge) clock: runs while `submitted` (before acknowledgement, and again
 *   after an unacknowledgement); stops at any other status.
 * * resolution clock: runs while `submitted`, `acknowledged` or `inProgress`; paused while
 *   `pending` (waiting for the reporter) or `held`; stops at `resolved` (a reopened resource
 *   runs again), `closed`, `rejected` or `cancelled`.
 *
 * Incidents have no status history; their timeline is creation (`submitted`), `ackTime`
 * (`acknowledged`) and the moment they were cleared (`resolved`).
 */
export type ClockKind = 'response' | 'resolution';
export const CLOCK_KINDS: ClockKind[] = ['response', 'resolution'];

export interface TimelineEntry {
  status: string;
  at: number;
}

const RUNNING: Record<ClockKind, ReadonlySet<string>> = {
  response: new Set(['submitted']),
  resolution: new Set(['submitted', 'acknowledged', 'inProgress']),
};
const PAUSED: Record<ClockKind, ReadonlySet<string>> = {
  response: new Set(),
  resolution: new Set(['pending', 'held']),
};
/** End statuses after which the clock does not count for compliance (withdrawn or refused). */
const VOID: Record<ClockKind, ReadonlySet<string>> = {
  response: new Set(['cancelled']),
  resolution: new Set(['cancelled', 'rejected']),
};

export type ClockState = 'running' | 'paused' | 'stopped';
export type ClockOutcome = 'met' | 'breached' | 'void' | undefined;

export interface ClockReading {
  elapsedMs: number;
  state: ClockState;
  /** The status the resource is in at the time of reading. */
  status: string;
  /** For a stopped clock: met or breached against the target, or void (cancelled, rejected). */
  outcome: ClockOutcome;
}

export function readClock(kind: ClockKind, timeline: TimelineEntry[], at: number, targetMs: number): ClockReading {
  const entries = [...timeline].sort((a, b) => a.at - b.at).filter((e) => e.at <= at);
  let elapsedMs = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const end = i + 1 < entries.length ? entries[i + 1]!.at : at;
    if (RUNNING[kind].has(e.status)) elapsedMs += Math.max(0, end - e.at);
  }
  const status = entries[entries.length - 1]?.status ?? 'submitted';
  const state: ClockState = RUNNING[kind].has(status) ? 'running' : PAUSED[kind].has(status) ? 'paused' : 'stopped';
  let outcome: ClockOutcome;
  if (state === 'stopped') outcome = VOID[kind].has(status) ? 'void' : elapsedMs > targetMs ? 'breached' : 'met';
  else if (elapsedMs > targetMs) outcome = 'breached';
  return { elapsedMs, state, status, outcome };
}

/**
 * Status timeline from a TMF statusChangeHistory (tickets, service problems). A record
 * handed over by its reporter (issue 11: created without a responsible partner, named
 * later) starts its clocks at the hand-over: the time before it was the reporter's own.
 */
export function historyTimeline(history: unknown, created: Date, handOverDate?: unknown): TimelineEntry[] {
  const list = Array.isArray(history) ? (history as { status?: string; statusChangeDate?: string }[]) : [];
  const out = list
    .filter((h) => typeof h.status === 'string' && typeof h.statusChangeDate === 'string')
    .map((h) => ({ status: h.status!, at: new Date(h.statusChangeDate!).getTime() }))
    .sort((a, b) => a.at - b.at);
  const timeline = out.length ? out : [{ status: 'submitted', at: created.getTime() }];
  const start = typeof handOverDate === 'string' ? new Date(handOverDate).getTime() : NaN;
  if (Number.isNaN(start)) return timeline;
  // The status the record had at the hand-over, from then on; later changes as they were.
  const atStart = timeline.filter((e) => e.at <= start).pop()?.status ?? 'submitted';
  return [{ status: atStart, at: start }, ...timeline.filter((e) => e.at > start)];
}

/** Incident timeline: reported, acknowledged, cleared. */
export function incidentTimeline(created: Date, ackTime: Date | null, clearedAt: Date | null): TimelineEntry[] {
  const out: TimelineEntry[] = [{ status: 'submitted', at: created.getTime() }];
  if (ackTime) out.push({ status: 'acknowledged', at: ackTime.getTime() });
  if (clearedAt) out.push({ status: 'resolved', at: clearedAt.getTime() });
  return out.sort((a, b) => a.at - b.at);
}
