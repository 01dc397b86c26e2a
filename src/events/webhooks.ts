import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { isUuid } from '../db/resourceStore.js';
import type { OrganizationActor } from '../http/context.js';
import { badRequest, notFound, unprocessable } from '../http/errors.js';
import { matchesFilters, parseListQuery, type Filter, type JsonSchema } from '../http/tmfQuery.js';
import { writeEvents } from './outbox.js';
import { recipientsOf } from './recipients.js';
import type { RelayConsumer } from './relay.js';
import { formatterFor, type PayloadFormatter } from './formats.js';
import { newSecret } from './signature.js';
import { createLeases, HEARTBEAT_MS, LEASE, LEASE_MS } from './webhooks.leases.js';
import { createTransport, isPrivateHost, type Attempt } from './webhooks.transport.js';

export { LEASE_MS, HEARTBEAT_MS };
import { toDelivered, type DeliveredEvent, type RelayedEvent } from './types.js';
import { writeAuditRecord } from '../modules/audit/audit.log.js';

/** What each API's hub offers: the event types and the resource schema for filters. */
export interface HubDescriptor {
  api: string;
  basePath: string;
  /** The resource whose attributes `query` may filter on (its schema below). */
  resourceType: string | undefined;
  schema: JsonSchema | undefined;
  /** Event resource types delivered on this hub. */
  carries: string[];
  eventTypes: string[];
  /**
   * An API profile's view of an event (e.g. TMF621 v4): the envelope its subscribers get,
   * also what their `query` filters apply to; `undefined` = not delivered on this hub.
   */
  profile?: (event: DeliveredEvent) => (Record<string, unknown> & { event: Record<string, unknown> }) | undefined;
}

interface SubscriptionRow {
  id: string;
  organization_id: string;
  api: string;
  callback: string;
  query: string | null;
  event_types: string[];
  filters: Filter[];
  secret: string;
  format: string;
  consecutive_failures: number;
}

/** A whole `hub_subscription` row (`SELECT *`): delivery state and the GW-8 health check too. */
interface HubRow extends SubscriptionRow {
  created_at: Date;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  health_checked_at: Date | null;
  health_ok: boolean | null;
  health_status_code: number | null;
  health_latency_ms: number | null;
  health_detail: string | null;
}

export type Webhooks = ReturnType<typeof createWebhooks>;

interface PendingDelivery {
  id: string;
  event_sequence: string;
  event_id: string;
  attempts: number;
  created_at: Date;
  next_attempt_at: Date;
  payload: RelayedEvent['payload'] | null;
}

