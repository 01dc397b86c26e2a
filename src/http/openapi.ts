import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { dereference } from '@apidevtools/json-schema-ref-parser';
import express, { type Request, type Response, type Router } from 'express';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { Authenticator } from '../auth/authenticate.js';
import type { Gateway } from '../gateway/gateway.js';
import type { createIdempotency } from '../gateway/idempotency.js';
import { sourcesOf } from '../gateway/sources.js';
import { authorize } from './access.js';
import type { Actor, AuditNote, Handler, HandlerMap, HttpResult, RequestContext } from './context.js';
import { noteAuditResource, operationFacts, type OperationFacts } from './operationFacts.js';
import { AppError, badRequest, notFound } from './errors.js';
import { compileRoutes, matchRoute } from './routes.js';
import { refuseUnstorable } from './storable.js';
import { cursorHeaders } from './tmfQuery.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export interface LoadedApi {
  /** File name without extension, e.g. `troubleTicket`. */
  readonly name: string;
  readonly file: string;
  /** Base path from `servers[0].url`, e.g. `/tmf-api/troubleTicket/v5`. */
  readonly basePath: string;
  readonly backend: OpenAPIBackend;
  readonly operationIds: string[];
  /**
   * For an older version served as a profile over a current API (`x-gridlink-profile-of`,
   * e.g. TMF621 v4 over `troubleTicket`): that API's name. Links and other lookups of "the"
   * API of a resource skip profiles.
   */
  readonly profileOf?: string;
}

/** Documents that only hold shared components. */
const COMPONENT_ONLY = new Set(['common.yaml']);

export function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/**
 * Reads an OpenAPI document, expanding YAML merge keys (`<<: *errors`, used to share
 * error responses) and making relative `$ref`s absolute so the shared components resolve
 * whatever the working directory.
 */
export async function readDocument(file: string): Promise<unknown> {
  const doc: unknown = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
  const base = path.dirname(file);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => k !== 'x-common-errors' && k !== 'x-list-params' && k !== 'x-count-headers')
          .map(([k, val]) => [k, k === '$ref' && typeof val === 'string' && val.startsWith('./') ? path.join(base, val) : walk(val)]),
      );
    }
    return v;
  };
  // Resolve the shared components now (files only, no network), so openapi-backend's
  // quick mode gets a self-contained document.
  return dereference(walk(doc) as never, { resolve: { http: false }, dereference: { circular: 'ignore' } });
}

/** Loads every OpenAPI document in `dir`; routes and validators are built once. */
export async function loadApis(dir: string): Promise<LoadedApi[]> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !COMPONENT_ONLY.has(f))
    .sort();
  const apis: LoadedApi[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    const backend: OpenAPIBackend = new OpenAPIBackend({
      definition: (await readDocument(file)) as never,
      strict: false,
      // Definition validation costs ~2 s per document; it runs once in the test suite instead.
      quick: true,
      validate: () => false, // validation runs in our pipeline, after authentication
      coerceTypes: true,
      customizeAjv: (ajv) => addFormats(ajv as unknown as Ajv) as unknown as typeof ajv,
    });
    await backend.init();
    const doc = backend.definition;
    const basePath = doc.servers?.[0]?.url;
    const profileOf = 'x-gridlink-profile-of' in doc ? doc['x-gridlink-profile-of'] : undefined;
    if (!basePath) throw new Error(`${f}: servers[0].url (the API base path) is required`);
    apis.push({
      name: f.replace(/\.ya?ml$/, ''),
      file,
      basePath,
      backend,
      ...(typeof profileOf === 'string' && profileOf ? { profileOf } : {}),
      operationIds: backend
        .getOperations()
        .map((o: Operation) => o.operationId!)
        .filter(Boolean),
    });
  }
  return apis;
}

