import type { RequestContext } from '../../http/context.js';
import type { NetworkNoticeDoc } from './networkStatus.types.js';
import { selectFields } from '../../http/tmfQuery.js';
import { RESOURCES } from '../registry.js';

export const NETWORK_STATUS_BASE = RESOURCES.networkStatusNotice.basePath;

/** A notice as its reader may see it (the service's view) -> NetworkStatusNotice: href added, `fields=` applied. */
export function presentNetworkStatusNotice(doc: NetworkNoticeDoc, href: RequestContext['href'], fields?: string[]) {
  return selectFields({ ...doc, href: href(NETWORK_STATUS_BASE, `/networkStatusNotice/${doc.id}`) }, fields);
}
