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
