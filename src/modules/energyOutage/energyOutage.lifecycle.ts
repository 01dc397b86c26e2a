import { checkMove } from '../lifecycle.js';

/** IEC CIM outage status lifecycle, as Gridlink enforces it (DSO only). */
export const OUTAGE_STATUSES = ['predicted', 'confirmed', 'partiallyRestored', 'restored', 'closed', 'cancelled'] as const;
export type OutageStatus = (typeof OUTAGE_STATUSES)[number];

export const OUTAGE_TRANSITIONS: Record<OutageStatus, OutageStatus[]> = {
  predicted: ['confirmed', 'cancelled'],
  confirmed: ['partiallyRestored', 'restored', 'cancelled'],
  partiallyRestored: ['confirmed', 'restored'],
  restored: ['closed', 'confirmed'],
  closed: [],
  cancelled: [],
};

/** Notices whose outage is still going on (ETR watch, "active" filter). */
export const ACTIVE_OUTAGE: readonly OutageStatus[] = ['predicted', 'confirmed', 'partiallyRestored'];

/** Notices that can no longer change (nor take answers or site reports). */
export const FINAL_OUTAGE: readonly OutageStatus[] = ['closed', 'cancelled'];

/** Where a new notice starts: a planned outage is predicted, any other confirmed (unless the DSO says). */
export const initialOutageStatus = (body: { status?: OutageStatus; outageKind?: string }): OutageStatus =>
  body.status ?? (body.outageKind === 'planned' ? 'predicted' : 'confirmed');

export function checkOutageTransition(from: OutageStatus, to: OutageStatus): void {
  checkMove(OUTAGE_TRANSITIONS, 'outage', from, to);
}
