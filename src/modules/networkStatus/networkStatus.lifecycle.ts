import { checkMove } from '../lifecycle.js';

/** NS-1 notice status lifecycle, as Gridlink enforces it (publishing MNO only). */
export const NETWORK_STATUSES = ['planned', 'active', 'resolved', 'closed', 'cancelled'] as const;
export type NetworkStatus = (typeof NETWORK_STATUSES)[number];

export const NETWORK_TRANSITIONS: Record<NetworkStatus, NetworkStatus[]> = {
  planned: ['active', 'cancelled'],
  active: ['resolved', 'cancelled'],
  resolved: ['closed', 'active'],
  closed: [],
  cancelled: [],
};

/** Notices whose impact is (or is about to be) real: only these affect DSO sites. */
export const AFFECTING: readonly NetworkStatus[] = ['planned', 'active'];
export const FINAL: readonly NetworkStatus[] = ['closed', 'cancelled'];

/** Where a new notice starts: planned work is planned, anything else active (unless the MNO says). */
export const initialNetworkStatus = (body: { status?: NetworkStatus; noticeKind?: string }): NetworkStatus =>
  body.status ?? ((body.noticeKind ?? 'unplanned') === 'planned' ? 'planned' : 'active');

export function checkNetworkTransition(from: NetworkStatus, to: NetworkStatus): void {
  checkMove(NETWORK_TRANSITIONS, 'notice', from, to);
}
