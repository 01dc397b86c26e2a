import { createIdempotency } from '../../gateway/idempotency.js';
import type { AppError } from '../../http/errors.js';
import { newAjv } from '../../http/openapi.js';
import type { EnergyOutageService } from '../energyOutage/energyOutage.service.js';
import type { GridlinkModule, ModuleContext } from '../index.js';
import { componentSchema } from '../shared.js';
import type { TroubleTicketService } from '../troubleTicket/troubleTicket.service.js';
import { iecEventFormatter } from './iec61968.events.js';
import { iec61968Handlers } from './iec61968.handlers.js';
import { faultMessage } from './iec61968.presenter.js';
import { createIecBridge, XML_TYPE, type IecBridge } from './iec61968.service.js';
import { createXsdValidator, type XsdValidator } from './iec61968.xsd.js';

/** `1mb`, `512kb`, `100000` -> bytes. */
export function sizeInBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!m) return 1024 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b']!;
  return Math.floor(Number(m[1]) * unit);
}

/**
 * CIM-1: the IEC 61968 bridge. It owns no resource of its own: messages are mapped to
 * calls of the trouble ticket and energy outage services, and mRIDs to Gridlink ids
 * (table iec61968_object). Refusals on its API are IEC FaultMessages, not TMF JSON.
 */
export function iec61968Module(
  ctx: ModuleContext,
  services: { tickets: TroubleTicketService; outages: EnergyOutageService },
): GridlinkModule & { service: IecBridge; xsd: XsdValidator } {
  const xsd = createXsdValidator();
  const ajv = newAjv();
  const service = createIecBridge({
    db: ctx.db,
    now: ctx.now,
    log: ctx.log,
    party: ctx.party,
    tickets: services.tickets,
    outages: services.outages,
    xsd,
    idempotency: createIdempotency({ db: ctx.db, now: ctx.now }),
    schemas: {
      ticketCreate: ajv.compile(componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket_FVO')),
      noticeCreate: ajv.compile(componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice_FVO')),
      ticketOutput: componentSchema(ctx.apis, 'troubleTicket', 'TroubleTicket'),
      noticeOutput: componentSchema(ctx.apis, 'energyOutage', 'EnergyOutageNotice'),
    },
    maxInflatedBytes: sizeInBytes(ctx.config.bodyLimit),
  });
  return {
    name: 'iec61968',
    service,
    xsd,
    handlers: iec61968Handlers(service),
    hubs: [],
    deliveryFormats: { iec61968: iecEventFormatter({ bridge: service, xsd }) },
    errorFormat: {
      api: 'iec61968',
      render: (err: AppError, t: Date) => ({
        contentType: XML_TYPE,
        body: faultMessage([{ code: err.code, level: 'FATAL', reason: err.reason, details: err.message }], t),
      }),
    },
  };
}
