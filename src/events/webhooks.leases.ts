import type { Logger } from 'pino';
import type { Database } from '../db/client.js';

/**
 * Delivery leases (issue 12). A subscription is worked by one instance at a time: the
 * instance that claims it writes `lease_owner` and `lease_until` (database time), renews
 * the lease every HEARTBEAT_MS while it delivers, and frees it when done. A lease not
 * renewed for LEASE_MS (its instance died or lost the database) is free for any other
 * instance at its next tick (WORKER_TICK_MS): a dead instance's subscriptions are taken
 * over within LEASE_MS + WORKER_TICK_MS (4 s).
 */
export const LEASE_MS = 3_000;
export const HEARTBEAT_MS = 1_000;
/** The lease length as a PostgreSQL interval (database time). */
export const LEASE = `${LEASE_MS} milliseconds`;

/** The leases of one instance (`instance`): begin, keep (heartbeat), hold-check and end. */
export function createLeases(deps: { db: Database; log: Logger; instance: string }) {
  const { db, log, instance } = deps;
  /**
   * Leases: `active` holds the subscriptions this instance is delivering; while it is not
   * empty a heartbeat renews their leases every HEARTBEAT_MS (one statement for all).
   */
  const active = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  const renewLeases = async () => {
    if (active.size === 0) return;
    await db.pool
      .query(`UPDATE hub_subscription SET lease_until = clock_timestamp() + $3::interval WHERE lease_owner = $1 AND id = ANY($2::uuid[])`, [
        instance,
        [...active],
        LEASE,
      ])
      .catch((e: unknown) => log.warn({ err: e }, 'webhook lease heartbeat failed'));
  };
  const beginLease = (id: string) => {
    active.add(id);
    heartbeat ??= setInterval(() => void renewLeases(), HEARTBEAT_MS);
    heartbeat.unref();
  };
  const endLease = async (id: string) => {
    active.delete(id);
    if (active.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
    await db.pool
      .query('UPDATE hub_subscription SET lease_until = NULL, lease_owner = NULL WHERE id = $1 AND lease_owner = $2', [id, instance])
      .catch(() => undefined);
  };
  /** Renews one lease; false if it ran out and another instance holds it now. */
  const holdLease = async (sub: { id: string }) =>
    (
      await db.pool.query('UPDATE hub_subscription SET lease_until = clock_timestamp() + $3::interval WHERE id = $1 AND lease_owner = $2', [
        sub.id,
        instance,
        LEASE,
      ])
    ).rowCount !== 0;

  return {
    /** The subscriptions this instance is delivering now. */
    active,
    begin: beginLease,
    end: endLease,
    hold: (id: string) => holdLease({ id }),
  };
}
