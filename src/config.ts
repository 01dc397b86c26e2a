import path from 'node:path';
import { z } from 'zod';
import { ROOT } from './paths.js';

/**
 * Every environment variable Gridlink reads, parsed and validated once at start.
 * Nothing else in the code base reads process.env.
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  GRIDLINK_DATA_DIR: z.string().default('./.data'),
  GRIDLINK_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  GRIDLINK_ADMIN_TOKEN: z.string().min(32, 'GRIDLINK_ADMIN_TOKEN must be at least 32 characters').optional(),
  GRIDLINK_BASE_URL: z.string().url().optional(),
  GRIDLINK_SEED_DEMO: bool.default('true'),
  GRIDLINK_BODY_LIMIT: z.string().default('1mb'),
  GRIDLINK_IMPORT_LIMIT: z.string().default('50mb'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRIDLINK_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  GRIDLINK_EVENT_RETENTION_DAYS: z.coerce.number().min(0.001).default(7),
  GRIDLINK_RELAY_POLL_MS: z.coerce.number().int().min(50).default(5000),
  GRIDLINK_WEBHOOK_RETRY_HOURS: z.coerce.number().min(0).default(24),
  GRIDLINK_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  GRIDLINK_WEBHOOK_PIPELINE: z.coerce.number().int().min(1).max(256).default(32),
  GRIDLINK_WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(2000),
  GRIDLINK_WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(100).default(900000),
  GRIDLINK_WEBHOOK_ALLOW_PRIVATE: bool.optional(),
  GRIDLINK_UNDELIVERABLE_MINUTES: z.coerce.number().min(0).default(15),
  GRIDLINK_JOBS_ENABLED: bool.default('true'),
  GRIDLINK_HEALTHCHECK_CRON: z.string().default('*/5 * * * *'),
  // Issue 5: SLA clocks, ticket auto-close, nightly exports (ETL-1).
  GRIDLINK_SLA_CRON: z.string().default('* * * * *'),
  GRIDLINK_SLA_WARNING_PERCENT: z.coerce.number().min(1).max(99).default(80),
  GRIDLINK_AUTO_CLOSE_HOURS: z.coerce.number().min(0).default(72),
  GRIDLINK_AUTO_CLOSE_CRON: z.string().default('*/5 * * * *'),
  GRIDLINK_EXPORT_DIR: z.string().optional(),
  GRIDLINK_EXPORT_CRON: z.string().default('30 1 * * *'),
  // Issue 6: gateway policies and security.
  GRIDLINK_ALARM_THRESHOLD: z.coerce.number().int().min(1).default(10),
  GRIDLINK_BLOCK_MINUTES: z.coerce.number().min(0).default(15),
  GRIDLINK_AUDIT_RETENTION_DAYS: z.coerce.number().min(1).default(365),
  GRIDLINK_CORS_ORIGINS: z.string().default(''),
  GRIDLINK_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(600),
  GRIDLINK_IDEMPOTENCY_HOURS: z.coerce.number().min(1).default(24),
  // Issue 13: console users, sessions, sign-in lock-out, OpenID Connect.
  GRIDLINK_SESSION_IDLE_MINUTES: z.coerce.number().min(1).default(30),
  GRIDLINK_SESSION_MAX_HOURS: z.coerce.number().min(0.05).default(12),
  GRIDLINK_COOKIE_SECURE: bool.optional(),
  GRIDLINK_SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  GRIDLINK_SIGNIN_LOCKOUT_MINUTES: z.coerce.number().min(1).default(15),
  GRIDLINK_OIDC_ISSUER: z.string().url().optional(),
  GRIDLINK_OIDC_CLIENT_ID: z.string().optional(),
  GRIDLINK_OIDC_CLIENT_SECRET: z.string().optional(),
  GRIDLINK_OIDC_REDIRECT_URI: z.string().url().optional(),
  GRIDLINK_OIDC_SCOPES: z.string().default('openid email profile'),
  // Issue 13: operator console.
  GRIDLINK_CONSOLE_DIR: z.string().optional(),
  GRIDLINK_CONSOLE_TILE_URL: z
    .string()
    .regex(/^https:\/\/[^/]+\/.*\{z\}.*\{x\}.*\{y\}/, 'GRIDLINK_CONSOLE_TILE_URL must be an https URL template with {z}, {x} and {y}')
    .optional(),
  GRIDLINK_CONSOLE_TILE_ATTRIBUTION: z.string().max(300).default(''),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPgPort: number;
  readonly adminToken: string | undefined;
  readonly baseUrl: string | undefined;
  readonly seedDemo: boolean;
  readonly bodyLimit: string;
  readonly importLimit: string;
  readonly dbPoolMax: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly shutdownTimeoutMs: number;
  readonly events: {
    readonly retentionMs: number;
    readonly relayPollMs: number;
  };
  readonly webhooks: {
    readonly retryPeriodMs: number;
    readonly timeoutMs: number;
    /** Requests in flight per subscription (HTTP/1.1 pipelining on one keep-alive connection). */
    readonly pipeline: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
    /** Whether callbacks may point at loopback/private addresses (off in production). */
    readonly allowPrivateNetworks: boolean;
    readonly undeliverableAfterMs: number;
  };
  readonly jobs: {
    readonly enabled: boolean;
    readonly healthCheckCron: string;
  };
  readonly sla: {
    readonly cron: string;
    /** Share of a target (percent) at which the breach warning is raised. */
    readonly warningPercent: number;
    /** Quiet period after which a resolved ticket is closed; 0 disables auto-close. */
    readonly autoCloseAfterMs: number;
    readonly autoCloseCron: string;
  };
  readonly exports: {
    readonly dir: string;
    readonly cron: string;
  };
  readonly security: {
    /** GW-3: refused attempts per source and hour tolerated before an alarm. */
    readonly alarmThreshold: number;
    /** How long an alarmed source is blocked (0 = alarm only). */
    readonly blockMinutes: number;
    readonly auditRetentionDays: number;
    readonly corsOrigins: readonly string[];
    readonly tokenTtlSeconds: number;
    readonly idempotencyHours: number;
  };
  readonly identity: {
    readonly sessionIdleMs: number;
    readonly sessionMaxMs: number;
    /** `Secure` on the session cookie: production, an https base URL, or GRIDLINK_COOKIE_SECURE. */
    readonly cookieSecure: boolean;
    /** Failed sign-ins per e-mail address within the hour that lock it. */
    readonly signInMaxFailures: number;
    readonly signInLockoutMinutes: number;
    /** OpenID Connect sign-in; undefined unless issuer, client id and redirect URI are set. */
    readonly oidc:
      | {
          readonly issuer: string;
          readonly clientId: string;
          readonly clientSecret: string | undefined;
          readonly redirectUri: string;
          readonly scopes: string;
        }
      | undefined;
  };
  readonly console: {
    /** The built console (vite output); served at /console. */
    readonly dir: string;
    /** Map tile URL template; none by default (the console's bundled base map only). */
    readonly tileUrl: string | undefined;
    readonly tileAttribution: string;
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (e.g. DATABASE_URL= in a compose file).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const oidcSet = [e.GRIDLINK_OIDC_ISSUER, e.GRIDLINK_OIDC_CLIENT_ID, e.GRIDLINK_OIDC_REDIRECT_URI].filter(Boolean).length;
  if (oidcSet > 0 && oidcSet < 3) {
    throw new ConfigError('OpenID Connect needs GRIDLINK_OIDC_ISSUER, GRIDLINK_OIDC_CLIENT_ID and GRIDLINK_OIDC_REDIRECT_URI together');
  }
  if (e.NODE_ENV === 'production' && !e.GRIDLINK_ADMIN_TOKEN) {
    throw new ConfigError('GRIDLINK_ADMIN_TOKEN is required when NODE_ENV=production');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.GRIDLINK_DATA_DIR),
    embeddedPgPort: e.GRIDLINK_EMBEDDED_PG_PORT,
    adminToken: e.GRIDLINK_ADMIN_TOKEN,
    baseUrl: e.GRIDLINK_BASE_URL?.replace(/\/+$/, ''),
    seedDemo: e.GRIDLINK_SEED_DEMO,
    bodyLimit: e.GRIDLINK_BODY_LIMIT,
    importLimit: e.GRIDLINK_IMPORT_LIMIT,
    dbPoolMax: e.DB_POOL_MAX,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.GRIDLINK_SHUTDOWN_TIMEOUT_MS,
    events: Object.freeze({ retentionMs: e.GRIDLINK_EVENT_RETENTION_DAYS * 86_400_000, relayPollMs: e.GRIDLINK_RELAY_POLL_MS }),
    webhooks: Object.freeze({
      retryPeriodMs: e.GRIDLINK_WEBHOOK_RETRY_HOURS * 3_600_000,
      timeoutMs: e.GRIDLINK_WEBHOOK_TIMEOUT_MS,
      pipeline: e.GRIDLINK_WEBHOOK_PIPELINE,
      backoffBaseMs: e.GRIDLINK_WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: e.GRIDLINK_WEBHOOK_BACKOFF_MAX_MS,
      allowPrivateNetworks: e.GRIDLINK_WEBHOOK_ALLOW_PRIVATE ?? e.NODE_ENV !== 'production',
      undeliverableAfterMs: e.GRIDLINK_UNDELIVERABLE_MINUTES * 60_000,
    }),
    jobs: Object.freeze({ enabled: e.GRIDLINK_JOBS_ENABLED, healthCheckCron: e.GRIDLINK_HEALTHCHECK_CRON }),
    security: Object.freeze({
      alarmThreshold: e.GRIDLINK_ALARM_THRESHOLD,
      blockMinutes: e.GRIDLINK_BLOCK_MINUTES,
      auditRetentionDays: e.GRIDLINK_AUDIT_RETENTION_DAYS,
      corsOrigins: Object.freeze(
        e.GRIDLINK_CORS_ORIGINS.split(',')
          .map((o: string) => o.trim())
          .filter(Boolean),
      ),
      tokenTtlSeconds: e.GRIDLINK_TOKEN_TTL_SECONDS,
      idempotencyHours: e.GRIDLINK_IDEMPOTENCY_HOURS,
    }),
    identity: Object.freeze({
      sessionIdleMs: e.GRIDLINK_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: e.GRIDLINK_SESSION_MAX_HOURS * 3_600_000,
      cookieSecure: e.GRIDLINK_COOKIE_SECURE ?? (e.NODE_ENV === 'production' || (e.GRIDLINK_BASE_URL ?? '').startsWith('https:')),
      signInMaxFailures: e.GRIDLINK_SIGNIN_MAX_FAILURES,
      signInLockoutMinutes: e.GRIDLINK_SIGNIN_LOCKOUT_MINUTES,
      oidc:
        e.GRIDLINK_OIDC_ISSUER && e.GRIDLINK_OIDC_CLIENT_ID && e.GRIDLINK_OIDC_REDIRECT_URI
          ? Object.freeze({
              issuer: e.GRIDLINK_OIDC_ISSUER,
              clientId: e.GRIDLINK_OIDC_CLIENT_ID,
              clientSecret: e.GRIDLINK_OIDC_CLIENT_SECRET,
              redirectUri: e.GRIDLINK_OIDC_REDIRECT_URI,
              scopes: e.GRIDLINK_OIDC_SCOPES,
            })
          : undefined,
    }),
    sla: Object.freeze({
      cron: e.GRIDLINK_SLA_CRON,
      warningPercent: e.GRIDLINK_SLA_WARNING_PERCENT,
      autoCloseAfterMs: e.GRIDLINK_AUTO_CLOSE_HOURS * 3_600_000,
      autoCloseCron: e.GRIDLINK_AUTO_CLOSE_CRON,
    }),
    exports: Object.freeze({
      dir: path.resolve(e.GRIDLINK_EXPORT_DIR ?? path.join(e.GRIDLINK_DATA_DIR, 'exports')),
      cron: e.GRIDLINK_EXPORT_CRON,
    }),
    console: Object.freeze({
      dir: path.resolve(e.GRIDLINK_CONSOLE_DIR ?? path.join(ROOT, 'dist', 'console')),
      tileUrl: e.GRIDLINK_CONSOLE_TILE_URL,
      tileAttribution: e.GRIDLINK_CONSOLE_TILE_ATTRIBUTION,
    }),
  });
}
