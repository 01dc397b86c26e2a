import type { ValidateFunction } from 'ajv';
import type { HubDescriptor } from '../../events/webhooks.js';
import type { DeliveredEvent } from '../../events/types.js';
import { requireOrganization, type HandlerMap, type OrganizationActor, type RequestContext } from '../../http/context.js';
import { etagOf } from '../../http/etag.js';
import { badRequest } from '../../http/errors.js';
import { describeAjvErrors, newAjv } from '../../http/openapi.js';
import { objectBody, type JsonObject } from '../../http/patch.js';
import { listResult, parseListQuery, selectFields, type Filter, type ListQuery, type SortKey } from '../../http/tmfQuery.js';
import type { ModuleContext } from '../types.js';
import { componentSchema, created, withWarning } from '../shared.js';
import { ignoredStatusWarning, type StatusProfile } from '../standard.js';

/**
 * API profiles (issue 11, point 3): an older version of a TM Forum API (TMF621 v4, TMF656
 * v4) served over the SAME service as the current one. A profile is only a mapping:
 *
 *   profile request  --mapping.createInput / patchInput-->  the service's (v5) input
 *   the service's (v5) document  --mapping.present-->  profile response / event resource
 *
 * so tenancy, lifecycle, audit, rate limits and events (the same outbox rows) are those of
 * the service. Everything generic lives here; each resource has one mapping file
 * (`<resource>.v4.ts`) with only what differs between the versions.
 */

/** The part of a resource service that a profile uses (troubleTicket and serviceProblem services have it). */
export interface ProfiledService {
  list(actor: OrganizationActor, q: ListQuery): Promise<{ rows: { doc: JsonObject }[]; total: number }>;
  get(actor: OrganizationActor, id: string): Promise<JsonObject>;
  create(actor: OrganizationActor, input: JsonObject): Promise<JsonObject>;
  patch(actor: OrganizationActor, id: string, contentType: string, body: unknown, ifMatch?: string): Promise<JsonObject>;
  delete(actor: OrganizationActor, id: string, ifMatch?: string): Promise<JsonObject>;
  counterpartOf(actor: OrganizationActor, doc: JsonObject): string | undefined;
}

/** Builds the href of a path under the profile's base path. */
export type ProfileHref = (path: string) => string;

/** How one query attribute of the profile maps onto the service's representation. */
export interface FilterMapping {
  /** The attribute path in the service's representation. */
  path: string;
  /** Profile value -> the service values it stands for (e.g. v4 `acknowledged` -> `submitted`, `acknowledged`). */
  values?: (value: string | number | boolean) => (string | number | boolean)[];
}

/** What differs between a profile's representation of one resource and the service's. */
export interface ResourceMapping {
  /** The resource, as the service, its events and its URLs name it (`troubleTicket`). */
  resourceType: string;
  /** The resource's schema name in the profile document (`TroubleTicket`). */
  schema: string;
  /** The current API whose service this profile maps onto, and the create schema a mapped body must satisfy. */
  target: { api: string; createSchema: string };
  /** Attributes that may be sorted on (same names in the profile and the service). */
  sortable: readonly string[];
  defaultSort: SortKey[];
  /** Service document -> profile representation (without `href` of the resource itself). */
  present(doc: JsonObject, href: ProfileHref): JsonObject;
  /** Profile create body -> service create input. */
  createInput(body: JsonObject, actor: OrganizationActor): JsonObject;
  /** Profile merge patch -> service merge patch, given the current service document. */
  patchInput(body: JsonObject, current: JsonObject, actor: OrganizationActor): JsonObject;
  /** Profile query attributes whose path or values differ in the service (dotted path -> mapping). */
  filters: Record<string, FilterMapping>;
  /** Event types delivered on the profile's hub (others are not in that version). */
  eventTypes: string[];
  /** The record's status rule in this profile (`v4StatusProfile`): which create statuses are ignored, with a `Warning`. */
  statusProfile: StatusProfile;
}

const MERGE_TYPES = new Set(['application/merge-patch+json', 'application/json']);

