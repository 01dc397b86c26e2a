import type { RequestContext } from '../../http/context.js';
import type { SiteDoc } from './site.types.js';
import { selectFields } from '../../http/tmfQuery.js';
import { RESOURCES } from '../registry.js';

export const SITE_REGISTER_BASE = RESOURCES.mnoSite.basePath;

/** Stored site -> MnoSite / DsoSite (`kind` is the collection: mnoSite, dsoSite): href added, `fields=` applied. */
export function presentSite(kind: string, doc: SiteDoc, href: RequestContext['href'], fields?: string[]) {
  return selectFields({ ...doc, href: href(SITE_REGISTER_BASE, `/${kind}/${doc.id}`) }, fields);
}
