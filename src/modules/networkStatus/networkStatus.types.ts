import type { components } from '../../generated/openapi/networkStatus.js';

/** The network status notices' stored document, typed from its OpenAPI document (issue 15). */

type Schemas = components['schemas'];

/**
 * A stored network status notice (the `doc` column): the NetworkStatusNotice resource without
 * its `href` (the presenter adds it). Maintenance windows are only ever written through the
 * create and patch schemas, which require both ends of `validFor`.
 */
export type NetworkNoticeDoc = Omit<Schemas['NetworkStatusNotice'], 'href' | 'maintenanceWindow'> & {
  maintenanceWindow?: Schemas['MaintenanceWindow_FVO'][];
};
