import type { Tx } from '../../db/client.js';
import type { NewEvent } from '../../events/outbox.js';
import type { JsonObject } from '../../http/patch.js';
import type { OrganizationActor } from '../../http/context.js';
import { unprocessable } from '../../http/errors.js';
import { organizationById } from '../party/party.repository.js';
import { activePartners } from './notice.repository.js';

export type OrgRef = { id: string; name?: string; '@referredType'?: string };

/** Who a notice is from and to: what every stored notice has (`publisher`, `audience`). */
export type NoticeParties = { publisher: OrgRef; audience: OrgRef[] };

/** The organisation that published a notice. */
export const publisherOf = (doc: NoticeParties): string => doc.publisher.id;
/** The organisations a notice is addressed to. */
export const audienceOf = (doc: NoticeParties): string[] => doc.audience.map((a) => a.id);

/**
 * Who a notice goes to (EO-1 outage notices from a DSO, NS-1 network status notices from an
 * MNO): the publisher's active partners of the other kind — all of them, or the ones named
 * in `requested`, each of which must be one (GW-9) — with their names, and the publisher's name.
 */
export async function resolveAudience(
  tx: Tx,
  actor: OrganizationActor,
  requested: OrgRef[] | undefined,
): Promise<{ audience: OrgRef[]; publisherName: string }> {
  const partners = await activePartners(tx, actor.organizationId, actor.organizationKind);
  const kind = actor.organizationKind === 'DSO' ? 'MNO' : 'DSO';
  let audience: OrgRef[];
  if (requested) {
    const ids = [...new Set(requested.map((a) => a.id))];
    const bad = ids.filter((id) => !partners.some((p) => p.id === id));
    if (bad.length)
      throw unprocessable(`audience: ${bad.join(', ')} is not an active ${kind} partner of your organisation`, 'NOT_A_PARTNER');
    audience = ids.map((id) => ({ id, name: partners.find((p) => p.id === id)!.name, '@referredType': 'Organization' }));
  } else {
    audience = partners.map((p) => ({ id: p.id, name: p.name, '@referredType': 'Organization' }));
    if (audience.length === 0) throw unprocessable(`Your organisation has no active ${kind} partner to notify`, 'NO_AUDIENCE');
  }
  const publisherName = (await organizationById(tx, actor.organizationId))!.name;
  return { audience, publisherName };
}

/**
 * A notice's events, one per recipient with that recipient's view (`viewFor`), so no
 * audience member learns about another: the publisher and every audience member (or only
 * `onlyTo` of them).
 */
export function perRecipientEvents<D extends NoticeParties & { id: string }>(e: {
  eventType: string;
  resourceType: string;
  doc: D;
  /** The organisation whose action this is. */
  originator: string;
  t: Date;
  description?: string;
  onlyTo?: string;
  viewFor: (orgId: string, doc: D) => JsonObject & { id: string };
}): NewEvent[] {
  const members = audienceOf(e.doc).filter((m) => !e.onlyTo || m === e.onlyTo);
  return [publisherOf(e.doc), ...members].map((org) => ({
    eventType: e.eventType,
    resourceType: e.resourceType,
    resource: e.viewFor(org, e.doc),
    audience: [org],
    originatorOrgId: e.originator,
    eventTime: e.t,
    ...(e.description ? { description: e.description } : {}),
  }));
}
