/** One GW-2/GW-3 transaction-log row as the audit writer (audit.log.ts) queues it. */
export interface AuditRecord {
  time: Date;
  requestId: string;
  credentialId: string | null;
  credentialKind: string | null;
  organizationId: string | null;
  method: string;
  path: string;
  operation: string | null;
  resourceType: string | null;
  resourceId: string | null;
  counterpartOrgId: string | null;
  status: number;
  outcome: 'success' | 'refused' | 'error';
  durationMs: number;
  remoteAddress: string | null;
  detail: string | null;
  /** Session-cookie requests (issue 13): the signed-in person. */
  userId?: string | null;
  userEmail?: string | null;
}
