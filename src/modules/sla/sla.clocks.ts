import type { SqlTx } from '../../db/client.js';
import type { SlaResourceType } from './sla.sources.js';
import { forgetClocks } from './sla.repository.js';

/**
 * The SLA module's clock rows (`sla_clock`) as other modules may touch them: a module that
 * deletes one of its resources forgets its clocks through this, in its own transaction,
 * instead of writing the SLA module's table. (Built before the resource services, which
 * the SLA service itself depends on.)
 */
export type SlaClocks = ReturnType<typeof createSlaClocks>;

export function createSlaClocks() {
  return {
    forget(tx: SqlTx, type: SlaResourceType, id: string): Promise<void> {
      return forgetClocks(tx, type, id);
    },
  };
}
