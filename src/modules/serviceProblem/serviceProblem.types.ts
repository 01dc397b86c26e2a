import type { components } from '../../generated/openapi/serviceProblem.js';
import type { WithoutHref } from '../documents.js';

type Api = components['schemas'];

/**
 * A service problem as `service_problem.doc` stores it (issue 15: typed from the document's
 * schema). `status` is Gridlink's own status (the presenter maps it to the standard one);
 * `href` is added on presentation.
 */
export type StoredProblem = Omit<Api['ServiceProblem'], 'href' | 'status' | 'gridlinkStatus'> & {
  status: Api['GridlinkProblemStatus'];
};

export type ProblemRef = Api['ServiceProblemRef'];
export type TrackingRecord = Api['TrackingRecord'];

/** The four TMF656 task resources, stored in one table (`@type` tells them apart); `href` is added on presentation. */
export type StoredProblemTask = WithoutHref<
  Api['ProblemAcknowledgement'] | Api['ProblemUnacknowledgement'] | Api['ProblemGroup'] | Api['ProblemUngroup']
>;
