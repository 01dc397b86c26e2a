import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { writeEvents } from '../events/outbox.js';
import type { OrganizationActor } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { isJsonObject } from '../http/patch.js';

/**
 * Gateway policies shared by every API (GW-3, GW-4, GW-5). The state is in PostgreSQL
 * (fixed-window counters upserted atomically, alarms and blocks), so limits hold across
 * instances. Two things keep it off the request path (issue 7, docs/notes/performance.md):
 *
 * - Counters far from their limit are counted in memory and added to PostgreSQL in one
 *   statement every COUNTER_FLUSH_MS; a request whose count would come within the last
 *   10 % of a limit (or any limit of SYNC_LIMIT or less, such as the AMI example's 24 a
 *   minute) is counted in PostgreSQL before it is answered, so the refusal point is exact
 *   on one instance. With several instances, the stretch counted in memory may overshoot by
 *   what the other instances counted since their last flush (at most COUNTER_FLUSH_MS of
 *   their traffic) — never inside that last 10 %.
 * - Active GW-3 blocks are read from PostgreSQL at most every BLOCK_REFRESH_MS and kept in
 *   memory; a block raised on this instance applies at once, one raised on another
 *   instance within BLOCK_REFRESH_MS.
 *
 * GW-4: each organisation has a rate tier (per minute / hour / day); requests that address
 * a partner organisation in their body (creates) also count against the partnership's
 * tier. GW-5: a DSO's or MNO's urgent traffic — outage and network-status notices, and
 * priority-1 / critical tickets — draws on a separate urgent budget and never on the
 * routine one, so routine partner traffic cannot starve it.
 */
export interface Tier {
  name: string;
  perMinute: number;
  perHour: number;
  perDay: number;
  urgentPerMinute: number;
  urgentPerHour: number;
}

interface Window {
  name: 'minute' | 'hour' | 'day';
  ms: number;
}
const MINUTE: Window = { name: 'minute', ms: 60_000 };
const HOUR: Window = { name: 'hour', ms: 3_600_000 };
const DAY: Window = { name: 'day', ms: 86_400_000 };

/**
 * How an operation draws on the GW-5 budgets, declared per operation in the OpenAPI
 * documents (`x-gridlink-urgency`, see http/operationFacts.ts): `urgent` always (outage and
 * network-status notices), `priority` when the body is priority 1 or critical (ticket and
 * incident creates), `routine` otherwise.
 */
export type Urgency = 'urgent' | 'priority' | 'routine';

export function isUrgent(urgency: Urgency, body: unknown): boolean {
  if (urgency === 'urgent') return true;
  if (urgency === 'priority') {
    const b = isJsonObject(body) ? body : {};
    return b.priority === '1' || b.priority === 1 || b.severity === 'critical';
  }
  return false;
}

/** Partner organisations a request body addresses (for the per-partnership budget). */
export function destinationsOf(body: unknown): string[] {
  if (!isJsonObject(body)) return [];
  // Not validated yet (counted before any work): every level is checked.
  const idOf = (v: unknown) => (isJsonObject(v) && typeof v.id === 'string' ? v.id : undefined);
  const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const { relatedParty, responsibleParty, audience } = body;
  const ids = [
    ...listOf(relatedParty).map((p) => (isJsonObject(p) && p.role === 'responsible' ? idOf(p.partyOrPartyRole) : undefined)),
    ...(Array.isArray(responsibleParty) ? responsibleParty : responsibleParty ? [responsibleParty] : []).map(idOf),
    ...listOf(audience).map(idOf),
  ];
  return [...new Set(ids)].filter((id): id is string => id !== undefined && /^[0-9a-f-]{36}$/i.test(id)).slice(0, 20);
}

export interface RateDecision {
  headers: Record<string, string>;
}

export type Gateway = ReturnType<typeof createGateway>;

const TIER_CACHE_MS = 30_000;
export const COUNTER_FLUSH_MS = 200;
export const BLOCK_REFRESH_MS = 2_000;
/** Limits this small are always counted in PostgreSQL before answering. */
const SYNC_LIMIT = 100;

/** In-memory view of one counter (key + window). */
interface Slot {
  key: string;
  windowStart: Date;
  windowEnd: number;
  /** The total in PostgreSQL when this instance last wrote it. */
  base: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** Sent, not yet confirmed. */
  inflight: number;
}

