import type { ApiKey, Organization, Partnership } from '../../generated/prisma/client.js';

export const PARTY_BASE = '/tmf-api/party/v1';
type Href = (basePath: string, path: string) => string;

export function presentOrganization(o: Organization, href: Href) {
  return {
    id: o.id,
    href: href(PARTY_BASE, `/organization/${o.id}`),
    name: o.name,
    kind: o.kind,
    country: o.country,
    createdAt: o.createdAt.toISOString(),
    '@type': 'Organization',
  };
}

export function presentPartnership(p: Partnership & { dso: Organization; mno: Organization }, href: Href) {
  const ref = (o: Organization) => ({ id: o.id, name: o.name, '@referredType': 'Organization' });
  return {
    id: p.id,
    href: href(PARTY_BASE, `/partnership/${p.id}`),
    status: p.status,
    ...(p.statusReason ? { statusReason: p.statusReason } : {}),
    tier: p.tier,
    dso: ref(p.dso),
    mno: ref(p.mno),
    proposedBy: { id: p.proposedById },
    createdAt: p.createdAt.toISOString(),
    lastUpdate: p.lastUpdate.toISOString(),
    statusChangeHistory: p.statusChangeHistory,
    '@type': 'Partnership',
  };
}

export function presentApiKey(k: ApiKey, href: Href) {
  return {
    id: k.id,
    href: href(PARTY_BASE, `/apiKey/${k.id}`),
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    organizationId: k.organizationId,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    '@type': 'ApiKey',
  };
}
