/**
 * How a webhook delivery is written for a subscription's `format` (hub `format`, default
 * `tmf`). The delivery machinery (queueing, signatures, retries, dead letters) is the same
 * for every format; only the body and its Content-Type differ.
 */
export interface FormattedDelivery {
  body: string;
  contentType: string;
}

/** An event as delivered: the TMF688 envelope plus `sequence` (possibly shaped by an API version profile). */
export type OutgoingEvent = { event: Record<string, unknown> } & object;

export interface PayloadFormatter {
  /** Whether events of this kind can be written in this format (others are not queued for it). */
  carries(resourceType: string, eventType: string): boolean;
  format(subscription: { organization_id: string }, event: OutgoingEvent): Promise<FormattedDelivery>;
}

export const DEFAULT_FORMAT = 'tmf';

/** TMF688 event envelope plus Gridlink's `sequence`, as JSON. */
export const tmfFormat: PayloadFormatter = {
  carries: () => true,
  format: async (_sub, event) => ({ body: JSON.stringify(event), contentType: 'application/json' }),
};

export function formatterFor(formats: Record<string, PayloadFormatter> | undefined, format: string | null | undefined): PayloadFormatter {
  return (format && format !== DEFAULT_FORMAT ? formats?.[format] : undefined) ?? tmfFormat;
}
