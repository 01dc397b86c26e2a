import { AsyncLocalStorage } from 'node:async_hooks';
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
  /**
   * Runs `fn` in one transaction (one command = one transaction): opens one, or joins the
   * transaction the caller is already in (the same async call chain), so a service method
   * that another service calls inside its transaction becomes part of it. Statements run on
   * node-postgres directly (Prisma's interactive transaction and raw-query path cost
   * ~0.4 ms of CPU per statement, docs/notes/performance.md); the Prisma model API on `tx`
   * runs on the same connection, so raw SQL and Prisma calls share the transaction.
   * Raw results are node-postgres values (see `Reader`).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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
  /**
   * The open transaction of the current async call chain. `open` turns false at COMMIT or
   * ROLLBACK: work a transaction started but did not await (a timer, a detached promise)
   * opens its own instead of joining a finished one.
   */
  const current = new AsyncLocalStorage<{ tx: Tx; open: boolean }>();
  /** A Prisma client per pooled connection, made when a transaction first uses the model API there. */
  const bound = new WeakMap<pg.PoolClient, Db>();
  const prismaOn = (client: pg.PoolClient): Db => {
    let p = bound.get(client);
    if (!p) {
      p = new PrismaClient({ adapter: new PrismaPg(new ConnectionAsPool(client)) });
      bound.set(client, p);
    }
    return p;
  };

  async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const joined = current.getStore();
    if (joined?.open) return fn(joined.tx);
    const client = await pool.connect();
    const state = { tx: undefined as unknown as Tx, open: true };
    const closed = () => new Error('transaction already finished');
    const sql: SqlTx = {
      $queryRawUnsafe: async <R>(query: string, ...values: unknown[]) => {
        if (!state.open) throw closed();
        return (await client.query(query, values)).rows as R;
      },
      $executeRawUnsafe: async (query: string, ...values: unknown[]) => {
        if (!state.open) throw closed();
        return (await client.query(query, values)).rowCount ?? 0;
      },
    };
    // Raw SQL on the connection; everything else (the model API) from its Prisma client.
    state.tx = new Proxy(sql, {
      get: (target, prop) => {
        if (prop in target) return target[prop as keyof SqlTx];
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        if (!state.open) throw closed();
        return Reflect.get(prismaOn(client), prop) as unknown;
      },
    }) as unknown as Tx;
    try {
      await client.query('BEGIN');
      const result = await current.run(state, () => fn(state.tx));
      state.open = false;
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      state.open = false;
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(isConnectionError(e));
      throw e;
    }
  }

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
    transaction,
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

/**
 * One checked-out connection presented as a pool, for a Prisma client whose statements must
 * run inside a transaction that node-postgres opened on that connection. It never opens a
 * connection of its own. Prisma wraps some single calls (a create with `include`) in a
 * transaction of its own; on this connection that becomes a savepoint of the open one.
 */
class ConnectionAsPool extends pg.Pool {
  private savepoints = 0;
  constructor(private readonly client: pg.PoolClient) {
    super({ max: 1 });
  }
  override query(...args: unknown[]): never {
    return (this.client.query as (...a: unknown[]) => never).apply(this.client, args);
  }
  override connect(): never {
    const client = this.client;
    const name = `prisma_${++this.savepoints}`;
    const nested: Record<string, string> = {
      BEGIN: `SAVEPOINT ${name}`,
      COMMIT: `RELEASE SAVEPOINT ${name}`,
      ROLLBACK: `ROLLBACK TO SAVEPOINT ${name}`,
    };
    const conn = {
      query(config: string | { text: string }, ...rest: unknown[]) {
        const text = typeof config === 'string' ? config : config.text;
        const instead = nested[text.trim().toUpperCase()];
        return instead ? client.query(instead) : (client.query as (...a: unknown[]) => unknown).call(client, config, ...rest);
      },
      release: () => undefined,
      on: () => conn,
      removeListener: () => conn,
    };
    return Promise.resolve(conn) as never;
  }
}
