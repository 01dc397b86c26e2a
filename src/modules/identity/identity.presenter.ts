import type { User } from '../../generated/prisma/client.js';
import type { ActiveSession } from '../../auth/sessions.js';

export const IDENTITY_BASE = '/tmf-api/identity/v1';
type Href = (basePath: string, path: string) => string;

/** A user as the API shows it: never the password hash. */
export function presentUser(u: User, href: Href) {
  return {
    id: u.id,
    href: href(IDENTITY_BASE, `/user/${u.id}`),
    '@type': 'User',
    name: u.name,
    email: u.email,
    role: u.role,
    status: u.status,
    organizationId: u.organizationId,
    hasPassword: u.passwordHash !== null,
    createdAt: u.createdAt.toISOString(),
    lastUpdate: u.lastUpdate.toISOString(),
    lastSignInAt: u.lastSignInAt ? u.lastSignInAt.toISOString() : null,
  };
}

export function presentSession(s: ActiveSession) {
  return {
    id: s.id,
    '@type': 'Session',
    user: { ...s.user },
    csrfToken: s.csrfToken,
    expiresAt: s.expiresAt.toISOString(),
    method: s.method,
  };
}
