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
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
      await counters.end().catch(() => undefined);
    },
  };
}
