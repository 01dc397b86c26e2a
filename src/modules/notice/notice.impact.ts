import type { Reader, Tx } from '../../db/client.js';
import type { NewEvent } from '../../events/outbox.js';
import type { JsonObject } from '../../http/patch.js';
import { audienceOf, publisherOf, type NoticeParties } from './notice.audience.js';
import { impactRows, replaceImpact, type ImpactTable, type ImpactValues } from './notice.repository.js';

/** A site that a notice's area or identifiers matched, as a kind's match query returns it. */
export interface MatchedSite {
  id: string;
  /** The audience member that owns the site. */
  org_id: string;
  matched_by: string;
}

/**
 * How one kind of notice matches, stores and announces its per-site impact (EO-1 outage
 * notices: the audience MNOs' sites; NS-1 network status notices: the audience DSOs' sites).
 * An audience member sees its own sites; the publisher only aggregates per member.
 */
export interface NoticeImpact<Site extends MatchedSite, D extends NoticeParties & { id: string }> extends ImpactTable {
  /** The columns whose change is news to the site's owner (as is a changed `matched_by`). */
  compare: readonly string[];
  /** The `view` of the impact resource: the publisher's and an audience member's. */
  views: { publisher: string; audience: string };
  eventType: string;
  resourceType: string;
  /** Whether the notice affects sites in its current status (otherwise its impact is emptied). */
  affects(doc: D): boolean;
  match(tx: Tx, doc: D, recipients: string[]): Promise<Site[]>;
  /** The stored `columns` of a matched site, given its row before this refresh (if any). */
  values(site: Site, old: ImpactValues | undefined, doc: D, t: Date): ImpactValues;
  /** How a recipient's sites appear in its impact events. */
  presenter(doc: D): (site: Site, values: ImpactValues) => JsonObject;
  /** The description of a recipient's impact event. */
  describe(sites: JsonObject[]): string;
  /** The publisher's view: aggregates per audience member, never a member's site list. */
  summaries(tx: Reader, doc: D): Promise<unknown[]>;
  /** An audience member's view: its own impacted sites, as stored. */
  sitesOf(tx: Reader, doc: D, recipient: string): Promise<unknown[]>;
}

const sameValue = (a: unknown, b: unknown) =>
  (a instanceof Date ? a.getTime() : (a ?? null)) === (b instanceof Date ? b.getTime() : (b ?? null));

/**
 * Recomputes and stores a notice's impact (in the caller's transaction); returns the
 * impact-change events: to each audience member whose sites changed, its own sites; to the
 * publisher, the aggregates per member.
 */
export async function refreshImpact<Site extends MatchedSite, D extends NoticeParties & { id: string }>(
  spec: NoticeImpact<Site, D>,
  tx: Tx,
  doc: D,
  t: Date,
  originator: string,
): Promise<NewEvent[]> {
  const noticeId = doc.id;
  const audience = audienceOf(doc);
  const matched = spec.affects(doc) ? await spec.match(tx, doc, audience) : [];
  const old = await impactRows(tx, spec, noticeId);
  const oldBy = new Map(old.map((o) => [o.site_id, o]));
  const changed = new Set<string>();
  const next = matched.map((site) => {
    const o = oldBy.get(site.id);
    const values = spec.values(site, o, doc, t);
    if (!o || o.matched_by !== site.matched_by || spec.compare.some((c) => !sameValue(o[c], values[c]))) changed.add(site.org_id);
    return { site, values };
  });
  const nextIds = new Set(matched.map((s) => s.id));
  for (const o of old) if (!nextIds.has(o.site_id)) changed.add(o.recipient);

  await replaceImpact(
    tx,
    spec,
    noticeId,
    next.map((n) => ({ siteId: n.site.id, recipient: n.site.org_id, matchedBy: n.site.matched_by, values: n.values })),
  );
  if (changed.size === 0) return [];

  const present = spec.presenter(doc);
  const event = (view: string, body: JsonObject, recipient: string, description?: string): NewEvent => ({
    eventType: spec.eventType,
    resourceType: spec.resourceType,
    resource: { id: noticeId, notice: { id: noticeId }, view, ...body },
    audience: [recipient],
    originatorOrgId: originator,
    eventTime: t,
    ...(description !== undefined ? { description } : {}),
  });
  const events = [...changed].map((recipient) => {
    const sites = next.filter((n) => n.site.org_id === recipient).map((n) => present(n.site, n.values));
    return event(spec.views.audience, { sites }, recipient, spec.describe(sites));
  });
  events.push(event(spec.views.publisher, { summary: await spec.summaries(tx, doc) }, publisherOf(doc)));
  return events;
}
