import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

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
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'gridlink' });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const counters = new pg.Pool({
    connectionString: url,
    max: Math.max(2, Math.min(4, poolMax)),
    application_name: 'gridlink-counters',
    options: '-c synchronous_commit=off',
  });
  counters.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const reader: Reader = {
    async $queryRawUnsafe<T>(query: string, ...values: unknown[]) {
      return (await pool.query(query, values)).rows as T;
    },
  };
  return {
    prisma,
    pool,
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
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
      await counters.end().catch(() => undefined);
    },
  };
}
