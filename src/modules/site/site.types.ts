import type { components } from '../../generated/openapi/siteRegister.js';

/** The site registers' stored documents, typed from their OpenAPI document (issue 15). */

type Schemas = components['schemas'];

/** A stored site (the `doc` column): the MnoSite / DsoSite resource without its `href` (the presenter adds it). */
export type MnoSiteDoc = Omit<Schemas['MnoSite'], 'href'>;
export type DsoSiteDoc = Omit<Schemas['DsoSite'], 'href'>;
export type SiteDoc = MnoSiteDoc | DsoSiteDoc;
