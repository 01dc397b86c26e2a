/**
 * `prisma migrate deploy`, offline: applies prisma/migrations/<name>/migration.sql that are
 * not yet applied and records them in `_prisma_migrations` (same table, checksums and
 * bookkeeping as the CLI, because it is the same engine: @prisma/schema-engine-wasm).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NO_SCHEMA_FILTER, openSchemaEngine, readMigrationsList, SchemaEngineError, type EngineLogEvent } from './schemaEngine.js';

export interface ApplyMigrationsOptions {
  /** Default: <project root>/prisma/migrations (project root = nearest package.json). */
  migrationsDir?: string;
  /** Progress messages (default: silent). */
  log?: (msg: string) => void;
  /** Create the database named in the URL if it does not exist, like `migrate deploy`. Default true. */
  createDatabase?: boolean;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations applied by this call, in order (empty when up to date). */
  applied: string[];
}

/** A migration failed (or an earlier failed one blocks the history). */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    /** The migration concerned, when known. */
    readonly migration: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** <project root>/prisma/migrations, found from this file (works from src/ and dist/src/). */
export function defaultMigrationsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'prisma', 'migrations');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('prisma', 'migrations');
    dir = parent;
  }
}

/** postgresql://user:***@host:port/db, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid database URL>';
  }
}

/** Like the CLI's ensureDatabaseExists: CREATE DATABASE when the target one is missing. */
async function ensureDatabaseExists(databaseUrl: string, log: (m: string) => void): Promise<void> {
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: unknown }).code !== '3D000') return; // let the engine report other errors
  } finally {
    await probe.end().catch(() => undefined);
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    log(`PostgreSQL database "${name}" created`);
  } catch (e) {
    if ((e as { code?: unknown }).code !== '42P04') {
      throw new Error(`database "${name}" does not exist and could not be created: ${(e as Error).message}`, {
        cause: e,
      });
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** The migration named in an engine error message (P3018 / P3009 texts), if any. */
function migrationNamedIn(message: string): string | undefined {
  return /Migration name: (\S+)/.exec(message)?.[1] ?? /The `([^`]+)` migration started at/.exec(message)?.[1];
}

/**
 * Applies pending migrations to `databaseUrl` (PostgreSQL), exactly like
 * `prisma migrate deploy`. Idempotent; safe to call at every start (a session-level
 * advisory lock serialises concurrent callers). Resolves with the newly applied names.
 */
export async function applyMigrations(databaseUrl: string, opts: ApplyMigrationsOptions = {}): Promise<ApplyMigrationsResult> {
  const log = opts.log ?? (() => undefined);
  const migrationsDir = path.resolve(opts.migrationsDir ?? defaultMigrationsDir());
  if (!fs.existsSync(migrationsDir)) {
    throw new MigrationError(`migrations directory not found: ${migrationsDir}`, undefined);
  }
  const list = await readMigrationsList(migrationsDir);
  const names = list.migrationDirectories.map((d) => d.path);
  log(
    names.length === 0
      ? `no migration found in ${migrationsDir}`
      : `${names.length} migration${names.length > 1 ? 's' : ''} found in ${migrationsDir}`,
  );

  if (opts.createDatabase !== false) await ensureDatabaseExists(databaseUrl, log);

  let current: string | undefined; // migration being applied, from the engine's log spans
  const onLog = (e: EngineLogEvent): void => {
    if (e.migrationName && e.message.startsWith('Applying')) {
      current = e.migrationName;
      log(`applying migration ${e.migrationName}`);
    } else if (e.level === 'WARN' || e.level === 'ERROR') {
      log(`schema engine ${e.level.toLowerCase()}: ${e.message}`);
    }
  };

  const started = performance.now();
  const session = await openSchemaEngine({ connectionString: databaseUrl, onLog }).catch((e: unknown) => {
    throw new MigrationError(`cannot migrate ${redactUrl(databaseUrl)}: ${(e as Error).message}`, undefined, { cause: e });
  });
  try {
    const { appliedMigrationNames } = await session.run('applyMigrations', (engine) =>
      engine.applyMigrations({ migrationsList: list, filters: NO_SCHEMA_FILTER }),
    );
    const ms = Math.round(performance.now() - started);
    log(
      appliedMigrationNames.length === 0
        ? `database is up to date, no pending migrations (${ms} ms)`
        : `applied ${appliedMigrationNames.length} migration(s) in ${ms} ms: ${appliedMigrationNames.join(', ')}`,
    );
    return { applied: appliedMigrationNames };
  } catch (e) {
    const detail = (e instanceof Error ? e.message : String(e))
      .replace(/^applyMigrations: /, '')
      .replace(/^external connector error\n/, '');
    const failed = migrationNamedIn(detail) ?? current;
    const code = e instanceof SchemaEngineError ? e.code : undefined;
    let message: string;
    if (code === 'P3009') {
      message =
        `migration ${failed ?? '(unknown)'} failed in an earlier run and blocks all new migrations. ` +
        `Repair the database if needed, mark it rolled back (tsx scripts/migrate.ts --rolled-back ` +
        `${failed ?? '<name>'}) and migrate again.\n${detail}`;
    } else if (failed) {
      message =
        `migration ${failed} failed: ${detail}\n` +
        `PostgreSQL ran its migration.sql as one transaction, so none of its statements persisted ` +
        `(unless the script commits explicitly); _prisma_migrations records it as failed, which ` +
        `blocks later runs. Fix prisma/migrations/${failed}/migration.sql (or the database), run ` +
        `tsx scripts/migrate.ts --rolled-back ${failed}, then migrate again.`;
    } else {
      message = `applying migrations to ${redactUrl(databaseUrl)} failed: ${detail}`;
    }
    throw new MigrationError(message, failed, { cause: e });
  } finally {
    await session.close();
  }
}

/**
 * `prisma migrate resolve --rolled-back <name>`: marks a failed migration as rolled back
 * so that the next `applyMigrations` retries it.
 */
export async function markMigrationRolledBack(databaseUrl: string, migrationName: string): Promise<void> {
  const session = await openSchemaEngine({ connectionString: databaseUrl });
  try {
    await session.run('markMigrationRolledBack', (engine) => engine.markMigrationRolledBack({ migrationName }));
  } finally {
    await session.close();
  }
}
