import type { Operation } from 'openapi-backend';
import type { Urgency } from '../gateway/gateway.js';
import type { AuditNote } from './context.js';

/**
 * Facts about an operation that the request pipeline needs, declared next to the operation
 * in its OpenAPI document as `x-gridlink-*` extensions instead of being set by hand in
 * handlers or kept in lists of operation ids (the extensions are described in
 * openapi/common.yaml's `info.description`):
 *
 * - `x-gridlink-audit-resource: <type>` — the resource type the audit row (GW-2) records
 *   when the handler names a resource (`ctx.audit.resourceId`). An operation that names
 *   none (a list) records none, as before. A handler may still set `ctx.audit.resourceType`
 *   itself when the type depends on the request (the IEC 61968 bridge: a ticket or a
 *   notice); that wins.
 * - `x-gridlink-urgency: urgent | priority | routine` (default `routine`) — which GW-5
 *   budget the request draws on: `urgent` always, `priority` when the body says priority 1
 *   or critical (gateway/gateway.ts `isUrgent`).
 */
export interface OperationFacts {
  readonly auditResource: string | undefined;
  readonly urgency: Urgency;
}

const URGENCIES: readonly Urgency[] = ['urgent', 'priority', 'routine'];

/** Reads and checks an operation's extensions (at start-up: a typo fails loudly). */
export function operationFacts(op: Operation, where: string): OperationFacts {
  const ext = op as Operation & { 'x-gridlink-audit-resource'?: unknown; 'x-gridlink-urgency'?: unknown };
  const auditResource = ext['x-gridlink-audit-resource'];
  const declared = ext['x-gridlink-urgency'] ?? 'routine';
  const urgency = URGENCIES.find((u) => u === declared);
  if (auditResource !== undefined && (typeof auditResource !== 'string' || !/^[a-z][A-Za-z]*$/.test(auditResource)))
    throw new Error(
      `${where} ${op.operationId}: x-gridlink-audit-resource must be a resource type name, not ${JSON.stringify(auditResource)}`,
    );
  if (!URGENCIES.includes(urgency as Urgency))
    throw new Error(
      `${where} ${op.operationId}: x-gridlink-urgency must be one of ${URGENCIES.join(', ')}, not ${JSON.stringify(urgency)}`,
    );
  return { auditResource, urgency: urgency as Urgency };
}

/** The audit step: the declared resource type goes with the resource the handler named. */
export function noteAuditResource(audit: AuditNote, facts: OperationFacts): void {
  if (audit.resourceId !== undefined && audit.resourceType === undefined && facts.auditResource) audit.resourceType = facts.auditResource;
}
