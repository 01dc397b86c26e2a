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
import type { Actor, AuditNote, HandlerMap, HttpResult, RequestContext } from './context.js';
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
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true }) as unknown;
  const base = path.dirname(file);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
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
    const backend = new OpenAPIBackend({
      definition: (await readDocument(file)) as never,
      strict: false,
      // Definition validation costs ~2 s per document; it runs once in the test suite instead.
      quick: true,
      validate: () => false, // validation runs in our pipeline, after authentication
      coerceTypes: true,
      customizeAjv: (ajv) => addFormats(ajv as unknown as Ajv) as unknown as typeof ajv,
    });
    await backend.init();
    const doc = backend.definition as { servers?: { url: string }[]; 'x-gridlink-profile-of'?: string };
    const basePath = doc.servers?.[0]?.url;
    if (!basePath) throw new Error(`${f}: servers[0].url (the API base path) is required`);
    apis.push({
      name: f.replace(/\.ya?ml$/, ''),
      file,
      basePath,
      backend,
      ...(doc['x-gridlink-profile-of'] ? { profileOf: doc['x-gridlink-profile-of'] } : {}),
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

/** `field: message` lines an integrator can act on. */
export function describeAjvErrors(errors: ErrorObject[], root: string): string {
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const where = `${root}${e.instancePath.replace(/\//g, '.')}`;
    let msg = e.message ?? 'is invalid';
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') msg = `unknown property '${String(p.additionalProperty)}' is not allowed`;
    else if (e.keyword === 'required') msg = `missing required property '${String(p.missingProperty)}'`;
    else if (e.keyword === 'enum') msg = `must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
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

function compileBodyValidators(api: LoadedApi): BodyValidators {
  const ajv = newAjv();
  const out: BodyValidators = new Map();
  for (const op of api.backend.getOperations()) {
    const content = (op.requestBody as { content?: Record<string, { schema?: object }> } | undefined)?.content;
    if (!op.operationId || !content) continue;
    const byType = new Map<string, ValidateFunction>();
    for (const [type, media] of Object.entries(content)) {
      if (media.schema) byType.set(type.toLowerCase(), ajv.compile(media.schema));
    }
    out.set(op.operationId, byType);
  }
  return out;
}

/** One Express router per API: routing by openapi-backend, then our pipeline. */
export function mountApi(api: LoadedApi, deps: MountDeps): Router {
  const bodyValidators = compileBodyValidators(api);
  const router = express.Router();

  const pipeline = async (op: Operation, params: Record<string, string>, req: Request, res: Response): Promise<void> => {
    const operationId = op.operationId!;
    const audit = res.locals.audit as AuditNote;
    audit.operation = operationId;

    const receivedAt = new Date();
    const open = Array.isArray(op.security) && op.security.length === 0;
    // GW-3: a source that kept failing is blocked for a while, whatever it sends now.
    const blocked = open ? undefined : await deps.gateway.blockedFor(sourcesOf(req.headers.authorization, req.ip).all);
    if (blocked) {
      throw new AppError(
        429,
        'SOURCE_BLOCKED',
        'Too Many Requests',
        `This source is blocked for ${blocked} s after repeated unauthorised attempts (GW-3)`,
        { 'Retry-After': String(blocked) },
      );
    }
    const actor: Actor = open
      ? { kind: 'anonymous', credentialId: 'anonymous' }
      : await deps.authenticator.authenticate({
          authorization: req.headers.authorization,
          cookie: req.headers.cookie,
          method: req.method,
          csrfToken: typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : undefined,
        });
    audit.actor = actor;
    if (!open) authorize(actor, operationId, req.method);
    if (actor.kind === 'organization' && actor.scopes) {
      const need = `${api.name}:${req.method === 'GET' ? 'read' : 'write'}`;
      if (!actor.scopes.includes(need))
        throw new AppError(403, 'INSUFFICIENT_SCOPE', 'Forbidden', `This access token lacks the scope ${need}`);
    }
    if (actor.kind === 'organization') {
      // GW-4/GW-5: counted before any work, refused requests included.
      const rate = await deps.gateway.consume(actor, operationId, req.body, res.locals.requestId as string, receivedAt);
      for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
    }

    // Issue 12: NUL and unpaired surrogates would reach PostgreSQL and fail there (500).
    refuseUnstorable({ params, query: req.query, body: op.requestBody ? req.body : undefined });

    const content = (op.requestBody as { content?: Record<string, unknown>; required?: boolean } | undefined)?.content;
    let body: unknown = undefined;
    const contentType = mediaType(req.headers['content-type']);
    if (content) {
      const accepted = Object.keys(content).map((t) => t.toLowerCase());
      if (!accepted.includes(contentType)) {
        throw new AppError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Unsupported Media Type',
          `Content-Type ${contentType || '(none)'} is not accepted here; use ${accepted.join(' or ')}`,
        );
      }
      body = req.body;
      if (body === undefined) throw badRequest('A request body is required');
      const validate = bodyValidators.get(operationId)?.get(contentType);
      if (validate && !validate(body))
        throw badRequest(`Invalid body: ${describeAjvErrors(validate.errors ?? [], 'body')}`, 'INVALID_BODY');
    }

    // Path, query and header parameters (the body has been checked above; it is passed
    // along because openapi-backend's validator insists on a declared required body).
    const { authorization: _a, cookie: _c, ...headers } = req.headers;
    const v = api.backend.validator.validateRequest(
      { method: req.method, path: req.path, query: req.query as Record<string, string>, headers: headers as Record<string, string>, body },
      op,
    );
    // The body was checked above against the schema of its own media type; openapi-backend
    // would check any body against the `application/json` one (issue 11: PATCH offers JSON
    // Patch and application/json side by side), so its body findings are left out.
    const paramErrors = (v.errors ?? []).filter(
      (e) => !e.instancePath.startsWith('/requestBody') && (e.params as { missingProperty?: string }).missingProperty !== 'requestBody',
    );
    if (paramErrors.length) throw badRequest(`Invalid parameters: ${describeAjvErrors(paramErrors, '')}`, 'INVALID_PARAMETER');

    const ctx: RequestContext = {
      requestId: res.locals.requestId as string,
      operationId,
      actor,
      params,
      query: req.query as Record<string, string | string[] | undefined>,
      body,
      contentType,
      headers: req.headers,
      log: req.log,
      audit,
      href: (basePath, p) => `${deps.baseUrl ?? ''}${basePath}${p}`,
      ifMatch: typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined,
      ip: req.ip,
      secure: req.secure,
    };
    // Operations shared by several documents (the hub) are registered as `<api>.<operationId>`.
    const handler = deps.handlers[`${api.name}.${operationId}`] ?? deps.handlers[operationId];
    if (!handler) throw new AppError(501, 'NOT_IMPLEMENTED', 'Not Implemented', `${operationId} is not implemented`);
    const idempotencyKey = req.headers['idempotency-key'];
    const result: HttpResult =
      req.method === 'POST' && typeof idempotencyKey === 'string' && actor.kind === 'organization'
        ? await deps.idempotency.run(actor, idempotencyKey, operationId, req.path, body, () => handler(ctx))
        : await handler(ctx);
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
  };

  const routes = compileRoutes(api.backend.getOperations());
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
      await pipeline(m.operation, m.params, req, res);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
