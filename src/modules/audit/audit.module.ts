import type { ResourceStore } from '../../db/resourceStore.js';
import { auditRecord, securityAlarm, unscopedStore, type ResourceEntry } from '../registry.js';
import { forbidden, notFound } from '../../http/errors.js';
import type { Actor, HandlerMap, OrganizationActor, RequestContext } from '../../http/context.js';
import { listResult, parseListQuery, selectFields } from '../../http/tmfQuery.js';
import type { JobDefinition } from '../../jobs/scheduler.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';

/**
 * GW-2 audit query and GW-3 alarms. Organisation admins see their own organisation's rows;
 * the platform admin sees everything. Same TMF630 machinery as every other list.
 */
const NDJSON_MAX = 100_000;
const PLATFORM_SCOPE = {
  kind: 'organization',
  organizationId: '00000000-0000-0000-0000-000000000000',
  organizationKind: 'DSO',
  role: 'admin',
  credentialId: 'platform-admin',
} as const;

export function auditModule(ctx: ModuleContext): GridlinkModule {
  const stores = (r: ResourceEntry) => ({ own: r.store, all: unscopedStore(r) });
  const audit = stores(auditRecord);
  const alarms = stores(securityAlarm);
  const schemas = { audit: componentSchema(ctx.apis, 'audit', 'AuditRecord'), alarm: componentSchema(ctx.apis, 'audit', 'SecurityAlarm') };

  /** Admin keys and the platform token only; the platform sees every organisation. */
  const scoped = (actor: Actor, s: { own: ResourceStore; all: ResourceStore }): [ResourceStore, OrganizationActor] => {
    if (actor.kind === 'platform') return [s.all, PLATFORM_SCOPE];
    if (actor.kind !== 'organization' || actor.role !== 'admin') throw forbidden('The audit trail needs an admin key of your organisation');
    return [s.own, actor];
  };

  const list = async (c: RequestContext, s: { own: ResourceStore; all: ResourceStore }, schema: typeof schemas.audit, sortAttr: string) => {
    const [store, actor] = scoped(c.actor, s);
    const q = parseListQuery(c.query, schema, Object.keys(store.def.columns), [{ attribute: sortAttr, descending: true }]);
    const ndjson = String(c.headers.accept ?? '').includes('application/x-ndjson');
    if (ndjson) q.limit = NDJSON_MAX;
    const { rows, total } = await store.list(ctx.db.reader, actor, q);
    const items = rows.map((r) => selectFields(r.doc, q.fields));
    if (ndjson) {
      return {
        status: 200,
        raw: true,
        body: items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : ''),
        headers: { 'Content-Type': 'application/x-ndjson', 'X-Total-Count': String(total), 'X-Result-Count': String(items.length) },
      };
    }
    return listResult(items, total);
  };

  const handlers: HandlerMap = {
    listAuditRecord: (c) => list(c, audit, schemas.audit, 'time'),
    listSecurityAlarm: (c) => list(c, alarms, schemas.alarm, 'raisedAt'),
    async retrieveAuditRecord(c) {
      const [store, actor] = scoped(c.actor, audit);
      const row = await store.find(ctx.db.reader, actor, c.params.id!);
      if (!row) throw notFound('AuditRecord', c.params.id);
      return { status: 200, body: row.doc };
    },
  };

  const retention: JobDefinition = {
    name: 'security-retention',
    schedule: '41 3 * * *',
    timeoutMs: 30 * 60_000,
    description: 'GW-2: purge audit records past GRIDLINK_AUDIT_RETENTION_DAYS; expire rate counters, idempotency records and old alarms',
    async run() {
      const t = ctx.now().getTime();
      const sec = ctx.config.security;
      const q = (sql: string, at: number) => ctx.db.pool.query(sql, [new Date(at)]).then((r) => r.rowCount ?? 0);
      const a = await q('DELETE FROM audit_log WHERE time < $1', t - sec.auditRetentionDays * 86_400_000);
      const r = await q('DELETE FROM rate_counter WHERE window_start < $1', t - 2 * 86_400_000);
      const i = await q('DELETE FROM idempotency_record WHERE created_at < $1', t - sec.idempotencyHours * 3_600_000);
      const s = await q(
        'DELETE FROM security_alarm WHERE raised_at < $1 AND (blocked_until IS NULL OR blocked_until < $1)',
        t - sec.auditRetentionDays * 86_400_000,
      );
      return `${a} audit record(s), ${r} rate counter(s), ${i} idempotency record(s), ${s} alarm(s) removed`;
    },
  };

  return { name: 'audit', handlers, hubs: [], jobs: [retention] };
}
