import type { RequestContext } from '../../http/context.js';
import type { OutageNoticeDoc, OutageSiteReportDoc } from './energyOutage.types.js';
import { selectFields } from '../../http/tmfQuery.js';
import { RESOURCES } from '../registry.js';

export const ENERGY_OUTAGE_BASE = RESOURCES.energyOutageNotice.basePath;
type Href = RequestContext['href'];

/** A notice as its reader may see it (the service's view) -> EnergyOutageNotice: href added, `fields=` applied. */
export function presentEnergyOutageNotice(doc: OutageNoticeDoc, href: Href, fields?: string[]) {
  return selectFields({ ...doc, href: href(ENERGY_OUTAGE_BASE, `/energyOutageNotice/${doc.id}`) }, fields);
}

/** Stored site report -> OutageSiteReport: href added. */
export function presentOutageSiteReport(report: OutageSiteReportDoc, href: Href) {
  return { ...report, href: href(ENERGY_OUTAGE_BASE, `/siteReport/${report.id}`) };
}
