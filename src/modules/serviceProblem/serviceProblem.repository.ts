import type { SqlTx } from '../../db/client.js';

/**
 * Service problems' own data access (issue 15, one data-access style) beyond what every
 * two-party record shares (src/modules/twoParty.repository.ts): the TMF656 event records.
 */

export interface EventRecordRow {
  id: string;
  serviceProblemId: string;
  originatorOrgId: string;
  /** Set when the responsible organisation received the event. */
  responsibleOrgId: string | undefined;
  eventType: string;
  eventTime: Date;
  recordTime: Date;
  doc: object;
}

/** A serviceProblemEventRecord (the notification as sent), in the transaction that wrote the event. */
export async function insertEventRecord(tx: SqlTx, r: EventRecordRow): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO service_problem_event_record
       (id, service_problem_id, originator_org_id, responsible_org_id, event_type, event_time, record_time, doc)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6::timestamptz, $7::timestamptz, $8::jsonb)`,
    r.id,
    r.serviceProblemId,
    r.originatorOrgId,
    r.responsibleOrgId ?? null,
    r.eventType,
    r.eventTime,
    r.recordTime,
    JSON.stringify(r.doc),
  );
}
