import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { applyMigrations } from './db/migrate.js';
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

export async function openPlatformDatabase(config: Config, log: Logger): Promise<Platform> {
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
