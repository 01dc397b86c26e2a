import type { PayloadFormatter } from '../../events/formats.js';
import { isJsonObject, stringIn, type JsonObject } from '../../http/patch.js';
import { writeOutage } from './iec61968.mapper.outage.js';
import { writeTicket } from './iec61968.mapper.troubleTicket.js';
import { eventMessage, payload } from './iec61968.presenter.js';
import type { IecBridge } from './iec61968.service.js';
import { XML_TYPE } from './iec61968.service.js';
import type { XsdValidator } from './iec61968.xsd.js';

/**
 * Outbound (CIM-1, issue point 2): Gridlink events as IEC 61968 EventMessages for hub
 * subscriptions with `format: iec61968`. TroubleTicket events -> noun TroubleTicket;
 * outage notice events -> noun IncidentInformation. Verb from the event: created,
 * closed / canceled for those statuses, deleted, else changed. mRIDs are the receiving
 * organisation's own ids where its OMS created the object, else Gridlink ids.
 */
const NOTICE_EVENTS = new Set([
  'EnergyOutageNoticeCreateEvent',
  'EnergyOutageNoticeAttributeValueChangeEvent',
  'EnergyOutageNoticeStatusChangeEvent',
  'EnergyOutageEtrChangeEvent',
]);

export function verbFor(eventType: string, status: unknown): string {
  if (eventType.endsWith('CreateEvent')) return 'created';
  if (eventType.endsWith('DeleteEvent')) return 'deleted';
  if (eventType.endsWith('StatusChangeEvent')) {
    if (status === 'closed') return 'closed';
    if (status === 'cancelled') return 'canceled';
  }
  return 'changed';
}

export function iecEventFormatter(deps: { bridge: IecBridge; xsd: XsdValidator }): PayloadFormatter {
  return {
    carries: (resourceType, eventType) =>
      (resourceType === 'troubleTicket' && eventType.startsWith('TroubleTicket')) ||
      (resourceType === 'energyOutageNotice' && NOTICE_EVENTS.has(eventType)),
    async format(sub, outgoing) {
      // The TMF envelope (DeliveredEvent): the resource under `event`, named by its type.
      const envelope: JsonObject = { ...outgoing };
      const eventType = stringIn(envelope.eventType) ?? '';
      const ticket = isJsonObject(outgoing.event.troubleTicket) ? outgoing.event.troubleTicket : undefined;
      const outage = isJsonObject(outgoing.event.energyOutageNotice) ? outgoing.event.energyOutageNotice : {};
      const doc = ticket ?? outage;
      const kind = ticket ? 'ticket' : 'outage';
      const noun = ticket ? 'TroubleTicket' : 'IncidentInformation';
      const id = String(doc.id);
      const mrid = (await deps.bridge.mridsOf(sub.organization_id, kind, [id])).get(id)!;
      const xml = eventMessage(
        {
          verb: verbFor(eventType, doc.status),
          noun,
          timestamp: new Date(String(envelope.eventTime)),
          messageId: stringIn(envelope.eventId),
          comment: eventType,
        },
        payload(noun, [ticket ? writeTicket(doc, mrid) : writeOutage(doc, mrid)]),
      );
      const problems = await deps.xsd.validate(xml, 'message');
      // Our own output failing our schema is a bug: the delivery stays pending (retried, then dead-lettered) and is logged.
      if (problems.length) throw new Error(`IEC 61968 EventMessage fails the XSD: ${problems[0]!.message}`);
      return { body: xml, contentType: XML_TYPE };
    },
  };
}
