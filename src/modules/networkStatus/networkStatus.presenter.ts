import type { RequestContext } from '../../http/context.js';
import type { JsonObject } from '../../http/patch.js';
import { selectFields } from '../../http/tmfQuery.js';
import { RESOURCES } from '../registry.js';

export const NETWORK_STATUS_BASE = RESOURCES.networkStatusNotice.basePath;

/** A notice as its reader may see it (the service's view) -> NetworkStatusNotice: href added, `fields=` applied. */
export function presentNetworkStatusNotice(doc: JsonObject, href: RequestContext['href'], fields?: string[]) {
  return selectFields({ ...doc, href: href(NETWORK_STATUS_BASE, `/networkStatusNotice/${doc.id as string}`) }, fields);
}
