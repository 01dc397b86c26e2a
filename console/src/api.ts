import type { Middleware } from 'openapi-fetch';
import { createGridlinkClient } from '../../sdk/src/index';
import type { components as TicketComponents } from '../../sdk/src/generated/troubleTicket';
import type { components as OutageComponents } from '../../sdk/src/generated/energyOutage';
import type { components as NetworkComponents } from '../../sdk/src/generated/networkStatus';
import type { components as ProblemComponents } from '../../sdk/src/generated/serviceProblem';
import type { components as IncidentComponents } from '../../sdk/src/generated/incident';
import type { components as PartyComponents } from '../../sdk/src/generated/party';
import type { components as AuditComponents } from '../../sdk/src/generated/audit';
import type { components as ReportComponents } from '../../sdk/src/generated/report';
import type { components as IdentityComponents } from '../../sdk/src/generated/identity';

export type Ticket = TicketComponents['schemas']['TroubleTicket'];
export type TicketCreate = TicketComponents['schemas']['TroubleTicket_FVO'];
export type Note = TicketComponents['schemas']['Note'];
export type Outage = OutageComponents['schemas']['EnergyOutageNotice'];
export type OutageImpact = OutageComponents['schemas']['OutageImpact'];
export type ImpactedSite = OutageComponents['schemas']['ImpactedSite'];
export type SiteReport = OutageComponents['schemas']['OutageSiteReport'];
export type NetworkNotice = NetworkComponents['schemas']['NetworkStatusNotice'];
export type Problem = ProblemComponents['schemas']['ServiceProblem'];
export type Incident = IncidentComponents['schemas']['Incident'];
export type Organization = PartyComponents['schemas']['Organization'];
export type Partnership = PartyComponents['schemas']['Partnership'];
export type ApiKey = PartyComponents['schemas']['ApiKey'];
export type Hub = PartyComponents['schemas']['Hub'];
export type AuditRecord = AuditComponents['schemas']['AuditRecord'];
export type SlaTarget = ReportComponents['schemas']['SlaTarget'];
export type Session = IdentityComponents['schemas']['Session'];
export type User = IdentityComponents['schemas']['User'];

/** A TMF630 `Error` body, as every Gridlink API answers a refusal. */
export interface TmfError {
  code?: string;
  reason?: string;
  message?: string;
  status?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: TmfError,
  ) {
    super(body.message ?? body.reason ?? `HTTP ${status}`);
  }
}

/** How requests authenticate: the session cookie (with its CSRF token), or an API key. */
const auth: { csrfToken?: string | undefined; apiKey?: string | undefined } = {};
export function setAuth(next: { csrfToken?: string | undefined; apiKey?: string | undefined }): void {
  auth.csrfToken = next.csrfToken;
  auth.apiKey = next.apiKey;
}
export const apiKeyInUse = () => auth.apiKey;
export const currentCsrf = () => auth.csrfToken;

let onUnauthorized: () => void = () => undefined;
/** Called when a signed-in console gets a 401 (the session expired or was ended elsewhere). */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}
export function sessionRefused(): void {
  if (auth.csrfToken || auth.apiKey) onUnauthorized();
}

const authMiddleware: Middleware = {
  onRequest({ request }) {
    if (auth.apiKey) request.headers.set('Authorization', `Bearer ${auth.apiKey}`);
    if (auth.csrfToken && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('X-CSRF-Token', auth.csrfToken);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) sessionRefused();
    return response;
  },
};

/**
 * The typed clients of the shared SDK (sdk/: generated from the OpenAPI documents), on this
 * origin: the browser sends the session cookie itself; the middleware adds the CSRF token
 * (or the API key of an integrator's sign-in).
 */
const gl = createGridlinkClient({ baseUrl: location.origin });
for (const c of Object.values(gl)) c.use(authMiddleware);

export const tickets = gl.troubleTicket;
export const outages = gl.energyOutage;
export const network = gl.networkStatus;
export const problems = gl.serviceProblem;
export const incidents = gl.incident;
export const party = gl.party;
export const audit = gl.audit;
export const report = gl.report;
export const sites = gl.siteRegister;
export const identity = gl.identity;

export const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' } as const;

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the TMF error body. */
export async function must<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const r = await p;
  if (r.response.ok) return r.data as T;
  const body = (r.error && typeof r.error === 'object' ? r.error : { message: String(r.error ?? '') }) as TmfError;
  throw new ApiError(r.response.status, body);
}

/** A list page: the rows and X-Total-Count. */
export async function page<T>(p: Promise<{ data?: T[]; error?: unknown; response: Response }>): Promise<{ rows: T[]; total: number }> {
  const r = await p;
  const rows = await must(Promise.resolve(r));
  const total = Number(r.response.headers.get('X-Total-Count') ?? rows.length);
  return { rows, total };
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
