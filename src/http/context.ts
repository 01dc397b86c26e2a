import type { Request } from 'express';
import type { Logger } from 'pino';
import { forbidden } from './errors.js';

export type Role = 'admin' | 'operator' | 'viewer';
export type OrganizationKind = 'DSO' | 'MNO';

/** A signed-in console user (issue 13; sessions are kept by src/auth/sessions.ts). */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  organizationId: string;
  organizationName: string;
  organizationKind: OrganizationKind;
}

/** A console session as a request carries it. */
export interface ActiveSession {
  id: string;
  csrfToken: string;
  method: string;
  /** When the session ends if no further request comes. */
  expiresAt: Date;
  user: SessionUser;
}

export interface OrganizationActor {
  readonly kind: 'organization';
  readonly organizationId: string;
  readonly organizationKind: OrganizationKind;
  readonly role: Role;
  readonly credentialId: string;
  /** OAuth2 access tokens only: the scopes granted (`<api>:read|write`). */
  readonly scopes?: readonly string[];
  /** Session cookies only (issue 13): the signed-in person and the session. */
  readonly session?: ActiveSession;
}

export interface PlatformActor {
  readonly kind: 'platform';
  readonly credentialId: 'platform-admin';
}

/** Operations documented with `security: []` (the OAuth2 token endpoint, JWKS). */
export interface AnonymousActor {
  readonly kind: 'anonymous';
  readonly credentialId: 'anonymous';
}

export type Actor = OrganizationActor | PlatformActor | AnonymousActor;
export type AuthenticatedActor = OrganizationActor | PlatformActor;

export function requireAuthenticated(actor: Actor): AuthenticatedActor {
  if (actor.kind === 'anonymous') throw forbidden('This operation needs credentials');
  return actor;
}

/** What the audit row for the current request should say beyond method/path/status. */
export interface AuditNote {
  actor?: Actor;
  operation?: string;
  resourceType?: string;
  resourceId?: string;
  counterpartOrgId?: string;
  detail?: string;
}

/**
 * Everything a handler gets: already authenticated and validated. `B` and `P` are the body
 * and path parameters the operation declares (http/documents.ts types them from the documents).
 */
export interface RequestContext<B = unknown, P = Record<string, string>> {
  readonly requestId: string;
  readonly operationId: string;
  readonly actor: Actor;
  readonly params: P;
  /** Raw query (strings or string arrays), for TMF630 parsing. */
  readonly query: Record<string, string | string[] | undefined>;
  readonly body: B;
  readonly contentType: string;
  readonly headers: Request['headers'];
  readonly log: Logger;
  readonly audit: AuditNote;
  /** Builds an absolute or base-relative href for a path under an API's base path. */
  href(basePath: string, path: string): string;
  /** `If-Match` request header, for optimistic concurrency (see http/etag.ts). */
  readonly ifMatch: string | undefined;
  /** Client address (Express `req.ip`, proxies trusted per `trust proxy`). */
  readonly ip: string | undefined;
  /** Whether the request came over https (Express `req.secure`, proxies trusted per `trust proxy`). */
  readonly secure: boolean;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `body` (a string) as is, with the Content-Type from `headers` (e.g. CAP XML). */
  raw?: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<HttpResult>;
export type HandlerMap = Record<string, Handler>;

export function requireOrganization(actor: Actor): OrganizationActor {
  if (actor.kind !== 'organization') throw forbidden('This operation needs an organisation credential, not the platform-admin token');
  return actor;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Child logger carrying the request id (created on first use). */
      log: Logger;
    }
    interface Locals {
      /** Set by the first middleware (app.ts) for every request. */
      requestId: string;
      /** What the audit row of the request says beyond method/path/status (GW-2). */
      audit: AuditNote;
    }
  }
}
