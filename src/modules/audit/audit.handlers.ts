import type { HandlerMap, RequestContext } from '../../http/context.js';
import { listResult, parseListQuery, selectFields, type JsonSchema } from '../../http/tmfQuery.js';
import type { AuditKind, AuditService } from './audit.service.js';

const NDJSON_MAX = 100_000;

/** GW-2 audit records and GW-3 alarms: lists as JSON or NDJSON (`Accept: application/x-ndjson`). */
export function auditHandlers(service: AuditService, schemas: { audit: JsonSchema; alarm: JsonSchema }): HandlerMap {
  const list = async (c: RequestContext, kind: AuditKind, schema: JsonSchema, sortAttr: string) => {
    service.authorize(c.actor);
    const q = parseListQuery(c.query, schema, service.columns(kind), [{ attribute: sortAttr, descending: true }]);
    const ndjson = String(c.headers.accept ?? '').includes('application/x-ndjson');
    if (ndjson) q.limit = NDJSON_MAX;
    const { docs, total } = await service.list(c.actor, kind, q);
    const items = docs.map((d) => selectFields(d, q.fields));
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

  return {
    listAuditRecord: (c) => list(c, 'record', schemas.audit, 'time'),
    listSecurityAlarm: (c) => list(c, 'alarm', schemas.alarm, 'raisedAt'),
    async retrieveAuditRecord(c) {
      return { status: 200, body: await service.getRecord(c.actor, c.params.id!) };
    },
  };
}
