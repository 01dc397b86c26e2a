import type { AppError } from '../../http/errors.js';
import type { GridlinkModule, ModuleContext } from '../types.js';
import { iecEventFormatter } from './iec61968.events.js';
import { iec61968Handlers } from './iec61968.handlers.js';
import { faultMessage } from './iec61968.presenter.js';
import { XML_TYPE } from './iec61968.service.js';

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
export function iec61968Module(ctx: ModuleContext): GridlinkModule {
  const { iec61968: service, xsd } = ctx.services;
  return {
    name: 'iec61968',
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
