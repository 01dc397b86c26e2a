import { parseArea } from '../../geo/geo.js';
import type { Database } from '../../db/client.js';
import { unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { JsonSchema } from '../../http/tmfQuery.js';
import { createNoticeCore } from '../notice/notice.core.js';
import { RESOURCES } from '../registry.js';
import { networkImpact, noticeIdentifiers } from './networkStatus.impact.js';
import type { AffectedSiteRow } from './networkStatus.repository.js';
import type { NetworkNoticeDoc } from './networkStatus.types.js';
import type { components } from '../../generated/openapi/networkStatus.js';
import { checkNetworkTransition, FINAL, initialNetworkStatus, type NetworkStatus } from './networkStatus.lifecycle.js';

const networkStatusTable = RESOURCES.networkStatusNotice.store;
export const NETWORK_STATUS_SORTABLE = Object.keys(networkStatusTable.def.columns);

type NetworkBody = components['schemas']['NetworkStatusNotice_FVO'];
/** What the rules read: a create body or a stored notice. */
type Checked = Pick<NetworkNoticeDoc, 'maintenanceWindow' | 'startTime' | 'expectedRestorationTime'> & {
  affectedArea?: NetworkNoticeDoc['affectedArea'];
};

/** Rules the schema cannot say: an area to match, valid GeoJSON, windows and times in order. */
function checkNotice(doc: Checked, checkTimes = true) {
  const aa = doc.affectedArea ?? {};
  if (!aa.geoArea && noticeIdentifiers(doc).length === 0) {
    throw unprocessable(
      'affectedArea needs a geoArea or at least one cellId or trackingAreaId (or a maintenanceWindow with cellId)',
      'AREA_REQUIRED',
    );
  }
  if (aa.geoArea) parseArea(aa.geoArea, 'affectedArea.geoArea');
  (doc.maintenanceWindow ?? []).forEach((w, i) => {
    if (new Date(w.validFor.endDateTime) <= new Date(w.validFor.startDateTime)) {
      throw unprocessable(`maintenanceWindow[${i}].validFor: endDateTime must be after startDateTime`, 'INVALID_PERIOD');
    }
  });
  if (checkTimes && doc.startTime && doc.expectedRestorationTime && new Date(doc.expectedRestorationTime) < new Date(doc.startTime)) {
    throw unprocessable('expectedRestorationTime must not be before startTime', 'INVALID_PERIOD');
  }
}

export type NetworkStatusService = ReturnType<typeof createNetworkStatusService>;

/**
 * NS-1 network status notices, MNO -> DSOs, on the notice core; what is their own: the
 * notice lifecycle and its times, maintenance windows, cell-based matching.
 */
export function createNetworkStatusService(deps: { db: Database; now: () => Date; schemas: { output: JsonSchema; create: JsonSchema } }) {
  const core = createNoticeCore<NetworkStatus, AffectedSiteRow, NetworkNoticeDoc, NetworkBody>(
    {
      resource: RESOURCES.networkStatusNotice,
      noun: { one: 'a network status notice', many: 'network status notices' },
      publisher: 'MNO',
      area: { of: (doc) => doc.affectedArea?.geoArea, path: 'affectedArea.geoArea' },
      lifecycle: { initial: initialNetworkStatus, check: checkNetworkTransition, final: FINAL },
      impact: networkImpact,
      impactFields: ['affectedArea', 'maintenanceWindow', 'impact', 'status'],
      checkInput: (body) => checkNotice(body),
      complete(doc, body, ts) {
        // Active now, or from the first maintenance window.
        const windows = (doc.maintenanceWindow ?? []).map((w) => w.validFor.startDateTime).sort();
        const startTime = doc.startTime ?? (doc.status === 'active' ? ts : windows[0]);
        return {
          ...doc,
          '@type': 'NetworkStatusNotice',
          affectedArea: doc.affectedArea ?? {},
          noticeKind: body.noticeKind ?? 'unplanned',
          ...(startTime ? { startTime } : {}),
        };
      },
      checkCreated: (doc) => checkNotice(doc),
      amend({ after, rest, from, to, ts }) {
        if (from !== to) {
          if (to === 'active' && !after.startTime) after.startTime = ts;
          // A problem that comes back is not restored any more.
          if (to === 'active' && from === 'resolved' && rest.actualRestorationTime === undefined) delete after.actualRestorationTime;
          if (to === 'resolved' && !after.actualRestorationTime) after.actualRestorationTime = ts;
        }
        checkNotice(after, 'startTime' in rest || 'expectedRestorationTime' in rest);
      },
    },
    deps,
  );
  return {
    store: core.store,
    viewFor: core.viewFor,
    list: core.list,
    get: core.get,
    create: core.create,
    /** Only the publishing MNO patches (no If-Match on this API). */
    patch: (actor: Parameters<typeof core.patch>[0], id: string, patchBody: JsonObject) => core.patch(actor, id, patchBody),
    impact: core.impact,
    counterpartOf: core.counterpartOf,
    listParams: core.listParams,
  };
}