function mediaType(header: string | undefined): string {
  return String(header ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

const missingProperty = (e: ErrorObject): unknown => {
  const p: Record<string, unknown> = e.params;
  return p.missingProperty;
};

/** `field: message` lines an integrator can act on. */
export function describeAjvErrors(errors: ErrorObject[], root: string): string {
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const where = `${root}${e.instancePath.replace(/\//g, '.')}`;
    let msg = e.message ?? 'is invalid';
    const p: Record<string, unknown> = e.params;
    if (e.keyword === 'additionalProperties') msg = `unknown property '${String(p.additionalProperty)}' is not allowed`;
    else if (e.keyword === 'required') msg = `missing required property '${String(p.missingProperty)}'`;
    else if (e.keyword === 'enum')
      msg = `must be one of: ${Array.isArray(p.allowedValues) ? p.allowedValues.join(', ') : String(p.allowedValues)}`;
    seen.add(`${where}: ${msg}`);
  }
  return [...seen].slice(0, 10).join('; ');
}

export interface MountDeps {
  authenticator: Authenticator;
  gateway: Gateway;
  idempotency: ReturnType<typeof createIdempotency>;
  handlers: HandlerMap;
  baseUrl: string | undefined;
}

type BodyValidators = Map<string, Map<string, ValidateFunction>>;

/** The media types an operation's request body offers (the documents are dereferenced). */
function contentOf(op: Operation) {
  const body = op.requestBody;
  return body && 'content' in body ? body.content : undefined;
}

function compileBodyValidators(api: LoadedApi): BodyValidators {
  const ajv = newAjv();
  const out: BodyValidators = new Map();
  for (const op of api.backend.getOperations()) {
    const content = contentOf(op);
    if (!op.operationId || !content) continue;
    const byType = new Map<string, ValidateFunction>();
    for (const [type, media] of Object.entries(content)) {
      if (media.schema) byType.set(type.toLowerCase(), ajv.compile(media.schema));
    }
    out.set(op.operationId, byType);
  }
  return out;
}

/** An operation as mounted: openapi-backend's operation, its facts and its body validators. */
interface MountedOperation {
  readonly op: Operation;
  readonly operationId: string;
  readonly facts: OperationFacts;
  /** `security: []` in the document: no credentials asked (the OAuth2 token endpoint, JWKS). */
  readonly open: boolean;
  readonly bodyValidators: Map<string, ValidateFunction> | undefined;
}

/** GW-3: a source that kept failing is blocked for a while, whatever it sends now. */
async function refuseBlockedSource(deps: MountDeps, req: Request): Promise<void> {
  const blocked = await deps.gateway.blockedFor(sourcesOf(req.headers.authorization, req.ip).all);
  if (blocked) {
    throw new AppError(
      429,
      'SOURCE_BLOCKED',
      'Too Many Requests',
      `This source is blocked for ${blocked} s after repeated unauthorised attempts (GW-3)`,
      { 'Retry-After': String(blocked) },
    );
  }
}

async function authenticate(deps: MountDeps, m: MountedOperation, req: Request): Promise<Actor> {
  if (m.open) return { kind: 'anonymous', credentialId: 'anonymous' };
  await refuseBlockedSource(deps, req);
  return deps.authenticator.authenticate({
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
    method: req.method,
    csrfToken: typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : undefined,
  });
}

/** Role (http/access.ts) and, for OAuth2 access tokens, the `<api>:read|write` scope. */
function authorizeRequest(api: LoadedApi, m: MountedOperation, actor: Actor, method: string): void {
  if (!m.open) authorize(actor, m.operationId, method);
  if (actor.kind === 'organization' && actor.scopes) {
    const need = `${api.name}:${method === 'GET' ? 'read' : 'write'}`;
    if (!actor.scopes.includes(need))
      throw new AppError(403, 'INSUFFICIENT_SCOPE', 'Forbidden', `This access token lacks the scope ${need}`);
  }
}

/** GW-4/GW-5: counted before any work, refused requests included. */
async function countRate(deps: MountDeps, m: MountedOperation, actor: Actor, req: Request, res: Response, receivedAt: Date): Promise<void> {
  if (actor.kind !== 'organization') return;
  const rate = await deps.gateway.consume(actor, m.facts.urgency, req.body, res.locals.requestId, receivedAt);
  for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
}

/** The body, checked against the schema of its own media type (415 for one not offered). */
function parseBody(m: MountedOperation, req: Request): { body: unknown; contentType: string } {
  const contentType = mediaType(req.headers['content-type']);
  const content = contentOf(m.op);
  if (!content) return { body: undefined, contentType };
  const accepted = Object.keys(content).map((t) => t.toLowerCase());
  if (!accepted.includes(contentType)) {
    throw new AppError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Unsupported Media Type',
      `Content-Type ${contentType || '(none)'} is not accepted here; use ${accepted.join(' or ')}`,
    );
  }
  const body: unknown = req.body;
  if (body === undefined) throw badRequest('A request body is required');
  const validate = m.bodyValidators?.get(contentType);
  if (validate && !validate(body)) throw badRequest(`Invalid body: ${describeAjvErrors(validate.errors ?? [], 'body')}`, 'INVALID_BODY');
  return { body, contentType };
}

