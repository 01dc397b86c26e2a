import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import type http from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { createAuditLog, type AuditLog } from './modules/audit/audit.log.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createSessionStore, sessionCookieOf } from './auth/sessions.js';
import { AppError, databaseUnavailable, mapKnownError, notFound } from './http/errors.js';
import { isConnectionError } from './db/availability.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { consoleRouter } from './http/console.js';
import { toStorable } from './http/storable.js';
import { loadApis, mountApi, type LoadedApi } from './http/openapi.js';
import { createModules, type GridlinkModule, type Services } from './modules/index.js';

type ErrorFormat = NonNullable<GridlinkModule['errorFormat']>;
import { createRelay, type Relay } from './events/relay.js';
import { createSocketBridge, type SocketBridge } from './events/socket.js';
import { createWebhooks, type Webhooks } from './events/webhooks.js';
import type { PayloadFormatter } from './events/formats.js';
import { platformJobs } from './jobs/definitions.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { createIdempotency } from './gateway/idempotency.js';
import { sourcesOf } from './gateway/sources.js';
import cors from 'cors';
import { createScheduler, type Scheduler } from './jobs/scheduler.js';
import { OPENAPI_DIR } from './paths.js';
import { docsRouter } from './docs/docs.js';

export interface AppDeps {
  config: Config;
  db: Database;
  log: Logger;
  /** Injected clock: tests drive time, production uses the wall clock. */
  now?: () => Date;
}

