import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

/**
 * Issue 15, point 4: one transaction helper (`db.transaction`) that opens a transaction or
 * joins the one its caller is in. Raw SQL and the Prisma model API run on the same
 * connection, so a command that mixes them, or a service called inside another's
 * transaction, commits or rolls back as one (architecture: one transaction per command).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const exists = async (id: string) => (await h.db.pool.query('SELECT 1 FROM organization WHERE id = $1::uuid', [id])).rowCount === 1;
const insertRaw = (tx: { $executeRawUnsafe(q: string, ...v: unknown[]): Promise<number> }, id: string) =>
  tx.$executeRawUnsafe(`INSERT INTO organization (id, name, kind, country) VALUES ($1::uuid, 'Tx Test', 'DSO', 'DE')`, id);

describe('one transaction helper that opens or joins', () => {
  it('raw SQL and the Prisma model API share one transaction: each sees the other, a failure rolls both back', async () => {
    const raw = crypto.randomUUID();
    const model = crypto.randomUUID();
    await expect(
      h.db.transaction(async (tx) => {
        await insertRaw(tx, raw);
        // The model API reads what raw SQL wrote, uncommitted: the same connection.
        expect(await tx.organization.findUnique({ where: { id: raw } })).not.toBeNull();
        await tx.organization.create({ data: { id: model, name: 'Tx Test', kind: 'MNO', country: 'DE' } });
        const seen = await tx.$queryRawUnsafe<{ n: string }[]>('SELECT count(*) AS n FROM organization WHERE id = ANY($1::uuid[])', [
          raw,
          model,
        ]);
        expect(Number(seen[0]!.n)).toBe(2);
        // Nothing is visible outside before the commit.
        expect(await exists(raw)).toBe(false);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await exists(raw)).toBe(false);
    expect(await exists(model)).toBe(false);
  });

  it('a Prisma call that wraps itself in a transaction (a create with include) becomes a savepoint of the open one', async () => {
    const id = crypto.randomUUID();
    await expect(
      h.db.transaction(async (tx) => {
        const org = await tx.organization.create({ data: { id, name: 'Tx Test', kind: 'DSO', country: 'DE' }, include: { apiKeys: true } });
        expect(org.apiKeys).toEqual([]);
        expect(await exists(id)).toBe(false); // the savepoint did not commit the open transaction
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await exists(id)).toBe(false);
    await h.db.transaction((tx) =>
      tx.organization.create({ data: { id, name: 'Tx Test', kind: 'DSO', country: 'DE' }, include: { apiKeys: true } }),
    );
    expect(await exists(id)).toBe(true);
  });

  it('a nested call joins the open transaction: the inner work commits and rolls back with the outer', async () => {
    const outer = crypto.randomUUID();
    const inner = crypto.randomUUID();
    let innerTx: unknown;
    let outerTx: unknown;
    await expect(
      h.db.transaction(async (tx) => {
        outerTx = tx;
        await insertRaw(tx, outer);
        // As a service method called by another service's command would.
        await h.db.transaction(async (tx2) => {
          innerTx = tx2;
          await insertRaw(tx2, inner);
        });
        expect(await exists(inner)).toBe(false); // not committed on its own
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(innerTx).toBe(outerTx);
    expect(await exists(outer)).toBe(false);
    expect(await exists(inner)).toBe(false);

    await h.db.transaction(async (tx) => {
      await insertRaw(tx, outer);
      await h.db.transaction((tx2) => insertRaw(tx2, inner));
    });
    expect(await exists(outer)).toBe(true);
    expect(await exists(inner)).toBe(true);
  });

  it('work a finished transaction left behind opens its own transaction instead of joining it', async () => {
    const late = crypto.randomUUID();
    let later: Promise<unknown> | undefined;
    let leaked: { $executeRawUnsafe(q: string, ...v: unknown[]): Promise<number> } | undefined;
    await h.db.transaction(async (tx) => {
      leaked = tx;
      // Started inside, run after the commit (a detached promise).
      later = new Promise((r) => setTimeout(r, 50)).then(() => h.db.transaction((tx2) => insertRaw(tx2, late)));
    });
    await later;
    expect(await exists(late)).toBe(true);
    // The finished transaction itself refuses further statements.
    await expect(insertRaw(leaked!, crypto.randomUUID())).rejects.toThrow('transaction already finished');
  });
});