type Query = Record<string, string | string[] | undefined>;

/**
 * The query, with a repeated parameter that the document declares as one string
 * (`severity=major&severity=minor`, as form-style clients send a list) joined with commas:
 * TMF630's "any of these values" (`severity=major,minor`). Parameters not declared (attribute
 * filters on other paths) are left as they came.
 */
function queryOf(m: MountedOperation, req: Request): Query {
  const query = { ...(req.query as Query) };
  for (const p of (m.op.parameters ?? []) as { in?: string; name?: string; schema?: { type?: unknown } }[]) {
    const v = p.in === 'query' && p.name ? query[p.name] : undefined;
    if (Array.isArray(v) && p.schema?.type === 'string' && v.every((x) => typeof x === 'string')) query[p.name!] = v.join(',');
  }
  return query;
}

/**
 * Path, query and header parameters. The body has been checked by `parseBody`; it is passed
 * along because openapi-backend's validator insists on a declared required body, and its
 * body findings are left out: it would check any body against the `application/json`
 * schema (issue 11: PATCH offers JSON Patch and application/json side by side).
 */
function validateParameters(api: LoadedApi, m: MountedOperation, req: Request, query: Query, body: unknown): void {
  const { authorization: _a, cookie: _c, ...headers } = req.headers;
  const v = api.backend.validator.validateRequest(
    { method: req.method, path: req.path, query: query as Record<string, string>, headers: headers as Record<string, string>, body },
    m.op,
  );
  const paramErrors = (v.errors ?? []).filter((e) => !e.instancePath.startsWith('/requestBody') && missingProperty(e) !== 'requestBody');
  if (paramErrors.length) throw badRequest(`Invalid parameters: ${describeAjvErrors(paramErrors, '')}`, 'INVALID_PARAMETER');
}

function contextOf(
  deps: MountDeps,
  m: MountedOperation,
  req: Request,
  res: Response,
  parts: { actor: Actor; params: Record<string, string>; query: Query; body: unknown; contentType: string; audit: AuditNote },
): RequestContext {
  return {
    requestId: res.locals.requestId,
    operationId: m.operationId,
    actor: parts.actor,
    params: parts.params,
    query: parts.query,
    body: parts.body,
    contentType: parts.contentType,
    headers: req.headers,
    log: req.log,
    audit: parts.audit,
    href: (basePath, p) => `${deps.baseUrl ?? ''}${basePath}${p}`,
    ifMatch: typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined,
    ip: req.ip,
    secure: req.secure,
  };
}

/** Operations shared by several documents (the hub) are registered as `<api>.<operationId>`. */
function handlerOf(deps: MountDeps, api: LoadedApi, operationId: string): Handler {
  const handler = deps.handlers[`${api.name}.${operationId}`] ?? deps.handlers[operationId];
  if (!handler) throw new AppError(501, 'NOT_IMPLEMENTED', 'Not Implemented', `${operationId} is not implemented`);
  return handler;
}

/** Runs the handler; a POST with `Idempotency-Key` runs at most once per key (or replays). */
async function runHandler(deps: MountDeps, m: MountedOperation, handler: Handler, ctx: RequestContext, req: Request): Promise<HttpResult> {
  const key = req.headers['idempotency-key'];
  if (req.method === 'POST' && typeof key === 'string' && ctx.actor.kind === 'organization')
    return deps.idempotency.run(ctx.actor, key, m.operationId, req.path, ctx.body, () => handler(ctx));
  return handler(ctx);
}