export interface App {
  readonly express: express.Express;
  readonly apis: LoadedApi[];
  readonly services: Services;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly relay: Relay;
  readonly webhooks: Webhooks;
  readonly sockets: SocketBridge;
  readonly scheduler: Scheduler;
  readonly gateway: Gateway;
  /** Every handler by operationId (`<api>.<operationId>` for the shared hub operations). */
  readonly handlers: Record<string, unknown>;
  /** Starts background work on a listening server: Socket.IO, relay, webhook worker, jobs. */
  start(server: http.Server, opts?: { jobs?: boolean }): Promise<void>;
  /** Stops background work and Socket.IO (which also closes the HTTP server). */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PROBES = new Set(['/health', '/ready', '/metrics']);

function tmfError(res: Response, err: AppError, format?: ErrorFormat): void {
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  if (format) {
    const { contentType, body } = format.render(err, new Date());
    res.status(err.status).type(contentType).send(body);
    return;
  }
  res.status(err.status).type('application/json').send(JSON.stringify(err.toBody()));
}

export async function createApp(deps: AppDeps): Promise<App> {
  const now = deps.now ?? (() => new Date());
  const { config, db, log } = deps;
  const apis = await loadApis(OPENAPI_DIR);
  const metrics = createMetrics(db);
  const audit = createAuditLog({ db, log, now, onFailure: (kind, rows) => metrics.auditFailure(kind, rows) });
  const sessions = createSessionStore({ db, now, idleMs: config.identity.sessionIdleMs, maxMs: config.identity.sessionMaxMs });
  const gateway = createGateway({ db, log, config, now });
  const idempotency = createIdempotency({ db, now });
  // The composition root: every service built once (src/modules/index.ts).
  const { modules, hubs, services, withHubHandlers } = createModules({ db, now, apis, config, log, gateway, sessions, idempotency });
  const authenticator = createAuthenticator({ db, adminToken: config.adminToken, now, oauth: services.oauth, sessions });
  const formats = Object.assign({}, ...modules.map((m) => m.deliveryFormats ?? {})) as Record<string, PayloadFormatter>;
  const webhooks = createWebhooks({ db, log, config, now, hubs, formats });
  const handlers = withHubHandlers(webhooks);
  const sockets = createSocketBridge({
    db,
    log,
    authenticator,
    audit,
    retentionMs: config.events.retentionMs,
    now,
    trustedOrigins: [...(config.baseUrl ? [config.baseUrl] : []), ...config.security.corsOrigins],
  });
  const relay = createRelay({ db, log, consumers: [webhooks.fanOut, sockets.consumer], pollMs: config.events.relayPollMs, now });
  const jobs = [...platformJobs({ db, config, webhooks, now }), ...modules.flatMap((m) => m.jobs ?? [])];
  const scheduler = createScheduler({ db, log, now, jobs });
  // Paths of the APIs (audited, GW-3 counted) and the APIs that answer refusals in their own format.
  const isApiPath = (p: string) => apis.some((a) => p.startsWith(`${a.basePath}/`));
  const errorFormats = modules.flatMap((m) =>
    m.errorFormat ? [{ basePath: apis.find((a) => a.name === m.errorFormat!.api)!.basePath, format: m.errorFormat }] : [],
  );
  const errorFormatFor = (p: string) => errorFormats.find((f) => p.startsWith(`${f.basePath}/`))?.format;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', 'loopback');

  // Request id (accepted from the caller when sane), timing, audit and metrics.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.locals.requestId = requestId;
    res.locals.audit = {};
    res.setHeader('X-Request-ID', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const note = res.locals.audit;
      // req.path is relative inside mounted routers by the time 'finish' fires; originalUrl is not.
      const fullPath = req.originalUrl.split('?')[0]!;
      const apiPath = fullPath.startsWith('/tmf-api/') || isApiPath(fullPath);
      const operation = note.operation ?? (apiPath ? 'unmatched' : fullPath);
      metrics.observeRequest(operation, req.method, res.statusCode, seconds);
      if (log.isLevelEnabled('info') && !PROBES.has(fullPath))
        log.info(
          { reqId: requestId, method: req.method, path: fullPath, status: res.statusCode, ms: Math.round(seconds * 10_000) / 10 },
          'request completed',
        );
      if (!apiPath) return; // health, readiness and metrics probes are not transactions
      const actor = note.actor;
      audit.record({
        time: new Date(Date.now() - seconds * 1000),
        requestId,
        credentialId: actor?.credentialId ?? null,
        credentialKind: actor
          ? actor.kind === 'platform'
            ? 'platformToken'
            : actor.kind === 'organization' && actor.session
              ? 'session'
              : 'apiKey'
          : null,
        organizationId: actor?.kind === 'organization' ? actor.organizationId : null,
        // Issue 13: a console request names the person, not only the organisation.
        userId: actor?.kind === 'organization' ? (actor.session?.user.id ?? null) : null,
        userEmail: actor?.kind === 'organization' ? (actor.session?.user.email ?? null) : null,
        method: req.method,
        path: fullPath.slice(0, 500),
        operation: note.operation ?? null,
        resourceType: note.resourceType ?? null,
        resourceId: note.resourceId ?? null,
        counterpartOrgId: note.counterpartOrgId ?? null,
        status: res.statusCode,
        outcome: res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'refused' : 'success',
        durationMs: seconds * 1000,
        remoteAddress: req.ip ?? null,
        // Error messages may echo what the client sent (a body parser quoting a NUL byte).
        detail: note.detail ? toStorable(note.detail) : null,
      });
    });
    next();
  });
  // Per-request logger, created only when something logs (pino-http built a child logger
  // and serialised the request on every request: ~20 % of a health probe's CPU).
  app.use((req, res, next) => {
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (child ??= log.child({ reqId: res.locals.requestId })),
    });
    next();
  });
  app.use(helmet({ contentSecurityPolicy: false }));
  // CORS: only the origins in GRIDLINK_CORS_ORIGINS (none by default: server-to-server API).
  app.use(
    cors({
      origin: config.security.corsOrigins.length ? [...config.security.corsOrigins] : false,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-ID', 'Accept', 'X-CSRF-Token'],
      exposedHeaders: [
        'Location',
        'ETag',
        'X-Total-Count',
        'X-Result-Count',
        'X-Request-ID',
        'Retry-After',
        'RateLimit',
        'RateLimit-Policy',
        'Idempotent-Replayed',
      ],
      maxAge: 600,
    }),
  );

  app.get('/health', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/ready', async (_req, res) => {
    const down = () => {
      const since = db.health.downSince();
      res
        .status(503)
        .setHeader('Retry-After', '2')
        .json({ status: 'unavailable', database: 'down', ...(since ? { downSince: since.toISOString() } : {}) });
    };
    if (!db.health.isUp()) return down();
    try {
      await db.pool.query('SELECT 1');
      res.json({ status: 'ready', database: 'up' });
    } catch (e) {
      if (isConnectionError(e)) db.health.suspect(e);
      down();
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // The operator console (issue 13): the root opens it.
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  app.use('/console', consoleRouter(config.console));
  // The published documents, with YAML merge keys expanded (plain YAML 1.2 for any tool).
  app.get('/openapi/:file', (req, res, next) => {
    const known = apis.some((a) => `${a.name}.yaml` === req.params.file) || req.params.file === 'common.yaml';
    if (!known) return next();
    const text = fs.readFileSync(path.join(OPENAPI_DIR, req.params.file), 'utf8');
    res.type('application/yaml').send(YAML.stringify(YAML.parse(text, { merge: true }), { aliasDuplicateObjects: false }));
  });
  // API reference pages (Redoc, offline) and the Postman collection, for integrators.
  app.use('/docs', docsRouter(apis, { baseUrl: config.baseUrl ?? `http://localhost:${config.port}` }));

  // Bulk imports (ETL-1) may be large; everything else keeps the small default limit.
  app.use(express.json({ type: 'application/geo+json', limit: config.importLimit, strict: false }));
  app.use(express.text({ type: 'text/csv', limit: config.importLimit }));
  // XML bodies (the IEC 61968 bridge) arrive as text; parsing and XSD validation are the operation's.
  app.use(express.text({ type: ['application/xml', 'text/xml', 'application/soap+xml'], limit: config.bodyLimit }));
  app.use(express.json({ type: ['application/json', 'application/*+json'], limit: config.bodyLimit, strict: false }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  // Issue 12: while the database is known to be away, API calls are answered at once
  // with a TMF 503 and Retry-After instead of waiting for connection timeouts.
  app.use('/tmf-api', (_req, _res, next) => next(db.health.isUp() ? undefined : databaseUnavailable()));
  for (const api of apis) app.use(api.basePath, mountApi(api, { authenticator, gateway, idempotency, handlers, baseUrl: config.baseUrl }));

  app.use((req, _res, next) => next(notFound('Resource', req.path)));
  app.use(async (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = mapKnownError(err);
    if (known?.status === 503 && isConnectionError(err)) db.health.suspect(err);
    if (known) {
      const note = res.locals.audit;
      if (note) note.detail ??= known.message.slice(0, 500);
      // A browser with an ended session (or asking whether it is signed in) is not an
      // unauthorised attempt: counting it would block a whole office behind one address.
      // Cookie values are 256-bit random, so there is nothing to guess there either.
      const sessionRefusal =
        !req.headers.authorization && (sessionCookieOf(req.headers.cookie) !== undefined || note?.operation === 'retrieveSession');
      if (
        (known.status === 401 || known.status === 403) &&
        (req.originalUrl.startsWith('/tmf-api/') || isApiPath(req.originalUrl)) &&
        !sessionRefusal
      ) {
        // GW-3: count the refusal against its source before answering.
        const actor = note?.actor;
        await gateway
          .recordRefusal(
            sourcesOf(req.headers.authorization, req.ip).primary,
            actor?.kind === 'organization' ? actor.organizationId : undefined,
            known.message,
          )
          .catch((e: unknown) => req.log?.error({ err: e }, 'recording a refused attempt failed'));
      }
      return tmfError(res, known, errorFormatFor(req.originalUrl));
    }
    req.log?.error({ err }, 'unhandled error');
    tmfError(
      res,
      new AppError(
        500,
        'INTERNAL_ERROR',
        'Internal Server Error',
        `An internal error occurred; quote request id ${String(res.locals.requestId)} to the operator`,
      ),
      errorFormatFor(req.originalUrl),
    );
  });

  let started = false;
  return {
    express: app,
    apis,
    services,
    audit,
    metrics,
    relay,
    webhooks,
    sockets,
    scheduler,
    gateway,
    handlers,
    async start(server, opts) {
      started = true;
      sockets.attach(server);
      await relay.start();
      webhooks.start();
      if (opts?.jobs ?? config.jobs.enabled) scheduler.start();
    },
    async stop() {
      if (started) {
        await scheduler.stop();
        await relay.stop();
        await webhooks.stop();
        await sockets.close();
      }
      await gateway.flush();
      await audit.flush();
    },
  };
}
