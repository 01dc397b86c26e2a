import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = InstanceType<typeof PrismaClient>;
/** A Prisma interactive-transaction client: what every repository function takes. */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  readonly prisma: Db;
  /** The pool behind Prisma, for metrics and for LISTEN/NOTIFY. */
  readonly pool: pg.Pool;
  /** Runs `fn` in one transaction (one command = one transaction). */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDatabase(url: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'gridlink' });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    transaction: (fn) => prisma.$transaction((tx) => fn(tx), { maxWait: 10_000, timeout: 30_000 }),
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
