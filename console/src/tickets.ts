import type { Ticket } from './api';
import type { Me } from './session';

/** Gridlink-only states may travel in the extension `gridlinkStatus`; show that when present. */
export const ticketStatus = (t: Ticket): string => (t as Ticket & { gridlinkStatus?: string }).gridlinkStatus ?? t.status;

/** The same for one entry of `statusChangeHistory` (the opening `submitted` is shown to standard clients as `acknowledged`). */
export const exactStatus = (h: { status: string; gridlinkStatus?: string }): string => h.gridlinkStatus ?? h.status;

export const STATUSES = ['submitted', 'acknowledged', 'inProgress', 'pending', 'held', 'resolved', 'rejected', 'closed', 'cancelled'];
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'];
export const TICKET_TYPES = ['assistance', 'degraded', 'down', 'failure', 'installation', 'maintenance'];

/**
 * The lifecycle table of the Trouble Ticket API (openapi/troubleTicket.yaml, README): which
 * moves each side may make, and which need a reason. The server is the judge (a refused
 * move is a 409 naming the allowed moves, which the ticket page then shows instead).
 */
const MOVES: Record<string, { responsible: string[]; reporter: string[] }> = {
  submitted: { responsible: ['acknowledged', 'rejected'], reporter: ['cancelled'] },
  acknowledged: { responsible: ['inProgress', 'pending', 'held', 'resolved', 'rejected'], reporter: ['cancelled'] },
  inProgress: { responsible: ['pending', 'held', 'resolved'], reporter: ['cancelled'] },
  pending: { responsible: ['inProgress', 'resolved'], reporter: ['inProgress', 'cancelled'] },
  held: { responsible: ['inProgress', 'resolved'], reporter: ['cancelled'] },
  resolved: { responsible: [], reporter: ['closed', 'inProgress'] },
};
const NEEDS_REASON = new Set([
  'submitted>rejected',
  'acknowledged>pending',
  'acknowledged>held',
  'acknowledged>rejected',
  'inProgress>pending',
  'inProgress>held',
  'resolved>inProgress',
]);

export const partyOf = (t: Ticket, role: string): { id: string; name?: string } | undefined => {
  const p = t.relatedParty.find((r) => r.role === role)?.partyOrPartyRole as { id?: string; name?: string } | undefined;
  return p?.id ? { id: p.id, ...(p.name ? { name: p.name } : {}) } : undefined;
};

export function sideOf(t: Ticket, me: Me): 'reporter' | 'responsible' | undefined {
  if (partyOf(t, 'reporter')?.id === me.organizationId) return 'reporter';
  if (partyOf(t, 'responsible')?.id === me.organizationId) return 'responsible';
  return undefined;
}

export function allowedMoves(t: Ticket, me: Me): { to: string; needsReason: boolean }[] {
  const side = sideOf(t, me);
  const from = ticketStatus(t);
  if (!side || me.role === 'viewer') return [];
  return (MOVES[from]?.[side] ?? []).map((to) => ({ to, needsReason: NEEDS_REASON.has(`${from}>${to}`) }));
}

export const LABEL: Record<string, string> = {
  acknowledged: 'Acknowledge',
  rejected: 'Reject',
  cancelled: 'Cancel ticket',
  inProgress: 'Start work',
  pending: 'Ask reporter (pending)',
  held: 'Hold',
  resolved: 'Resolve',
  closed: 'Accept & close',
};
