import type { Database } from '../../db/client.js';
import type { ResourceStore } from '../../db/resourceStore.js';
import { auditRecord, securityAlarm, unscopedStore, type ResourceEntry } from '../registry.js';
import { forbidden, notFound } from '../../http/errors.js';
import type { Actor, OrganizationActor } from '../../http/context.js';
import type { ListQuery } from '../../http/tmfQuery.js';
import type { JsonObject } from '../../http/patch.js';
import { purgeAuditRecords } from './audit.repository.js';

/**
 * GW-2 audit query and GW-3 alarms. Organisation admins see their own organisation's rows;
 * the platform admin sees everything. Same TMF630 machinery as every other list. The rows
 * are written by the audit log (audit.log.ts); this service reads and expires them.
 */
const PLATFORM_SCOPE = {
  kind: 'organization',
  organizationId: '00000000-0000-0000-0000-000000000000',
  organizationKind: 'DSO',
  role: 'admin',
  credentialId: 'platform-admin',
} as const;

interface Stores {
  own: ResourceStore;
  all: ResourceStore;
}
/** Tables, columns and documents from the resource registry; `all` for the platform admin. */
const stores = (r: ResourceEntry): Stores => ({ own: r.store, all: unscopedStore(r) });
const RECORDS = stores(auditRecord);
const ALARMS = stores(securityAlarm);

export type AuditKind = 'record' | 'alarm';
export type AuditService = ReturnType<typeof createAuditService>;

export function createAuditService(deps: { db: Database }) {
  const { db } = deps;
  const of = (kind: AuditKind) => (kind === 'record' ? RECORDS : ALARMS);

  /** Admin keys and the platform token only; the platform sees every organisation. */
  const scoped = (actor: Actor, s: Stores): [ResourceStore, OrganizationActor] => {
    if (actor.kind === 'platform') return [s.all, PLATFORM_SCOPE];
    if (actor.kind !== 'organization' || actor.role !== 'admin') throw forbidden('The audit trail needs an admin key of your organisation');
    return [s.own, actor];
  };

  return {
    /** Attributes a list may filter and sort on. */
    columns: (kind: AuditKind) => Object.keys(of(kind).own.def.columns),

    /** Checks the caller may read the audit trail (before its query is parsed). */
    authorize(actor: Actor): void {
      scoped(actor, RECORDS);
    },

    async list(actor: Actor, kind: AuditKind, q: ListQuery): Promise<{ docs: JsonObject[]; total: number }> {
      const [store, scope] = scoped(actor, of(kind));
      const { rows, total } = await store.list(db.reader, scope, q);
      return { docs: rows.map((r) => r.doc), total };
    },

    async getRecord(actor: Actor, id: string): Promise<JsonObject> {
      const [store, scope] = scoped(actor, RECORDS);
      const row = await store.find(db.reader, scope, id);
      if (!row) throw notFound('AuditRecord', id);
      return row.doc;
    },

    /** GW-2 retention: audit records older than `before` are removed. */
    purge(before: Date): Promise<number> {
      return purgeAuditRecords(db.reader, before);
    },
  };
}
