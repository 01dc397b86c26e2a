import { requireOrganization, type HandlerMap } from '../../http/context.js';
import type { IecBridge } from './iec61968.service.js';

/** The two transports of the same message: plain XML and a SOAP envelope. */
export function iec61968Handlers(bridge: IecBridge): HandlerMap {
  return {
    async receiveIecMessage(ctx) {
      return bridge.handle(requireOrganization(ctx.actor), ctx.body as string, 'plain', ctx.audit);
    },
    async receiveIecSoapMessage(ctx) {
      return bridge.handle(requireOrganization(ctx.actor), ctx.body as string, 'soap', ctx.audit);
    },
  };
}
