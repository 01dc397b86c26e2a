import createClient, { type Middleware } from 'openapi-fetch';
import type { paths as TicketPaths, components as TicketComponents } from './generated/troubleTicket';
import type { paths as OutagePaths, components as OutageComponents } from './generated/energyOutage';
import type { paths as NetworkPaths, components as NetworkComponents } from './generated/networkStatus';
import type { paths as ProblemPaths, components as ProblemComponents } from './generated/serviceProblem';
import type { paths as IncidentPaths, components as IncidentComponents } from './generated/incident';
import type { paths as PartyPaths, components as PartyComponents } from './generated/party';
import type { paths as AuditPaths, components as AuditComponents } from './generated/audit';
import type { paths as ReportPaths, components as ReportComponents } from './generated/report';
import type { paths as SitePaths } from './generated/siteRegister';
import type { paths as IdentityPaths, components as IdentityComponents } from './generated/identity';

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
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

const authMiddleware: Middleware = {
  onRequest({ request }) {
    if (auth.apiKey) request.headers.set('Authorization', `Bearer ${auth.apiKey}`);
    if (auth.csrfToken && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('X-CSRF-Token', auth.csrfToken);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) onUnauthorized();
    return response;
  },
};

function client<P extends object>(baseUrl: string) {
  const c = createClient<P>({ baseUrl, credentials: 'same-origin' });
  c.use(authMiddleware);
  return c;
}

export const tickets = client<TicketPaths>('/tmf-api/troubleTicket/v5');
export const outages = client<OutagePaths>('/tmf-api/energyOutage/v1');
export const network = client<NetworkPaths>('/tmf-api/networkStatus/v1');
export const problems = client<ProblemPaths>('/tmf-api/serviceProblemManagement/v5');
export const incidents = client<IncidentPaths>('/tmf-api/Incident/v4');
export const party = client<PartyPaths>('/tmf-api/party/v1');
export const audit = client<AuditPaths>('/tmf-api/audit/v1');
export const report = client<ReportPaths>('/tmf-api/gridlinkReport/v1');
export const sites = client<SitePaths>('/tmf-api/siteRegister/v1');
export const identity = client<IdentityPaths>('/tmf-api/identity/v1');

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
