import crypto from 'node:crypto';
import type { SqlTx } from '../db/client.js';

/**
 * Transactional outbox. A command writes its events in its own transaction, as its last
 * statement, so a committed change always has its event and a rolled-back one never
 * does.
 *
 * There is no global lock (issue 12): writers commit in parallel, so `sequence` (drawn
 * from the BIGSERIAL at insert) is not commit order — a transaction may commit a smaller
 * sequence after a larger one is visible. The relay recovers a gap-free order instead:
 * it notes the sequence's last value S, then takes a transaction id of its own, waits until
 * every transaction with a smaller id that was in progress then has finished (those the
 * snapshot lists and those newer than its xmax, which it does not list), and only then
 * relays rows up to S (see relay.ts). That is sound because a writer takes its transaction id *before*
 * drawing its sequence numbers (the `pg_current_xact_id()` below): a row numbered <= S
 * belongs to a transaction that had an id when S was read, so it is either visible or
 * among those waited for. Per resource, order is kept: a second change of the same
 * resource waits for the first one's row lock, so its events are inserted (numbered)
 * after the first commit.
 */
/** NOTIFY channel; PostgreSQL delivers the notification when the transaction commits. */
export const EVENTS_CHANNEL = 'gridlink_events';

export interface NewEvent {
  eventType: string;
  /** TMF resource name as used in the envelope, e.g. `troubleTicket`. */
  resourceType: string;
  resource: Record<string, unknown> & { id: string };
  /** Organisations that may receive this event. */
  audience: string[];
  originatorOrgId?: string;
  eventTime: Date;
  title?: string;
  description?: string;
}

export interface EventEnvelope {
  eventId: string;
  eventTime: string;
  eventType: string;
  '@type': string;
  '@baseType': 'Event';
  domain: string;
  title?: string;
  description?: string;
  timeOccurred: string;
  event: Record<string, unknown>;
}

/** An event as written: its id and envelope (what receivers get), in the order given. */
export interface WrittenEvent {
  event: NewEvent;
  envelope: EventEnvelope;
}

export async function writeEvents(tx: SqlTx, events: NewEvent[]): Promise<WrittenEvent[]> {
  if (events.length === 0) return [];
  const written: WrittenEvent[] = [];
  // The transaction id must exist before any sequence number is drawn (see above).
  await tx.$queryRawUnsafe('SELECT pg_current_xact_id()::text AS xid');
  const values: unknown[] = [];
  const tuples = events.map((e) => {
    const id = crypto.randomUUID();
    const envelope: EventEnvelope = {
      eventId: id,
      eventTime: e.eventTime.toISOString(),
      eventType: e.eventType,
      '@type': e.eventType,
      '@baseType': 'Event',
      domain: e.resourceType,
      ...(e.title ? { title: e.title } : {}),
      ...(e.description ? { description: e.description } : {}),
      timeOccurred: e.eventTime.toISOString(),
      event: { [e.resourceType]: e.resource },
    };
    written.push({ event: e, envelope });
    values.push(
      id,
      e.eventType,
      e.eventTime,
      e.resourceType,
      e.resource.id,
      e.originatorOrgId ?? null,
      [...new Set(e.audience)],
      JSON.stringify(envelope),
    );
    const n = values.length;
    return `($${n - 7}::uuid, $${n - 6}, $${n - 5}::timestamptz, $${n - 4}, $${n - 3}, $${n - 2}::uuid, $${n - 1}::uuid[], $${n}::jsonb)`;
  });
  // The rows and the NOTIFY (delivered at commit) in one statement.
  await tx.$queryRawUnsafe(
    `WITH inserted AS (
       INSERT INTO event (id, event_type, event_time, resource_type, resource_id, originator_org_id, audience, payload)
       VALUES ${tuples.join(', ')})
     SELECT pg_notify('${EVENTS_CHANNEL}', '')::text AS notified`,
    ...values,
  );
  return written;
}
