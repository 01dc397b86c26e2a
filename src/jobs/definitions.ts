import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Webhooks } from '../events/webhooks.js';
import type { JobDefinition } from './scheduler.js';

/** The platform's scheduled jobs. Later capabilities add theirs here. */
export function platformJobs(deps: { db: Database; config: Config; webhooks: Webhooks; now: () => Date }): JobDefinition[] {
  const { db, config, webhooks, now } = deps;
  return [
    {
      name: 'webhook-health-check',
      schedule: config.jobs.healthCheckCron,
      timeoutMs: 5 * 60_000,
      description: 'GW-8: probe every webhook callback; a failing endpoint notifies its owner',
      async run() {
        const r = await webhooks.checkAll();
        return `${r.checked} endpoint(s) checked, ${r.failed} failing`;
      },
    },
    {
      name: 'undeliverable-notice',
      schedule: '* * * * *',
      timeoutMs: 50_000,
      description: 'GW-7: tell an event originator when a destination could not be reached for 15 minutes',
      async run() {
        const n = await webhooks.notifyUndeliverable();
        return `${n} DeliveryFailedEvent(s) raised`;
      },
    },
    {
      name: 'event-retention',
      schedule: '17 * * * *',
      timeoutMs: 10 * 60_000,
      description: 'drop relayed events and finished webhook deliveries older than the retention period',
      async run() {
        const cutoff = new Date(now().getTime() - config.events.retentionMs);
        const d = await db.pool.query(`DELETE FROM webhook_delivery WHERE status <> 'pending' AND created_at < $1`, [cutoff]);
        const e = await db.pool.query(
          `DELETE FROM event ev WHERE ev.event_time < $1 AND ev.relayed_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery w WHERE w.event_sequence = ev.sequence AND w.status = 'pending')`,
          [cutoff],
        );
        const j = await db.pool.query('DELETE FROM job_run WHERE started_at < $1', [cutoff]);
        return `${e.rowCount} event(s), ${d.rowCount} delivery row(s), ${j.rowCount} job run(s) removed`;
      },
    },
  ];
}
