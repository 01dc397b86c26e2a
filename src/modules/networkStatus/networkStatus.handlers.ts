import type { HandlerMap } from '../../http/context.js';
import type { JsonSchema } from '../../http/tmfQuery.js';
import { noticeHandlers } from '../notice/notice.handlers.js';
import { presentNetworkStatusNotice } from './networkStatus.presenter.js';
import { NETWORK_STATUS_SORTABLE, type NetworkStatusService } from './networkStatus.service.js';

export function networkStatusHandlers(service: NetworkStatusService, output: JsonSchema): HandlerMap {
  return noticeHandlers(service, output, {
    type: 'NetworkStatusNotice',
    impact: 'NetworkStatusImpact',
    sortable: NETWORK_STATUS_SORTABLE,
    present: presentNetworkStatusNotice,
    etag: false,
  });
}
