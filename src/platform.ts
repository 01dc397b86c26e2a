import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { applyMigrations, redactUrl } from './db/migrate.js';
import pg from 'pg';
import { MIGRATIONS_DIR } from './paths.js';

/**
 * Connects to the configured PostgreSQL, or starts the embedded one under the data
 * directory, then applies pending migrations. Same code path after connect.
 */
export interface Platform {
  db: Database;
  databaseUrl: string;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

export async function openPlatformDatabase(config: Config, log: Logger, opts: { stopWaiting?: () => boolean } = {}): Promise<Platform> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const t0 = Date.now();
    embedded = await startEmbeddedPostgres({
      clusterDir: path.join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      log: (m) => log.info(m),
    });
    url = embedded.url;
    log.info({ port: config.embeddedPgPort, ms: Date.now() - t0 }, 'embedded PostgreSQL started');
  }
  await waitForDatabase(url, log, { stopWaiting: opts.stopWaiting });
  try {
    const { applied } = await applyMigrations(url, { migrationsDir: MIGRATIONS_DIR, log: (m) => log.info(m) });
    log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  const db = createDatabase(url, config.dbPoolMax);
  return {
    db,
    databaseUrl: url,
    embedded,
    async close() {
      await db.close();
      await embedded?.stop();
    },
  };
}

/** A shutdown signal arrived while waiting for the database. */
export class StoppedWaiting extends Error {
  constructor() {
    super('stopped while waiting for the database');
  }
}

/**
 * Issue 12: a database that is not reachable yet (starting, restarting, network) is
 * waited for with backoff (250 ms doubling to 5 s), logging each failure, instead of
 * exiting. Other errors (bad credentials, missing database) also wait: they may be
 * fixed by whoever is starting the database; each one is logged.
 */
export async function waitForDatabase(
  url: string,
  log: Logger,
  opts: { maxDelayMs?: number; stopWaiting?: (() => boolean) | undefined } = {},
): Promise<void> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) log.info({ attempts: attempt }, 'database reachable');
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      // A database that does not exist yet is created by the migration step.
      if (code === '3D000') return;
      log.warn({ url: redactUrl(url), attempt, retryInMs: delay, err: (e as Error).message }, 'database not reachable yet; waiting');
    } finally {
      await client.end().catch(() => undefined);
    }
    for (let waited = 0; waited < delay; waited += 50) {
      if (opts.stopWaiting?.()) throw new StoppedWaiting();
      await new Promise((r) => setTimeout(r, 50));
    }
    delay = Math.min(opts.maxDelayMs ?? 5_000, delay * 2);
  }
}

/**
 * The platform-admin token: GRIDLINK_ADMIN_TOKEN, or (outside production) a random one
 * kept in <dataDir>/admin-token so it survives restarts.
 */
export function resolveAdminToken(config: Config): { token: string; generatedFile?: string } {
  if (config.adminToken) return { token: config.adminToken };
  const file = path.join(config.dataDir, 'admin-token');
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), generatedFile: file };
  const token = crypto.randomBytes(32).toString('base64url');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generatedFile: file };
}
