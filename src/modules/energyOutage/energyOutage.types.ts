import type { components } from '../../generated/openapi/energyOutage.js';

/** The outage notice family's stored documents, typed from its OpenAPI document (issue 15). */

/** One CAP message of a notice: its revision number and when it was sent (energyOutage.cap.ts). */
export interface Revision {
  n: number;
  sent: string;
}

type Schemas = components['schemas'];

/**
 * A stored outage notice (the `doc` column): the EnergyOutageNotice resource without its
 * `href` (the presenter adds it), with the CAP revisions kept beside it (`_`-keys are never
 * shown, see the notice core's view).
 */
export type OutageNoticeDoc = Omit<Schemas['EnergyOutageNotice'], 'href'> & { _revisions?: Revision[] };

type Report = Schemas['OutageSiteReport'];
/** One entry of a site report's history: a report as it was made, or the DSO's decision on its request. */
export type ReportHistoryEntry = Partial<Pick<Report, 'powerStatus' | 'remainingMinutes' | 'priorityRestoration'>> & {
  reportedAt: string;
  decidedBy?: string;
};
/** A stored site report: the OutageSiteReport resource without its `href`, its history entries typed. */
export type OutageSiteReportDoc = Omit<Report, 'href' | 'history'> & { history: ReportHistoryEntry[] };