export function createGateway(deps: { db: Database; log: Logger; config: Config; now: () => Date }) {
  const { db, log, config, now } = deps;
  const tierCache = new Map<string, { tier: Tier; at: number }>();

  const tierFor = async (kind: 'org' | 'pair', id: string, partnerId?: string): Promise<Tier> => {
    const cacheKey = `${kind}:${id}:${partnerId ?? ''}`;
    const hit = tierCache.get(cacheKey);
    if (hit && Date.now() - hit.at < TIER_CACHE_MS) return hit.tier;
    const rows =
      kind === 'org'
        ? await db.pool.query<Tier>(
            `SELECT t.name, t.per_minute AS "perMinute", t.per_hour AS "perHour", t.per_day AS "perDay", t.urgent_per_minute AS "urgentPerMinute", t.urgent_per_hour AS "urgentPerHour"
               FROM rate_tier t WHERE t.name = coalesce((SELECT rate_tier FROM organization_policy WHERE organization_id = $1::uuid), 'standard')`,
            [id],
          )
        : await db.pool.query<Tier>(
            `SELECT t.name, t.per_minute AS "perMinute", t.per_hour AS "perHour", t.per_day AS "perDay", t.urgent_per_minute AS "urgentPerMinute", t.urgent_per_hour AS "urgentPerHour"
               FROM rate_tier t WHERE t.name = coalesce((SELECT p.tier FROM partnership p JOIN rate_tier x ON x.name = p.tier
                 WHERE (p.dso_id = $1::uuid AND p.mno_id = $2::uuid) OR (p.dso_id = $2::uuid AND p.mno_id = $1::uuid) LIMIT 1), 'standard')`,
            [id, partnerId],
          );
    const tier = rows.rows[0] ?? {
      name: 'standard',
      perMinute: 600,
      perHour: 20000,
      perDay: 200000,
      urgentPerMinute: 600,
      urgentPerHour: 20000,
    };
    tierCache.set(cacheKey, { tier, at: Date.now() });
    return tier;
  };

  const windowStart = (t: Date, w: Window) => new Date(Math.floor(t.getTime() / w.ms) * w.ms);

  const slots = new Map<string, Slot>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  /** Forgets windows that have ended and hold nothing unsent. */
  const prune = () => {
    const t = now().getTime();
    for (const [id, s] of slots) if (s.windowEnd <= t && s.pending === 0 && s.inflight === 0) slots.delete(id);
  };

  const slotFor = (key: string, start: Date, w: Window): Slot => {
    const id = `${key}@${start.getTime()}`;
    let s = slots.get(id);
    if (!s) {
      // A new window: the ended ones go (requests counted only in PostgreSQL never flush).
      prune();
      s = { key, windowStart: start, windowEnd: start.getTime() + w.ms, base: 0, pending: 0, inflight: 0 };
      slots.set(id, s);
    }
    return s;
  };
  const takePending = (s: Slot) => {
    const n = s.pending;
    s.pending = 0;
    return n;
  };

  /** Adds counts in one upsert; returns the new totals by key (and updates the slots). */
  const writeCounts = async (adds: { slot: Slot; add: number }[]): Promise<Map<string, number>> => {
    const todo = adds.filter((a) => a.add > 0);
    for (const a of todo) a.slot.inflight += a.add;
    const values: unknown[] = [];
    const tuples = todo.map((a) => {
      values.push(a.slot.key, a.slot.windowStart, a.add);
      return `($${values.length - 2}, $${values.length - 1}::timestamptz, $${values.length}::int)`;
    });
    try {
      const { rows } = todo.length
        ? await db.counters.query<{ key: string; window_start: Date; count: number }>(
            `INSERT INTO rate_counter (key, window_start, count) VALUES ${tuples.join(', ')}
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counter.count + EXCLUDED.count
             RETURNING key, window_start, count`,
            values,
          )
        : { rows: [] };
      const totals = new Map<string, number>();
      for (const a of todo) {
        a.slot.inflight -= a.add;
        const row = rows.find((r) => r.key === a.slot.key && r.window_start.getTime() === a.slot.windowStart.getTime());
        if (row) a.slot.base = Math.max(a.slot.base, row.count);
        totals.set(a.slot.key, a.slot.base + a.slot.inflight + a.slot.pending);
      }
      return totals;
    } catch (e) {
      // Not lost: counted again with the next write.
      for (const a of todo) {
        a.slot.inflight -= a.add;
        a.slot.pending += a.add;
      }
      throw e;
    }
  };

  /** Sends everything counted in memory; drops slots of windows that have ended. */
  const flush = (): Promise<void> => {
    flushTimer = undefined;
    flushing = flushing.then(async () => {
      const batch = [...slots.values()].filter((s) => s.pending > 0).map((s) => ({ slot: s, add: takePending(s) }));
      if (batch.length)
        await writeCounts(batch).catch((e: unknown) => {
          log.warn({ err: e }, 'rate counters: write failed, retrying');
          flushTimer ??= setTimeout(() => void flush(), COUNTER_FLUSH_MS).unref();
        });
      prune();
    });
    return flushing;
  };

  let blocks: { until: Map<string, Date>; at: number } | undefined;
  let blocksLoading: Promise<Map<string, Date>> | undefined;
  const activeBlocks = async (): Promise<Map<string, Date>> => {
    if (blocks && Date.now() - blocks.at < BLOCK_REFRESH_MS) return blocks.until;
    blocksLoading ??= (async () => {
      try {
        const { rows } = await db.pool.query<{ source: string; until: Date }>(
          'SELECT source, max(blocked_until) AS until FROM security_alarm WHERE blocked_until > $1 GROUP BY source',
          [now()],
        );
        const until = new Map(rows.map((r) => [r.source, r.until]));
        blocks = { until, at: Date.now() };
        return until;
      } finally {
        blocksLoading = undefined;
      }
    })();
    return blocksLoading;
  };

  return {
    /**
     * Retention (the `security-retention` job): rate counters whose window started before
     * `countersBefore`, and alarms raised before `alarmsBefore` that block nothing any more.
     */
    async purge(countersBefore: Date, alarmsBefore: Date): Promise<{ counters: number; alarms: number }> {
      const counters = await db.pool.query('DELETE FROM rate_counter WHERE window_start < $1', [countersBefore]);
      const alarms = await db.pool.query(
        'DELETE FROM security_alarm WHERE raised_at < $1 AND (blocked_until IS NULL OR blocked_until < $1)',
        [alarmsBefore],
      );
      return { counters: counters.rowCount ?? 0, alarms: alarms.rowCount ?? 0 };
    },

    /** Writes the counters still held in memory (shutdown, tests). */
    async flush(): Promise<void> {
      if (flushTimer) clearTimeout(flushTimer);
      await flush();
    },

    /**
     * Counts the request in every window of its budgets; throws 429 (with Retry-After,
     * RateLimit headers and the GW-4 warning: message id, destination, time received)
     * when any window is over its limit. Returns the RateLimit headers for a success.
     */
    async consume(actor: OrganizationActor, urgency: Urgency, body: unknown, requestId: string, receivedAt: Date): Promise<RateDecision> {
      const urgent = isUrgent(urgency, body);
      const budget = urgent ? 'urgent' : 'routine';
      const limits: { key: string; limit: number; window: Window; scope: string }[] = [];
      const orgTier = await tierFor('org', actor.organizationId);
      const windowsOf = (tier: Tier) =>
        urgent
          ? [
              { window: MINUTE, limit: tier.urgentPerMinute },
              { window: HOUR, limit: tier.urgentPerHour },
            ]
          : [
              { window: MINUTE, limit: tier.perMinute },
              { window: HOUR, limit: tier.perHour },
              { window: DAY, limit: tier.perDay },
            ];
      for (const w of windowsOf(orgTier))
        limits.push({
          key: `org:${actor.organizationId}:${budget}:${w.window.name}`,
          limit: w.limit,
          window: w.window,
          scope: `organisation (tier ${orgTier.name})`,
        });
      const destinations = destinationsOf(body);
      for (const dest of destinations) {
        const pairTier = await tierFor('pair', actor.organizationId, dest);
        for (const w of windowsOf(pairTier)) {
          limits.push({
            key: `pair:${actor.organizationId}:${dest}:${budget}:${w.window.name}`,
            limit: w.limit,
            window: w.window,
            scope: `partnership with ${dest} (tier ${pairTier.name})`,
          });
        }
      }
      const t = now();
      const slots = limits.map((l) => slotFor(l.key, windowStart(t, l.window), l.window));
      const nearLimit = limits.some((l, i) => {
        const s = slots[i]!;
        return l.limit <= SYNC_LIMIT || s.base + s.inflight + s.pending + 1 > l.limit - Math.ceil(l.limit / 10);
      });
      const counts = new Map<string, number>();
      if (nearLimit) {
        // Exact: this request (and anything pending for these keys) counted in PostgreSQL now.
        const totals = await writeCounts(slots.map((s) => ({ slot: s, add: takePending(s) + 1 })));
        for (const s of slots) counts.set(s.key, totals.get(s.key) ?? s.base);
      } else {
        for (const s of slots) {
          s.pending += 1;
          counts.set(s.key, s.base + s.inflight + s.pending);
        }
        flushTimer ??= setTimeout(() => void flush(), COUNTER_FLUSH_MS).unref();
      }
      const state = limits.map((l) => {
        const count = counts.get(l.key) ?? 1;
        const reset = Math.max(1, Math.ceil((windowStart(t, l.window).getTime() + l.window.ms - t.getTime()) / 1000));
        return { ...l, count, remaining: Math.max(0, l.limit - count), reset };
      });
      const tightest = [...state].sort((a, b) => a.remaining - b.remaining || b.reset - a.reset)[0]!;
      const orgState = state.filter((s) => s.key.startsWith('org:'));
      const headers: Record<string, string> = {
        'RateLimit-Policy': orgState.map((s) => `${s.limit};w=${s.window.ms / 1000}`).join(', '),
        RateLimit: `limit=${tightest.limit}, remaining=${tightest.remaining}, reset=${tightest.reset}`,
        'RateLimit-Limit': String(tightest.limit),
        'RateLimit-Remaining': String(tightest.remaining),
        'RateLimit-Reset': String(tightest.reset),
      };
      const over = state.filter((s) => s.count > s.limit).sort((a, b) => b.reset - a.reset)[0];
      if (over) {
        const destination = destinations[0] ?? (over.key.startsWith('pair:') ? over.key.split(':')[2] : undefined);
        throw new AppError(
          429,
          'RATE_LIMITED',
          'Too Many Requests',
          `Rate limit exceeded: ${over.limit} ${budget} requests per ${over.window.name} for your ${over.scope}. ` +
            `Message ${requestId} to ${destination ?? 'the platform'} received at ${receivedAt.toISOString()} was rejected; retry after ${over.reset} s.`,
          { ...headers, 'Retry-After': String(over.reset), RateLimit: `limit=${over.limit}, remaining=0, reset=${over.reset}` },
        );
      }
      return { headers };
    },

    /**
     * GW-3: counts a refused attempt of a source; the 11th in an hour raises exactly one
     * alarm (to the platform admin, and to the key's organisation when known) and, if
     * configured, blocks the source for a while.
     */
    async recordRefusal(
      source: string,
      organizationId: string | undefined,
      detail: string,
      /**
       * Issue 13 (sign-in lock-out): a lower threshold and block time for this source, and
       * every refusal past the threshold within the hour blocks again (one alarm still).
       */
      policy?: { threshold: number; blockMinutes: number; reblock: boolean },
    ): Promise<void> {
      const t = now();
      const hour = windowStart(t, HOUR);
      const threshold = policy?.threshold ?? config.security.alarmThreshold;
      const blockMinutes = policy?.blockMinutes ?? config.security.blockMinutes;
      const { rows } = await db.counters.query<{ count: number }>(
        `INSERT INTO rate_counter (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counter.count + 1 RETURNING count`,
        [`refused:${source}`, hour],
      );
      const count = rows[0]!.count;
      if (count > threshold + 1 && policy?.reblock && blockMinutes > 0) {
        const until = new Date(t.getTime() + blockMinutes * 60_000);
        await db.pool.query(
          'UPDATE security_alarm SET attempts = greatest(attempts, $3), blocked_until = greatest(blocked_until, $4) WHERE source = $1 AND window_start = $2',
          [source, hour, count, until],
        );
        blocks?.until.set(source, until);
        return;
      }
      if (count !== threshold + 1) return;
      let orgId = organizationId;
      if (!orgId && source.startsWith('key:')) {
        const k = await db.pool.query<{ organization_id: string }>('SELECT organization_id::text FROM api_key WHERE prefix = $1', [
          source.slice(4),
        ]);
        orgId = k.rows[0]?.organization_id;
      }
      const blockedUntil = blockMinutes > 0 ? new Date(t.getTime() + blockMinutes * 60_000) : null;
      await db.transaction(async (tx) => {
        const inserted = await tx.$executeRawUnsafe(
          `INSERT INTO security_alarm (id, source, window_start, attempts, organization_id, raised_at, blocked_until)
           VALUES ($1::uuid, $2, $3, $4, $5::uuid, $6, $7) ON CONFLICT (source, window_start) DO NOTHING`,
          crypto.randomUUID(),
          source,
          hour,
          count,
          orgId ?? null,
          t,
          blockedUntil,
        );
        if (!inserted) return;
        if (blockedUntil) blocks?.until.set(source, blockedUntil);
        await writeEvents(tx, [
          {
            eventType: 'UnauthorizedAttemptsAlarmEvent',
            resourceType: 'notification',
            resource: {
              id: crypto.randomUUID(),
              '@type': 'UnauthorizedAttemptsAlarm',
              source,
              attempts: count,
              windowStart: hour.toISOString(),
              lastRefusal: detail,
              ...(blockedUntil ? { blockedUntil: blockedUntil.toISOString() } : {}),
            },
            // The platform admin reads alarms through the audit API; the organisation also gets the event.
            audience: orgId ? [orgId] : [],
            eventTime: t,
            description: `${count} refused attempts within an hour from ${source}`,
          },
        ]);
      });
      log.warn({ source, attempts: count, blockedUntil }, 'GW-3 alarm: repeated unauthorised attempts');
    },

    /** Whether any of these sources is blocked now; returns seconds until the block ends. */
    async blockedFor(sources: string[]): Promise<number | undefined> {
      const active = await activeBlocks();
      const t = now().getTime();
      const until = Math.max(0, ...sources.map((src) => active.get(src)?.getTime() ?? 0));
      return until > t ? Math.max(1, Math.ceil((until - t) / 1000)) : undefined;
    },
  };
}
