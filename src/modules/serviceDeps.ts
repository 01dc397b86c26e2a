import type { Database } from '../db/client.js';
import type { PartyService } from './party/party.service.js';

/**
 * What every domain service is built with: the database and the clock. The composition root
 * (modules/index.ts) passes the same two to every service; a service declares
 * `deps: ServiceDeps & { … }` with only what is its own.
 */
export interface ServiceDeps {
  db: Database;
  now: () => Date;
}

/** A service whose exchanges check organisations and partnerships (tenancy, GW-6). */
export interface PartnerServiceDeps extends ServiceDeps {
  party: PartyService;
}