function respond(req: Request, res: Response, ctx: RequestContext, result: HttpResult): void {
  for (const [k, val] of Object.entries(result.headers ?? {})) res.setHeader(k, val);
  // Issue 11: TMF630 cursor paging for every list (after/before take these cursors).
  const total = result.headers?.['X-Total-Count'];
  const count = result.headers?.['X-Result-Count'];
  if (req.method === 'GET' && total !== undefined && count !== undefined) {
    let cursors: Record<string, string> = {};
    try {
      cursors = cursorHeaders(ctx.query, Number(count), Number(total));
    } catch {
      // A list with its own paging parameters: no cursors rather than a late error.
    }
    for (const [k, val] of Object.entries(cursors)) res.setHeader(k, val);
  }
  if (result.body === undefined) res.status(result.status).end();
  // Text bodies (CAP, IEC 61968 XML) as is, replays of them from the idempotency store included.
  else if (result.raw || typeof result.body === 'string') res.status(result.status).send(result.body as string);
  else res.status(result.status).json(result.body);
}

/**
 * The request pipeline, one named step after another: authenticate (after the GW-3 block
 * check), authorize, count (GW-4/GW-5), refuse what PostgreSQL cannot store, parse and
 * validate the body, then the parameters, run the handler (idempotently), respond. The
 * audit row is written when the response finishes (app.ts); the steps fill its note.
 */
async function pipeline(api: LoadedApi, deps: MountDeps, m: MountedOperation, params: Record<string, string>, req: Request, res: Response) {
  const audit = res.locals.audit;
  audit.operation = m.operationId;
  const receivedAt = new Date();
  const actor = await authenticate(deps, m, req);
  audit.actor = actor;
  authorizeRequest(api, m, actor, req.method);
  await countRate(deps, m, actor, req, res, receivedAt);
  // Issue 12: NUL and unpaired surrogates would reach PostgreSQL and fail there (500).
  const query = queryOf(m, req);
  refuseUnstorable({ params, query, body: m.op.requestBody ? req.body : undefined });
  const { body, contentType } = parseBody(m, req);
  validateParameters(api, m, req, query, body);
  const ctx = contextOf(deps, m, req, res, { actor, params, query, body, contentType, audit });
  const handler = handlerOf(deps, api, m.operationId);
  try {
    respond(req, res, ctx, await runHandler(deps, m, handler, ctx, req));
  } finally {
    noteAuditResource(audit, m.facts);
  }
}

function mountOperations(api: LoadedApi, operations: Operation[]): Map<Operation, MountedOperation> {
  const validators = compileBodyValidators(api);
  const out = new Map<Operation, MountedOperation>();
  for (const op of operations) {
    const operationId = op.operationId!;
    out.set(op, {
      op,
      operationId,
      facts: operationFacts(op, path.basename(api.file)),
      open: Array.isArray(op.security) && op.security.length === 0,
      bodyValidators: validators.get(operationId),
    });
  }
  return out;
}

/** One Express router per API: routing (compiled once from the document), then the pipeline. */
export function mountApi(api: LoadedApi, deps: MountDeps): Router {
  const all = api.backend.getOperations();
  const operations = mountOperations(api, all);
  const routes = compileRoutes(all);
  const router = express.Router();
  router.use(async (req, res, next) => {
    try {
      const m = matchRoute(routes, req.method, req.path);
      if (m.kind === 'notFound') throw notFound('Resource', req.path);
      if (m.kind === 'methodNotAllowed') {
        res.setHeader('Allow', m.allowed.join(', '));
        throw new AppError(
          405,
          'METHOD_NOT_ALLOWED',
          'Method Not Allowed',
          `${req.method} is not allowed on ${api.basePath}${req.path}; allowed: ${m.allowed.join(', ')}`,
        );
      }
      await pipeline(api, deps, operations.get(m.operation)!, m.params, req, res);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
