import type { JobDefinition } from '../../jobs/scheduler.js';
import { componentSchema } from '../shared.js';
import type { GridlinkModule, ModuleContext } from '../types.js';
import { auditHandlers } from './audit.handlers.js';

/**
 * GW-2/GW-3: the audit API (audit.service.ts reads the rows that audit.log.ts writes) and
 * the nightly retention of audit rows and of the gateway's counters, idempotency records
 * and alarms, each purged by the service that owns it.
 */
export function auditModule(ctx: ModuleContext): GridlinkModule {
  const { audit } = ctx.services;
  const schemas = { audit: componentSchema(ctx.apis, 'audit', 'AuditRecord'), alarm: componentSchema(ctx.apis, 'audit', 'SecurityAlarm') };

  const retention: JobDefinition = {
    name: 'security-retention',
    schedule: '41 3 * * *',
    timeoutMs: 30 * 60_000,
    description: 'GW-2: purge audit records past GRIDLINK_AUDIT_RETENTION_DAYS; expire rate counters, idempotency records and old alarms',
    async run() {
      const t = ctx.now().getTime();
      const sec = ctx.config.security;
      const retained = new Date(t - sec.auditRetentionDays * 86_400_000);
      const a = await audit.purge(retained);
      const { counters: r, alarms: s } = await ctx.gateway.purge(new Date(t - 2 * 86_400_000), retained);
      const i = await ctx.idempotency.purge(new Date(t - sec.idempotencyHours * 3_600_000));
      return `${a} audit record(s), ${r} rate counter(s), ${i} idempotency record(s), ${s} alarm(s) removed`;
    },
  };

  return { name: 'audit', handlers: auditHandlers(audit, schemas), hubs: [], jobs: [retention] };
}
