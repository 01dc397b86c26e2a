import { requireOrganization, type HandlerMap } from '../../http/context.js';
import { operationHandlers } from '../../http/documents.js';
import type { operations } from '../../generated/openapi/iec61968.js';
import type { IecBridge } from './iec61968.service.js';

/** The two transports of the same message: plain XML and a SOAP envelope. */
export function iec61968Handlers(bridge: IecBridge): HandlerMap {
  return operationHandlers<operations>({
    async receiveIecMessage(ctx) {
      return bridge.handle(requireOrganization(ctx.actor), ctx.body, 'plain', ctx.audit);
    },
    async receiveIecSoapMessage(ctx) {
      return bridge.handle(requireOrganization(ctx.actor), ctx.body, 'soap', ctx.audit);
    },
  });
}
