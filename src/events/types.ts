import type { EventEnvelope } from './outbox.js';

/** A committed outbox event as the relay hands it on. */
export interface RelayedEvent {
  sequence: number;
  id: string;
  eventType: string;
  resourceType: string;
  resourceId: string;
  originatorOrgId: string | null;
  audience: string[];
  eventTime: Date;
  payload: EventEnvelope;
}

/** What partners receive: the TMF688 envelope plus our global sequence. */
export type DeliveredEvent = EventEnvelope & { sequence: number };

export function toDelivered(e: Pick<RelayedEvent, 'payload' | 'sequence'>): DeliveredEvent {
  return { ...e.payload, sequence: e.sequence };
}

/** The outbox columns a relayed event is read from (relay, Socket.IO replay). */
export const EVENT_COLUMNS = 'sequence, id, event_type, resource_type, resource_id, originator_org_id, audience, event_time, payload';
/** An outbox row as node-postgres returns it. */
export interface EventRow {
  sequence: string;
  id: string;
  event_type: string;
  resource_type: string;
  resource_id: string;
  originator_org_id: string | null;
  audience: string[];
  event_time: Date;
  payload: RelayedEvent['payload'];
}
export const toRelayed = (x: EventRow): RelayedEvent => ({
  sequence: Number(x.sequence),
  id: x.id,
  eventType: x.event_type,
  resourceType: x.resource_type,
  resourceId: x.resource_id,
  originatorOrgId: x.originator_org_id,
  audience: x.audience,
  eventTime: x.event_time,
  payload: x.payload,
});