/** Rewrites parsed profile filters onto the service's attribute paths and values. */
export function mapFilters(filters: Filter[], mapping: Record<string, FilterMapping>): Filter[] {
  return filters.map((f) => {
    const dotted = f.path.join('.');
    // The longest mapped prefix wins (`relatedParty.id` before `relatedParty`).
    const prefix = Object.keys(mapping)
      .filter((k) => dotted === k || dotted.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (!prefix) return f;
    const m = mapping[prefix]!;
    const path = [...m.path.split('.'), ...f.path.slice(prefix.split('.').length)];
    const values = m.values ? [...new Set(f.values.flatMap((v) => m.values!(v)))] : f.values;
    return { ...f, path, values };
  });
}

export interface Profile {
  /** The profile document's name (`troubleTicket.v4`). */
  api: string;
  basePath: string;
  handlers: HandlerMap;
  hub: HubDescriptor;
}

/** Handlers (`<api>.<operationId>`) and the event hub of one resource profile. */
export function createProfile(ctx: ModuleContext, api: string, mapping: ResourceMapping, service: ProfiledService): Profile {
  const doc = ctx.apis.find((a) => a.name === api);
  if (!doc) throw new Error(`profile ${api}: no OpenAPI document openapi/${api}.yaml`);
  if (doc.profileOf !== mapping.target.api)
    throw new Error(`profile ${api}: openapi/${api}.yaml must say x-gridlink-profile-of: ${mapping.target.api}`);
  const basePath = doc.basePath;
  const output = componentSchema(ctx.apis, api, mapping.schema);
  const validateCreate: ValidateFunction = newAjv().compile(componentSchema(ctx.apis, mapping.target.api, mapping.target.createSchema));
  const { resourceType } = mapping;
  const collection = `/${resourceType}`;
  const hrefFor =
    (build: (basePath: string, path: string) => string): ProfileHref =>
    (path) =>
      build(basePath, path);
  /** The service document as the profile shows it, `href` included. */
  const present = (d: JsonObject, build: ProfileHref): JsonObject => ({
    id: d.id,
    href: build(`${collection}/${String(d.id)}`),
    ...mapping.present(d, build),
  });
  const fieldsOf = (ctx: RequestContext) => parseListQuery({ fields: ctx.query.fields }, output, [], mapping.defaultSort).fields;
  const noteAudit = (rctx: RequestContext, d?: JsonObject) => {
    rctx.audit.resourceId = (d?.id as string | undefined) ?? rctx.params.id;
    if (d) rctx.audit.counterpartOrgId = service.counterpartOf(requireOrganization(rctx.actor), d);
  };
  const op = (name: string) => `${api}.${name}${resourceType[0]!.toUpperCase()}${resourceType.slice(1)}`;

  const handlers: HandlerMap = {
    async [op('list')](rctx) {
      // Names and value types are checked against the profile's schema, then mapped.
      const q = parseListQuery(rctx.query, output, mapping.sortable, mapping.defaultSort);
      const { rows, total } = await service.list(requireOrganization(rctx.actor), {
        ...q,
        filters: mapFilters(q.filters, mapping.filters),
      });
      const build = hrefFor(rctx.href);
      return listResult(
        rows.map((r) => selectFields(present(r.doc, build), q.fields)),
        total,
      );
    },
    async [op('retrieve')](rctx) {
      noteAudit(rctx);
      const fields = fieldsOf(rctx);
      const d = await service.get(requireOrganization(rctx.actor), rctx.params.id!);
      noteAudit(rctx, d);
      return { status: 200, body: selectFields(present(d, hrefFor(rctx.href)), fields), headers: { ETag: etagOf(d) } };
    },
    async [op('create')](rctx) {
      const actor = requireOrganization(rctx.actor);
      const body = objectBody(rctx.body);
      const input = mapping.createInput(body, actor);
      if (!validateCreate(input)) {
        throw badRequest(`Invalid body: ${describeAjvErrors(validateCreate.errors ?? [], 'body')}`, 'INVALID_BODY');
      }
      const d = await service.create(actor, input);
      noteAudit(rctx, d);
      const res = created(present(d, hrefFor(rctx.href)) as JsonObject & { href: string });
      return withWarning(
        { ...res, headers: { ...res.headers, ETag: etagOf(d) } },
        ignoredStatusWarning(mapping.statusProfile, body.status),
      );
    },
    async [op('patch')](rctx) {
      noteAudit(rctx);
      const actor = requireOrganization(rctx.actor);
      if (!MERGE_TYPES.has(rctx.contentType)) throw badRequest('PATCH takes a JSON merge patch', 'INVALID_BODY');
      const current = await service.get(actor, rctx.params.id!);
      const patch = mapping.patchInput(objectBody(rctx.body), current, actor);
      const d = await service.patch(actor, rctx.params.id!, 'application/merge-patch+json', patch, rctx.ifMatch);
      noteAudit(rctx, d);
      return { status: 200, body: present(d, hrefFor(rctx.href)), headers: { ETag: etagOf(d) } };
    },
    async [op('delete')](rctx) {
      noteAudit(rctx);
      const d = await service.delete(requireOrganization(rctx.actor), rctx.params.id!, rctx.ifMatch);
      noteAudit(rctx, d);
      return { status: 204 };
    },
  };

  const eventHref: ProfileHref = (path) => `${ctx.config.baseUrl ?? ''}${basePath}${path}`;
  const hub: HubDescriptor = {
    api,
    basePath,
    resourceType,
    schema: output,
    carries: [resourceType],
    eventTypes: mapping.eventTypes,
    profile: (e: DeliveredEvent) => {
      if (!mapping.eventTypes.includes(e.eventType)) return undefined;
      const resource = e.event[resourceType] as JsonObject | undefined;
      const { timeOccurred, '@baseType': _base, '@type': _type, event: _event, ...rest } = e;
      return {
        ...rest,
        '@type': e.eventType,
        timeOcurred: timeOccurred, // sic: the v4 specifications spell it so
        event: resource ? { [resourceType]: present(resource, eventHref) } : {},
      };
    },
  };
  return { api, basePath, handlers, hub };
}
