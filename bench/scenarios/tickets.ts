import type { Ctx, Row } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { round } from '../lib/stats.js';
import { pick, type SqlBaselineResult } from './baselines.js';

const TT = '/tmf-api/troubleTicket/v5/troubleTicket';

export function createBody(mnoId: string): string {
  return JSON.stringify({
    name: 'RTU Nord-17 lost its mobile link',
    description: 'SCADA polling of RTU Nord-17 fails since 00:36; dual-SIM did not fail over.',
    severity: 'major',
    ticketType: 'down',
    relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mnoId } }],
    note: [{ text: 'Site coordinates 53.55N 10.00E' }],
  });
}

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Adds a load result as a row with its ratio to a same-run baseline (and a minimum ratio as target). */
function addRatioRow(
  ctx: Ctx,
  r: LoadResult,
  row: { id: string; scenario: string; c: number; baseId: string; baseRate: number | undefined; label: string; min?: number },
): void {
  const ratio = row.baseRate && row.baseRate > 0 ? round(r.rps / row.baseRate, 3) : NaN;
  ctx.add({
    id: row.id,
    group: 'tickets',
    scenario: row.scenario,
    concurrency: row.c,
    ...pick(r),
    ratio: { to: row.baseId, value: ratio, label: row.label },
    ...(row.min !== undefined ? { target: { text: `>= ${row.min * 100} % ${row.label}`, met: ratio >= row.min } } : {}),
  });
}

/** Full create path: auth, rate limits, validation, tenancy, transaction with history, outbox and audit. */
export async function create(ctx: Ctx, sql: Map<number, SqlBaselineResult>): Promise<void> {
  const body = createBody(ctx.mno1.id);
  for (const c of ctx.mode.connections) {
    const r = await runLoad({
      url: `${ctx.url}${TT}`,
      method: 'POST',
      headers: { ...auth(ctx.dso1.apiKey), 'Content-Type': 'application/json' },
      body,
      connections: c,
      durationS: ctx.mode.durationS,
      warmupS: ctx.mode.warmupS,
    });
    addRatioRow(ctx, r, {
      id: `ticket.create.c${c}`,
      scenario: 'create trouble ticket (POST)',
      c,
      baseId: `baseline.sqlCreate.c${c}`,
      baseRate: sql.get(c)?.tps,
      label: 'of SQL baseline',
      min: 0.4,
    });
  }
}

/** Ids of tickets DSO 1 may see (for get-by-id), from the database. */
async function visibleIds(ctx: Ctx, n: number): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ id: string }>(
    `SELECT id::text FROM trouble_ticket WHERE reporter_org_id = $1 OR responsible_org_id = $1 ORDER BY random() LIMIT $2`,
    [ctx.dso1.id, n],
  );
  return rows.map((r) => r.id);
}

/**
 * The platform's HTTP stack alone (Express, helmet, CORS, request id, metrics; no database,
 * no authentication): `/health`. The ceiling any API request can reach on this machine,
 * printed next to get-by-id so the distance to bare Node is split into stack and work.
 */
async function stackCeiling(ctx: Ctx, bare: Map<number, LoadResult>): Promise<void> {
  for (const c of ctx.mode.connections) {
    const r = await runLoad({ url: `${ctx.url}/health`, connections: c, durationS: ctx.mode.durationS, warmupS: ctx.mode.warmupS });
    addRatioRow(ctx, r, {
      id: `stack.health.c${c}`,
      scenario: 'HTTP stack only: GET /health (no DB, no auth)',
      c,
      baseId: `baseline.bareNode.c${c}`,
      baseRate: bare.get(c)?.rps,
      label: 'of bare Node',
    });
  }
}

export async function getById(ctx: Ctx, bare: Map<number, LoadResult>): Promise<void> {
  await stackCeiling(ctx, bare);
  const ids = await visibleIds(ctx, 2000);
  if (ids.length === 0) throw new Error('no ticket visible to the DSO for get-by-id');
  let i = 0;
  for (const c of ctx.mode.connections) {
    const r = await runLoad({
      url: `${ctx.url}${TT}/${ids[0]}`,
      headers: auth(ctx.dso1.apiKey),
      connections: c,
      durationS: ctx.mode.durationS,
      warmupS: ctx.mode.warmupS,
      setupRequest: (req) => ({ ...req, path: `${TT}/${ids[i++ % ids.length]}` }),
    });
    addRatioRow(ctx, r, {
      id: `ticket.get.c${c}`,
      scenario: 'get ticket by id',
      c,
      baseId: `baseline.bareNode.c${c}`,
      baseRate: bare.get(c)?.rps,
      label: 'of bare Node',
      min: 0.25,
    });
  }
}

/**
 * The desk's list: one status, the last 30 days, newest first, a page of 20, as DSO 2 (which
 * never creates tickets in the benchmark, so its data is exactly what the seeder wrote).
 */
