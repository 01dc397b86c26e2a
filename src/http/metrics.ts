import client from 'prom-client';
import type { Database } from '../db/client.js';

/** Prometheus metrics; one registry per app instance so tests can build several apps. */
export interface Metrics {
  readonly registry: client.Registry;
  observeRequest(operation: string, method: string, status: number, seconds: number): void;
  /** Issue 12: audit rows that could not be written as they came (see modules/audit/audit.log.ts). */
  auditFailure(kind: string, rows: number): void;
}

export function createMetrics(db: Database): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'gridlink_' });
  const requests = new client.Counter({
    name: 'gridlink_http_requests_total',
    help: 'HTTP requests by operation, method and status',
    labelNames: ['operation', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'gridlink_http_request_duration_seconds',
    help: 'HTTP request latency by operation and status',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const auditFailures = new client.Counter({
    name: 'gridlink_audit_write_failures_total',
    help: 'Audit rows not stored on the first try, by kind: unavailable (database away; kept and retried), batch_refused (retried row by row), row_sanitized (stored sanitized), row_lost',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'gridlink_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, db.pool.totalCount);
      this.set({ state: 'idle' }, db.pool.idleCount);
      this.set({ state: 'waiting' }, db.pool.waitingCount);
    },
  });
  new client.Gauge({
    name: 'gridlink_event_backlog',
    help: 'Committed outbox events not yet relayed to Socket.IO and webhooks',
    registers: [registry],
    async collect() {
      // While the database is away the last value stays; /metrics must still answer.
      if (!db.health.isUp()) return;
      const rows = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM event WHERE relayed_at IS NULL').catch(() => undefined);
      if (rows) this.set(Number(rows.rows[0]?.n ?? 0));
    },
  });
  new client.Gauge({
    name: 'gridlink_database_up',
    help: 'Whether the database is reachable (0 while it is away; API calls are answered 503 then)',
    registers: [registry],
    collect() {
      this.set(db.health.isUp() ? 1 : 0);
    },
  });
  return {
    registry,
    observeRequest(operation, method, status, seconds) {
      requests.inc({ operation, method, status: String(status) });
      latency.observe({ operation, status: String(status) }, seconds);
    },
    auditFailure(kind, rows) {
      auditFailures.inc({ kind }, rows);
    },
  };
}
