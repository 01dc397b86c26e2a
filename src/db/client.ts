import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { isConnectionError } from './availability.js';
import { createDbHealth, type DbHealth } from './health.js';

export type Db = InstanceType<typeof PrismaClient>;
/** A Prisma interactive-transaction client: what every repository function takes. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * Raw read-only SQL: the part of a Prisma client that list/find and link lookups use. A
 * transaction client satisfies it, and so does `Database.reader`, which runs the same SQL
 * on node-postgres directly. Results are node-postgres values: bigint and numeric come
 * back as strings (callers convert with Number()), json as objects, timestamps as Dates.
 */
export interface Reader {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** Raw SQL inside a transaction: what the hot write paths (ticket create and change) need. */
export interface SqlTx extends Reader {
  /** Returns the number of rows affected. */
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface Database {
  readonly prisma: Db;
  /** The pool behind Prisma, for metrics and for LISTEN/NOTIFY. */
  readonly pool: pg.Pool;
  /** Whether the database is reachable (issue 12): /ready, the 503 gate, reconnects. */
  readonly health: DbHealth;
  /**
   * A small pool for high-frequency counters (rate limits, refusal counts) whose loss of
   * the last few milliseconds on a crash is harmless: `synchronous_commit = off`, so a
   * counter update does not wait for its WAL flush on every request. Never use it for
   * business data.
   */
  readonly counters: pg.Pool;
  /**
   * Reads outside a transaction (GET by id, lists, link lookups) without Prisma's raw-query
   * path, which costs ~2.5x node-postgres's CPU per statement (docs/notes/performance.md).
   */
  readonly reader: Reader;
  /** Runs `fn` in one transaction (one command = one transaction). */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * The same on node-postgres directly, for commands that only issue raw SQL: Prisma's
   * interactive transaction and raw-query path cost ~0.4 ms of CPU per statement, the
   * largest item in a ticket create's profile (docs/notes/performance.md).
   */
  sqlTransaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDatabase(url: string, poolMax: number): Database {
  const health = createDbHealth(url);
  /**
   * node-postgres emits 'error' on a client whose connection ends unexpectedly (server
   * restart, pg_terminate_backend). The pool listens only while a client is idle; a client
   * that is checked out (a LISTEN connection, a transaction between statements) would
   * crash the process with an unhandled 'error'. Every client therefore gets a permanent
   * listener; the pool drops broken clients on release (they are no longer queryable).
   */
  const guard = (p: pg.Pool) => {
    p.on('error', (e) => health.suspect(e));
    p.on('connect', (client) => {
      client.on('error', (e) => health.suspect(e));
    });
    return p;
  };
  // No connection timeout: a busy pool must queue, not fail (a refused connection fails at once anyway).
  const common = { connectionString: url, keepAlive: true };
  const pool = guard(new pg.Pool({ ...common, max: poolMax, application_name: 'gridlink' }));
  const counters = guard(
    new pg.Pool({
      ...common,
      max: Math.max(2, Math.min(4, poolMax)),
      application_name: 'gridlink-counters',
      options: '-c synchronous_commit=off',
    }),
  );
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const reader: Reader = {
    async $queryRawUnsafe<T>(query: string, ...values: unknown[]) {
      return (await pool.query(query, values)).rows as T;
    },
  };
  return {
    prisma,
    pool,
    health,
    reader,
    counters,
    transaction: (fn) => prisma.$transaction((tx) => fn(tx), { maxWait: 10_000, timeout: 30_000 }),
    async sqlTransaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as T,
          $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await client.query(query, values)).rowCount ?? 0,
        });
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(isConnectionError(e) ? (e as Error) : undefined);
        throw e;
      }
    },
    async close() {
      health.close();
      // Bounded: a client whose connection died while checked out must not hold shutdown.
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await bounded(prisma.$disconnect());
      await bounded(pool.end());
      await bounded(counters.end());
    },
  };
}
