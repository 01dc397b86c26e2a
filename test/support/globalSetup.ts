import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';
import { freePort } from './process.js';

/**
 * One PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL), with a template
 * database migrated once. Each test file clones the template into its own database, so
 * files run in parallel without seeing each other's rows.
 */
let embedded: EmbeddedDatabase | undefined;
export const TEMPLATE = 'gridlink_test_template';

export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-test-'));
    embedded = await startEmbeddedPostgres({ clusterDir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  await applyMigrations(templateUrl.toString(), { migrationsDir: MIGRATIONS_DIR });
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await embedded?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