export function listPath(): string {
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  return `${TT}?status=inProgress&creationDate.gte=${from.toISOString()}&creationDate.lt=${to.toISOString()}&sort=-creationDate&limit=20`;
}

export async function list(ctx: Ctx, label: 'small' | 'large', total: number): Promise<Row[]> {
  const path = listPath();
  const { rows } = await ctx.pool.query<{ visible: string; matching: string }>(
    `SELECT count(*) FILTER (WHERE reporter_org_id = $1 OR responsible_org_id = $1) AS visible,
            count(*) FILTER (WHERE (reporter_org_id = $1 OR responsible_org_id = $1) AND status = 'inProgress' AND creation_date >= now() - interval '30 days') AS matching
       FROM trouble_ticket`,
    [ctx.dso2.id],
  );
  const visible = Number(rows[0]?.visible ?? 0);
  const matching = Number(rows[0]?.matching ?? 0);
  const out: Row[] = [];
  for (const c of [1, ...ctx.mode.connections.slice(0, 1)]) {
    const r = await runLoad({
      url: `${ctx.url}${path}`,
      headers: auth(ctx.dso2.apiKey),
      connections: c,
      durationS: ctx.mode.durationS,
      warmupS: ctx.mode.warmupS,
    });
    out.push(
      ctx.add({
        id: `ticket.list.${label}.c${c}`,
        group: 'tickets',
        scenario: `list: status + 30 days, sorted, 20/page @ ${fmtCount(total)} tickets`,
        concurrency: c,
        ...pick(r),
        note: `${fmtCount(visible)} visible to the org, ${fmtCount(matching)} match`,
        ...(c === 1 ? { target: { text: 'p99 <= 20 ms', met: r.p99 <= 20 } } : {}),
      }),
    );
  }
  return out;
}

/** Adds the 1M/10k ratios (p99 and throughput) to the large-list rows. */
export function listRatios(ctx: Ctx, small: Row[], large: Row[]): void {
  for (const l of large) {
    const s = small.find((x) => x.concurrency === l.concurrency);
    if (!s || !s.p99 || !l.p99) continue;
    const value = round(l.p99 / s.p99, 2);
    l.ratio = { to: s.id, value, label: 'p99 vs small' };
    if (l.concurrency === 1) l.target = { text: 'p99 <= 20 ms and ratio <= 1.5', met: l.p99 <= 20 && value <= 1.5 };
    l.note = `${l.note ?? ''}; throughput ${round((l.rps ?? 0) / (s.rps || 1), 2)}x of small`;
  }
}

export const fmtCount = (n: number): string =>
  n >= 1_000_000 ? `${round(n / 1_000_000, 1)}M` : n >= 1000 ? `${round(n / 1000, 1)}k` : String(n);

/**
 * Status change by merge-patch, as the MNO desk: each ticket DSO 1 filed with MNO 1 walks
 * submitted -> acknowledged -> inProgress -> pending (with a reason) -> inProgress -> …
 * Tickets are visited round-robin, so one ticket's consecutive moves are thousands of
 * requests apart and never race.
 */
export async function patchStatus(ctx: Ctx): Promise<void> {
  const { rows } = await ctx.pool.query<{ id: string; status: string }>(
    `SELECT id::text, status FROM trouble_ticket
      WHERE reporter_org_id = $1 AND responsible_org_id = $2 AND status IN ('submitted', 'acknowledged', 'inProgress', 'pending')
      ORDER BY creation_date DESC LIMIT 20000`,
    [ctx.dso1.id, ctx.mno1.id],
  );
  if (rows.length < 200) throw new Error(`only ${rows.length} open tickets for the PATCH scenario`);
  const next: Record<string, { status: string; statusChangeReason?: string }> = {
    submitted: { status: 'acknowledged' },
    acknowledged: { status: 'inProgress' },
    inProgress: { status: 'pending', statusChangeReason: 'Waiting for site access details' },
    pending: { status: 'inProgress' },
  };
  const state = rows.map((r) => ({ id: r.id, status: r.status }));
  let i = 0;
  for (const c of ctx.mode.connections) {
    const r = await runLoad({
      url: `${ctx.url}${TT}/${state[0]!.id}`,
      method: 'PATCH',
      headers: { ...auth(ctx.mno1.apiKey), 'Content-Type': 'application/merge-patch+json' },
      connections: c,
      durationS: ctx.mode.durationS,
      warmupS: ctx.mode.warmupS,
      setupRequest: (req) => {
        const t = state[i++ % state.length]!;
        const move = next[t.status]!;
        t.status = move.status;
        return { ...req, method: 'PATCH', path: `${TT}/${t.id}`, body: JSON.stringify(move) };
      },
    });
    ctx.add({
      id: `ticket.patch.c${c}`,
      group: 'tickets',
      scenario: 'status change (PATCH merge-patch)',
      concurrency: c,
      ...pick(r),
      note: `${state.length} tickets round-robin`,
    });
  }
}
