/**
 * Offline `prisma migrate deploy` (+ `migrate resolve --rolled-back`).
 *
 *   tsx scripts/migrate.ts [--url <postgresql://…>] [--dir prisma/migrations]
 *   tsx scripts/migrate.ts --rolled-back <migration_name> [--url …]
 *
 * The URL defaults to env DATABASE_URL. Exit code 0 on success, 1 on failure.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyMigrations, markMigrationRolledBack, redactUrl } from '../src/db/migrate.js';

const usage = `usage: tsx scripts/migrate.ts [--url <postgresql://...>] [--dir <migrations dir>]
       tsx scripts/migrate.ts --rolled-back <migration_name> [--url <postgresql://...>]
The database URL defaults to $DATABASE_URL.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: 'string' },
      dir: { type: 'string' },
      'rolled-back': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const url = values.url ?? positionals[0] ?? process.env['DATABASE_URL'];
  if (!url) {
    console.error(`DATABASE_URL is not set and no --url given.\n${usage}`);
    return 1;
  }
  const log = (m: string): void => console.log(`[migrate] ${m}`);

  const rolledBack = values['rolled-back'];
  if (rolledBack) {
    await markMigrationRolledBack(url, rolledBack);
    log(`marked ${rolledBack} as rolled back in ${redactUrl(url)}; run migrate again to retry it`);
    return 0;
  }

  log(`target ${redactUrl(url)}`);
  const { applied } = await applyMigrations(url, {
    log,
    ...(values.dir ? { migrationsDir: path.resolve(values.dir) } : {}),
  });
  if (applied.length === 0) log('no pending migrations to apply');
  else log(`the following migration(s) have been applied:\n${applied.map((n) => `  - ${n}`).join('\n')}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`[migrate] ERROR: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