const WORKER_TICK_MS = 1_000;
export function createWebhooks(deps: {
  db: Database;
  log: Logger;
  config: Config;
  now: () => Date;
  hubs: HubDescriptor[];
  /** Delivery formats besides TMF JSON, by hub `format` (src/events/formats.ts). */
  formats?: Record<string, PayloadFormatter>;
}) {
  const { db, log, config, now } = deps;
  const wh = config.webhooks;
  const instance = crypto.randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let rerun = false;

  const hubOf = (api: string) => {
    const h = deps.hubs.find((x) => x.api === api);
    if (!h) throw new Error(`no hub for ${api}`);
    return h;
  };

  /** TMF630 hub query -> event types + resource filters, rejected early if invalid. */
  const parseHubQuery = (hub: HubDescriptor, query: string | undefined): { eventTypes: string[]; filters: Filter[] } => {
    if (!query?.trim()) return { eventTypes: [], filters: [] };
    const params = new URLSearchParams(query.replace(/\s*([=&,])\s*/g, '$1'));
    const eventTypes: string[] = [];
    const attrs: Record<string, string[]> = {};
    for (const [k, v] of params) {
      if (k === 'eventType') {
        for (const t of v.split(',')) {
          if (!hub.eventTypes.includes(t))
            throw badRequest(`query: unknown eventType '${t}'; this hub carries ${hub.eventTypes.join(', ')}`, 'INVALID_QUERY');
          eventTypes.push(t);
        }
        continue;
      }
      const key = hub.resourceType ? k.replace(new RegExp(`^event\\.${hub.resourceType}\\.`), '') : k;
      (attrs[key] ??= []).push(v);
    }
    if (Object.keys(attrs).length && !hub.schema) throw badRequest('query: this hub supports only eventType filters', 'INVALID_QUERY');
    const filters = hub.schema ? parseListQuery(attrs, hub.schema, [], []).filters : [];
    return { eventTypes, filters };
  };

  const present = async (row: HubRow, counts?: { backlog: number; dead: number }) => {
    const hub = hubOf(row.api);
    const c =
      counts ??
      (
        await db.pool.query<{ backlog: string; dead: string }>(
          `SELECT count(*) FILTER (WHERE status = 'pending') AS backlog, count(*) FILTER (WHERE status = 'dead') AS dead
             FROM webhook_delivery WHERE subscription_id = $1`,
          [row.id],
        )
      ).rows.map((r) => ({ backlog: Number(r.backlog), dead: Number(r.dead) }))[0]!;
    const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : undefined);
    return {
      id: row.id,
      href: `${config.baseUrl ?? ''}${hub.basePath}/hub/${row.id}`,
      callback: row.callback,
      ...(row.query ? { query: row.query } : {}),
      format: row.format,
      '@type': 'Hub',
      createdAt: iso(row.created_at)!,
      deliveryState: {
        ...(row.last_success_at ? { lastSuccess: iso(row.last_success_at) } : {}),
        ...(row.last_error ? { lastError: row.last_error, lastErrorAt: iso(row.last_error_at) } : {}),
        consecutiveFailures: row.consecutive_failures,
        backlog: c.backlog,
        deadLettered: c.dead,
      },
      ...(row.health_checked_at
        ? {
            healthCheck: {
              checkedAt: iso(row.health_checked_at)!,
              ok: row.health_ok,
              ...(row.health_status_code != null ? { statusCode: row.health_status_code } : {}),
              ...(row.health_latency_ms != null ? { latencyMs: row.health_latency_ms } : {}),
              ...(row.health_detail ? { detail: row.health_detail } : {}),
            },
          }
        : {}),
    };
  };

  const findOwn = async (actor: OrganizationActor, api: string, id: string) => {
    if (!isUuid(id)) throw notFound('Hub', id);
    const { rows } = await db.pool.query<HubRow>('SELECT * FROM hub_subscription WHERE id = $1 AND organization_id = $2 AND api = $3', [
      id,
      actor.organizationId,
      api,
    ]);
    if (!rows[0]) throw notFound('Hub', id);
    return rows[0];
  };

  const notice = (orgId: string, eventType: string, body: Record<string, unknown>, description: string) => ({
    eventType,
    resourceType: 'notification',
    resource: { id: crypto.randomUUID(), '@type': eventType.replace(/Event$/, ''), ...body },
    audience: [orgId],
    eventTime: now(),
    description,
  });

  const transport = createTransport({ webhooks: wh, now, busy: (id) => leases.active.has(id) });
  const { post } = transport;

  const backoff = (attempts: number) => {
    const exp = Math.min(wh.backoffMaxMs, wh.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2)); // "equal jitter"
  };

  const leases = createLeases({ db, log, instance });

  /**
   * Requests in flight per subscription: slow start. A subscription starts (and restarts
   * after any failure) with one request at a time and doubles after each window that was
   * wholly acknowledged, up to `pipeline`: a failing receiver gets one request per retry.
   */
  const windows = new Map<string, number>();
  const windowOf = (sub: SubscriptionRow) => (sub.consecutive_failures > 0 ? 1 : (windows.get(sub.id) ?? 1));

  /** Step 1: the head of the queue and the deliveries behind it, up to `size`, if the head is due. */
  const nextWindow = async (sub: SubscriptionRow, size: number): Promise<PendingDelivery[]> => {
    const { rows } = await db.pool.query<PendingDelivery>(
      `SELECT d.id, d.event_sequence, d.event_id, d.attempts, d.created_at, d.next_attempt_at, e.payload
         FROM webhook_delivery d LEFT JOIN event e ON e.sequence = d.event_sequence
        WHERE d.subscription_id = $1 AND d.status = 'pending' ORDER BY d.event_sequence LIMIT $2`,
      [sub.id, size],
    );
    return rows[0] && rows[0].next_attempt_at <= now() ? rows : [];
  };

  /** Step 2: deliveries whose event expired from retention are dead-lettered quietly; the rest. */
  const dropExpired = async (window: PendingDelivery[]) => {
    const gone = window.filter((d) => !d.payload).map((d) => d.id);
    if (gone.length)
      await db.pool.query(
        `UPDATE webhook_delivery SET status = 'dead', last_error = 'event expired from retention', last_attempt_at = $2 WHERE id = ANY($1::bigint[])`,
        [gone, now()],
      );
    return window.filter((d) => d.payload) as (PendingDelivery & { payload: RelayedEvent['payload'] })[];
  };

  /** Step 3: every delivery of the window sent at once, in order, on the subscription's connection. */
  const sendWindow = async (sub: SubscriptionRow, window: (PendingDelivery & { payload: RelayedEvent['payload'] })[]) => {
    const formatter = formatterFor(deps.formats, sub.format);
    const hub = hubOf(sub.api);
    const bodies = await Promise.all(
      window.map((d) => {
        const delivered = toDelivered({ payload: d.payload, sequence: Number(d.event_sequence) });
        return formatter.format(sub, hub.profile?.(delivered) ?? delivered);
      }),
    );
    // Issued synchronously in sequence order: the connection sends them in that order.
    return Promise.all(window.map((d, i) => post(sub, bodies[i]!.body, d.event_id, Number(d.event_sequence), bodies[i]!.contentType)));
  };

  /** Step 4: the acknowledged prefix is delivered (one statement), the subscription healthy. */
  const recordDelivered = async (sub: SubscriptionRow, acked: PendingDelivery[], results: Attempt[]) => {
    const done = now();
    await db.pool.query(
      `UPDATE webhook_delivery d SET status = 'delivered', attempts = d.attempts + 1, delivered_at = $3, last_attempt_at = $3,
              last_status_code = u.code, last_error = NULL
         FROM unnest($1::bigint[], $2::int[]) AS u(id, code) WHERE d.id = u.id`,
      [acked.map((d) => d.id), results.slice(0, acked.length).map((r) => r.status), done],
    );
    await db.pool.query('UPDATE hub_subscription SET last_success_at = $2, consecutive_failures = 0 WHERE id = $1', [sub.id, done]);
    sub.consecutive_failures = 0;
  };

  /**
   * Step 5: the first unacknowledged delivery failed: it is retried after a backoff (and
   * everything behind it is sent again after it), or dead-lettered past the retry period
   * with a notice to the owner and an audit row. Returns whether it was dead-lettered.
   */
  const recordFailure = async (sub: SubscriptionRow, d: PendingDelivery & { payload: RelayedEvent['payload'] }, result: Attempt) => {
    const done = now();
    const sequence = Number(d.event_sequence);
    const attempts = d.attempts + 1;
    const expired = done.getTime() - d.created_at.getTime() >= wh.retryPeriodMs;
    await db.transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE webhook_delivery SET attempts = $2, last_attempt_at = $3, last_status_code = $4, last_error = $5, status = $6, next_attempt_at = $7 WHERE id = $1`,
        d.id,
        attempts,
        done,
        result.status ?? null,
        result.error,
        expired ? 'dead' : 'pending',
        new Date(done.getTime() + backoff(attempts)),
      );
      await tx.$executeRawUnsafe(
        'UPDATE hub_subscription SET last_error = $2, last_error_at = $3, consecutive_failures = consecutive_failures + 1 WHERE id = $1',
        sub.id,
        result.error,
        done,
      );
      if (expired) {
        await writeEvents(tx, [
          notice(
            sub.organization_id,
            'HubDeliveryDeadLetterEvent',
            {
              subscription: { id: sub.id, callback: sub.callback },
              deadLetteredEvent: { eventId: d.event_id, sequence, eventType: d.payload.eventType },
              attempts,
              reason: result.error,
            },
            `gave up delivering ${d.payload.eventType} ${d.event_id} after ${attempts} attempts`,
          ),
        ]);
        // GW-2: the dead letter is audited in the same transaction, through the audit module's writer.
        await writeAuditRecord(tx, {
          time: done,
          requestId: `webhook-${d.id}`,
          credentialId: null,
          credentialKind: 'system',
          organizationId: sub.organization_id,
          method: 'POST',
          path: sub.callback.slice(0, 500),
          operation: 'webhookDeadLetter',
          resourceType: 'hub',
          resourceId: sub.id,
          counterpartOrgId: null,
          status: result.status ?? 0,
          outcome: 'error',
          durationMs: result.latencyMs,
          remoteAddress: null,
          detail: `event ${d.event_id} dead-lettered after ${attempts} attempts: ${result.error}`,
        });
      }
    });
    sub.consecutive_failures += 1;
    log.warn({ subscription: sub.id, event: d.event_id, attempts, reason: result.error, deadLettered: expired }, 'webhook delivery failed');
    return expired;
  };

  /**
   * Delivers one subscription's queue in sequence order until it fails or empties, a window
   * of requests at a time (pipelined). Only the contiguous acknowledged prefix of a window
   * counts as delivered; from the first failure on, the window is sent again (the failed
   * delivery after its backoff), so order holds and nothing is lost (at-least-once: a
   * receiver may see an event again that it had acknowledged after the failed one).
   */
  const deliverSubscription = async (sub: SubscriptionRow) => {
    for (;;) {
      const due = await nextWindow(sub, windowOf(sub));
      if (due.length === 0) return;
      const window = await dropExpired(due);
      if (window.length === 0) continue; // only events expired from retention
      if (!(await leases.hold(sub.id))) return; // the lease ran out and another instance holds it now
      const results = await sendWindow(sub, window);
      const failed = results.findIndex((r) => !r.ok);
      const acked = failed < 0 ? window.length : failed;
      if (acked > 0) await recordDelivered(sub, window.slice(0, acked), results);
      if (failed < 0) {
        windows.set(sub.id, Math.min(wh.pipeline, windowOf(sub) * 2));
        continue;
      }
      windows.set(sub.id, 1);
      if (!(await recordFailure(sub, window[failed]!, results[failed]!))) return;
    }
  };

  const runOnce = async () => {
    transport.closeIdle();
    const t = now();
    // Free: never leased, not renewed for LEASE_MS (database time), or this instance's own
    // (left by a delivery cut short by a database outage; ticks of one instance never overlap).
    const { rows: subs } = await db.pool.query<SubscriptionRow>(
      `UPDATE hub_subscription s SET lease_until = clock_timestamp() + $3::interval, lease_owner = $2
        WHERE s.id IN (
          SELECT s2.id FROM hub_subscription s2
           WHERE (s2.lease_until IS NULL OR s2.lease_until < clock_timestamp() OR s2.lease_owner = $2)
             AND (SELECT d.next_attempt_at FROM webhook_delivery d
                   WHERE d.subscription_id = s2.id AND d.status = 'pending'
                   ORDER BY d.event_sequence LIMIT 1) <= $1
           LIMIT 50 FOR UPDATE SKIP LOCKED)
        RETURNING s.*`,
      [t, instance, LEASE],
    );
    await Promise.all(
      subs.map(async (s) => {
        leases.begin(s.id);
        try {
          await deliverSubscription(s);
        } catch (e) {
          log.error({ err: e, subscription: s.id }, 'webhook worker failed');
        } finally {
          await leases.end(s.id);
        }
      }),
    );
  };

  const work = (): Promise<void> => {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          rerun = false;
          await runOnce();
        } while (rerun);
      } catch (e) {
        log.error({ err: e }, 'webhook worker tick failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  /** Relay consumer: one delivery row per matching subscription, in the relay's transaction. */
  const fanOut: RelayConsumer = {
    name: 'webhooks',
    async handle(events, client: pg.PoolClient) {
      const recipients = await recipientsOf(events, client);
      const orgs = [...new Set([...recipients.values()].flat())];
      if (orgs.length === 0) return;
      const { rows: subs } = await client.query<SubscriptionRow>('SELECT * FROM hub_subscription WHERE organization_id = ANY($1::uuid[])', [
        orgs,
      ]);
      if (subs.length === 0) return;
      const values: unknown[] = [];
      const tuples: string[] = [];
      const t = now();
      for (const e of events) {
        for (const s of subs) {
          if (!recipients.get(e.sequence)!.includes(s.organization_id)) continue;
          const hub = hubOf(s.api);
          if (!hub.carries.includes(e.resourceType)) continue;
          if (s.event_types.length && !s.event_types.includes(e.eventType)) continue;
          const shaped = hub.profile ? hub.profile(toDelivered(e)) : e.payload;
          if (!shaped) continue;
          const resource = shaped.event[e.resourceType];
          if (!formatterFor(deps.formats, s.format).carries(e.resourceType, e.eventType)) continue;
          if (s.filters.length && !matchesFilters(resource, s.filters)) continue;
          // A notice about a failing subscription is not sent to that same subscription
          // (it would dead-letter in turn, forever); the owner gets it everywhere else.
          if (e.resourceType === 'notification' && (resource as { subscription?: { id?: string } } | undefined)?.subscription?.id === s.id)
            continue;
          values.push(s.id, e.sequence, e.id, t);
          const n = values.length;
          tuples.push(`($${n - 3}::uuid, $${n - 2}::bigint, $${n - 1}::uuid, $${n}::timestamptz, $${n}::timestamptz)`);
        }
      }
      if (tuples.length === 0) return;
      await client.query(
        `INSERT INTO webhook_delivery (subscription_id, event_sequence, event_id, created_at, next_attempt_at) VALUES ${tuples.join(',')}
         ON CONFLICT (subscription_id, event_sequence) DO NOTHING`,
        values,
      );
    },
    afterCommit(events) {
      if (events.length) void work();
    },
  };

  return {
    fanOut,
    parseHubQuery,
    /** Runs the delivery worker until nothing is due (tests drive it directly). */
    deliverDue: async () => {
      await work();
      await work();
    },

    start() {
      timer = setInterval(() => void work(), WORKER_TICK_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
      transport.closeIdle(true);
    },

    async create(actor: OrganizationActor, api: string, input: { callback: string; query?: string; format?: string }) {
      const hub = hubOf(api);
      const format = input.format ?? 'tmf';
      if (format !== 'tmf' && !deps.formats?.[format]) throw badRequest(`format: unknown delivery format '${format}'`, 'INVALID_FORMAT');
      const { eventTypes, filters } = parseHubQuery(hub, input.query);
      let url: URL;
      try {
        url = new URL(input.callback);
      } catch {
        throw badRequest('callback must be an absolute http(s) URL', 'INVALID_CALLBACK');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('callback must use http or https', 'INVALID_CALLBACK');
      if (url.username || url.password) throw unprocessable('callback must not carry credentials in the URL', 'INVALID_CALLBACK');
      if (!wh.allowPrivateNetworks && isPrivateHost(url.hostname)) {
        throw unprocessable('callback points at a private or loopback address, which this deployment does not allow', 'INVALID_CALLBACK');
      }
      const id = crypto.randomUUID();
      const secret = newSecret();
      const { rows } = await db.pool.query<HubRow>(
        `INSERT INTO hub_subscription (id, organization_id, api, callback, query, event_types, filters, secret, created_at, format)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [id, actor.organizationId, api, url.toString(), input.query ?? null, eventTypes, JSON.stringify(filters), secret, now(), format],
      );
      return { ...(await present(rows[0]!, { backlog: 0, dead: 0 })), secret };
    },

    async get(actor: OrganizationActor, api: string, id: string) {
      return present(await findOwn(actor, api, id));
    },

    async list(actor: OrganizationActor, api: string) {
      const { rows } = await db.pool.query<HubRow>(
        'SELECT * FROM hub_subscription WHERE organization_id = $1 AND api = $2 ORDER BY created_at, id',
        [actor.organizationId, api],
      );
      return Promise.all(rows.map((r) => present(r)));
    },

    async remove(actor: OrganizationActor, api: string, id: string) {
      await findOwn(actor, api, id);
      await db.pool.query('DELETE FROM hub_subscription WHERE id = $1', [id]);
    },

    /** GW-8: probe one callback, record the outcome, notify the owner when it starts failing. */
    async check(sub: HubRow) {
      const pingId = crypto.randomUUID();
      const body = JSON.stringify({
        eventId: pingId,
        eventTime: now().toISOString(),
        eventType: 'HubHealthCheckEvent',
        '@type': 'HubHealthCheckEvent',
        event: { hub: { id: sub.id } },
      });
      const r = await post(sub, body, pingId);
      const wasOk = sub.health_ok;
      await db.transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          'UPDATE hub_subscription SET health_checked_at = $2, health_ok = $3, health_status_code = $4, health_latency_ms = $5, health_detail = $6 WHERE id = $1',
          sub.id,
          now(),
          r.ok,
          r.status ?? null,
          r.latencyMs,
          r.error ?? null,
        );
        if (!r.ok && wasOk !== false) {
          await writeEvents(tx, [
            notice(
              sub.organization_id,
              'HubEndpointUnhealthyEvent',
              { subscription: { id: sub.id, callback: sub.callback }, reason: r.error },
              `webhook endpoint ${sub.callback} failed its health check`,
            ),
          ]);
        }
      });
      log[r.ok ? 'info' : 'warn'](
        { subscription: sub.id, ok: r.ok, status: r.status, latencyMs: r.latencyMs, reason: r.error },
        'webhook endpoint health check',
      );
      return r;
    },

    async checkOwn(actor: OrganizationActor, api: string, id: string) {
      await this.check(await findOwn(actor, api, id));
      return present(await findOwn(actor, api, id));
    },

    async checkAll() {
      const { rows } = await db.pool.query<HubRow>('SELECT * FROM hub_subscription ORDER BY id');
      let failed = 0;
      for (const s of rows) if (!(await this.check(s)).ok) failed++;
      return { checked: rows.length, failed };
    },

    /**
     * GW-7: an event that could not reach any webhook of a destination organisation for
     * `undeliverableAfterMs` makes its originator a DeliveryFailedEvent, once.
     */
    async notifyUndeliverable() {
      const cutoff = new Date(now().getTime() - wh.undeliverableAfterMs);
      return db.transaction(async (tx) => {
        // Runs under the job's advisory lock, so one instance at a time.
        const rows = await tx.$queryRawUnsafe<
          {
            event_id: string;
            destination: string;
            originator: string | null;
            event_type: string | null;
            sequence: bigint;
            reason: string | null;
            ids: bigint[];
          }[]
        >(
          `SELECT d.event_id, s.organization_id AS destination, e.originator_org_id AS originator, e.event_type, d.event_sequence AS sequence,
                  (array_agg(d.last_error ORDER BY d.last_attempt_at DESC NULLS LAST))[1] AS reason, array_agg(d.id) AS ids
             FROM webhook_delivery d
             JOIN hub_subscription s ON s.id = d.subscription_id
             LEFT JOIN event e ON e.sequence = d.event_sequence
            WHERE d.undeliverable_notified_at IS NULL AND d.status IN ('pending', 'dead') AND d.created_at <= $1
            GROUP BY d.event_id, s.organization_id, e.originator_org_id, e.event_type, d.event_sequence
           HAVING NOT EXISTS (SELECT 1 FROM webhook_delivery d2 JOIN hub_subscription s2 ON s2.id = d2.subscription_id
                               WHERE d2.event_id = d.event_id AND s2.organization_id = s.organization_id AND d2.status = 'delivered')`,
          cutoff,
        );
        const notices = rows
          .filter((r) => r.originator && r.originator !== r.destination)
          .map((r) =>
            notice(
              r.originator!,
              'DeliveryFailedEvent',
              {
                failedEvent: { eventId: r.event_id, eventType: r.event_type ?? undefined, sequence: Number(r.sequence) },
                destination: { id: r.destination, '@referredType': 'Organization' },
                reason: r.reason ?? 'not yet attempted (delivery backlog)',
                undeliveredSince: cutoff.toISOString(),
              },
              `event ${r.event_id} has not reached ${r.destination} for ${Math.round(wh.undeliverableAfterMs / 60000)} minutes: ${r.reason ?? 'backlog'}`,
            ),
          );
        if (notices.length) await writeEvents(tx, notices);
        const ids = rows.flatMap((r) => r.ids.map(String));
        if (ids.length)
          await tx.$executeRawUnsafe('UPDATE webhook_delivery SET undeliverable_notified_at = $1 WHERE id = ANY($2::bigint[])', now(), ids);
        return notices.length;
      });
    },
  };
}
