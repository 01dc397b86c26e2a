/**
 * Gridlink benchmark: `npm run bench` (default, < 10 min on 2 cores), `-- --quick`
 * (< 2 min), `-- --smoke` (seconds; what test/bench.test.ts runs).
 *
 * Builds the production bundle if it is stale, starts `node dist/src/main.js` with the
 * embedded PostgreSQL on a fresh data directory (loopback only), seeds through
 * scripts/seed-scale.ts, runs every scenario with autocannon as a library next to its
 * baselines (a bare Node http server; the ticket-create SQL run by a direct node-postgres
 * loop), prints one table and writes bench-results.json. See docs/notes/performance.md.
 *
 * Flags:
 *   --quick | --smoke        smaller sizes and shorter runs
 *   --only a,b               scenarios: bare,sql,create,get,list,patch,socket,webhook,webhookRate,impact,startup
 *   --build | --no-build     force / skip `npm run build` (default: build when dist/ is stale)
 *   --source                 run src/main.ts through tsx instead of the build (no build;
 *                            used by the smoke test, not for figures)
 *   --out FILE               results file (default bench-results.json in the project root)
 *   --data-dir DIR           data directory (default: a fresh one under the OS temp dir)
 *   --keep                   keep the data directory afterwards
 *   --cpu-prof               run the platform under --cpu-prof (profiles in bench-profiles/)
 *   --log-level LEVEL        the platform's LOG_LEVEL (default: its own default, info)
 *   --env KEY=VALUE          extra environment for the platform (repeatable), e.g. DB_POOL_MAX=20
 *   --pg NAME=VALUE          a PostgreSQL setting applied (ALTER SYSTEM, reload) once the platform is up
 *                            (repeatable), e.g. commit_delay=1000 commit_siblings=1: synthetic commit latency
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureScaleOrganizations, seedTickets } from '../scripts/seed-scale.js';
import { expectApi } from './lib/api.js';
import { MODES, type Ctx, type Org, type Row } from './lib/context.js';
import {
  buildIsStale,
  databaseUrl,
  freePort,
  newAdminToken,
  ROOT,
  run,
  startPlatform,
  stopLeftoverPostgres,
  tail,
  type RunningPlatform,
} from './lib/platform.js';
import { notes, renderTable } from './lib/report.js';
import { round, summarize } from './lib/stats.js';
import { bareNode, sqlBaselines, ticketDoc, type SqlBaselineResult } from './scenarios/baselines.js';
import { socketLatency, webhookLatency, webhookThroughput } from './scenarios/events.js';
import { impact, seedImpactSites } from './scenarios/impact.js';
import { create, createBody, fmtCount, getById, list, listPath, listRatios, patchStatus } from './scenarios/tickets.js';
import type { LoadResult } from './lib/load.js';

const SCENARIOS = ['bare', 'sql', 'create', 'get', 'list', 'patch', 'socket', 'webhook', 'webhookRate', 'impact', 'startup'];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    build: { type: 'boolean' },
    'no-build': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'log-level': { type: 'string' },
    env: { type: 'string', multiple: true },
    pg: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (flags.help) {
  console.log(
    fs
      .readFileSync(new URL(import.meta.url), 'utf8')
      .split('*/')[0]!
      .replace(/^\/\*\*?|^ \* ?/gm, ''),
  );
  process.exit(0);
}

const mode = MODES[flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'default'];
const only = flags.only ? new Set(flags.only.split(',').map((s) => s.trim())) : undefined;
for (const s of only ?? []) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario '${s}' (known: ${SCENARIOS.join(', ')})`);
const outFile = path.resolve(flags.out ?? path.join(ROOT, 'bench-results.json'));
const t0 = performance.now();
const elapsed = () => ((performance.now() - t0) / 1000).toFixed(0).padStart(4);
const log = (m: string) => process.stderr.write(`[bench ${elapsed()} s] ${m}\n`);

const dataDir = flags['data-dir'] ? path.resolve(flags['data-dir']) : fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-bench-'));
const ownDataDir = !flags['data-dir'];
const logFile = path.join(os.tmpdir(), `gridlink-bench-${process.pid}.log`);
let platform: RunningPlatform | undefined;
let pool: pg.Pool | undefined;

async function cleanup(): Promise<void> {
  await pool?.end().catch(() => undefined);
  pool = undefined;
  await platform?.stop().catch(() => undefined);
  platform = undefined;
  await stopLeftoverPostgres(dataDir).catch(() => undefined);
  if (ownDataDir && !flags.keep) fs.rmSync(dataDir, { recursive: true, force: true });
}

/** The platform's log is kept only when the run failed or --keep was given. */
function dropLog(): void {
  if (!flags.keep) fs.rmSync(logFile, { force: true });
}

const watchdog = setTimeout(() => {
  log(`time limit of ${mode.timeLimitS} s reached; stopping`);
  void cleanup().finally(() => process.exit(2));
}, mode.timeLimitS * 1000);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

function machine() {
  let freeH: string | undefined;
  try {
    freeH = execFileSync('free', ['-h'], { encoding: 'utf8' }).trim();
  } catch {
    // not on every OS
  }
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model,
    memory: `${round(os.totalmem() / 2 ** 30, 1)} GiB`,
    free: freeH,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavgAtStart: os.loadavg().map((v) => round(v, 2)),
  };
}

async function main(): Promise<void> {
  const info: Record<string, unknown> = { machine: machine() };
  log(`mode ${mode.name}; data directory ${dataDir}; platform log ${logFile}`);

  // 1. Production build.
  const build = flags.build === true || (!flags['no-build'] && !flags.source && buildIsStale());
  if (build) {
    log('building (npm run build)');
    const b0 = performance.now();
    await run('npm', ['run', 'build'], { logFile, timeoutMs: 300_000 });
    info['buildMs'] = Math.round(performance.now() - b0);
  } else if (!flags.source && !fs.existsSync(path.join(ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing; run without --no-build');
  }

  // 2. Start on a fresh data directory.
  const port = await freePort();
  const pgPort = await freePort();
  const adminToken = newAdminToken();
  const profDir = path.join(ROOT, 'bench-profiles');
  const nodeFlags = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const env: Record<string, string> = {};
  if (flags['log-level']) env['LOG_LEVEL'] = flags['log-level'];
  for (const kv of flags.env ?? []) {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--env ${kv}: expected KEY=VALUE`);
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const platformOpts = { dataDir, port, pgPort, adminToken, logFile, nodeFlags, env, source: flags.source };
  log(`starting the platform (port ${port}, embedded PostgreSQL ${pgPort})`);
  platform = await startPlatform(platformOpts);
  info['firstStartMs'] = Math.round(platform.readyMs);
  pool = new pg.Pool({ connectionString: databaseUrl(pgPort), max: 4, application_name: 'gridlink-bench' });
  await applyPgSettings(pool, info);

  const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { organizations: Org[] };
  const [dso1, dso2] = creds.organizations.filter((o) => o.kind === 'DSO');
  const [mno1, mno2] = creds.organizations.filter((o) => o.kind === 'MNO');
  if (!dso1 || !dso2 || !mno1 || !mno2) throw new Error('demo credentials: expected two DSOs and two MNOs');

  const rows: Row[] = [];
  const ctx: Ctx = {
    mode,
    url: platform.url,
    pool,
    pgPort,
    dso1,
    dso2,
    mno1,
    mno2,
    log,
    rows,
    info,
    add: (r) => {
      rows.push(r);
      log(
        `${r.scenario}${r.concurrency !== undefined ? ` c=${r.concurrency}` : ''}: ${[r.rps !== undefined ? `${r.rps} req/s` : '', r.p50 !== undefined ? `p50 ${r.p50} ms` : '', r.p99 !== undefined ? `p99 ${r.p99} ms` : r.max !== undefined ? `max ${r.max} ms` : '', r.errors ? `${r.errors} errors` : ''].filter(Boolean).join(', ')}`,
      );
      return r;
    },
    wants: (s) => !only || only.has(s),
  };

  // 3. Scale organisations, unlimited rate tiers (the default 600/min per organisation and
  //    per partnership would cap every throughput figure), the small ticket set.
  const pairs = await ensureScaleOrganizations(pool, { dsos: 6, mnos: 4 });
  await pool.query(
    `INSERT INTO organization_policy (organization_id, rate_tier) SELECT id, 'unlimited' FROM organization ON CONFLICT (organization_id) DO UPDATE SET rate_tier = 'unlimited'`,
  );
  await pool.query(`UPDATE partnership SET tier = 'unlimited'`);
  log(`seeding ${fmtCount(mode.smallTickets)} tickets over ${pairs.length} partnerships`);
  const seedSmallMs = await seedTickets(pool, { count: mode.smallTickets, pairs, log });
  info['seed'] = { pairs: pairs.length, smallTickets: mode.smallTickets, smallMs: seedSmallMs };
  await pool.query('VACUUM ANALYZE trouble_ticket');

  // 4. Warm-up: JIT, lazily built validators, PostgreSQL caches; then the scenarios on the
  //    small data set (list first: nothing else has written tickets yet).
  await warmUp(ctx);
  let smallList: Row[] = [];
  if (ctx.wants('list')) smallList = await list(ctx, 'small', mode.smallTickets);
  let bare = new Map<number, LoadResult>();
  if (ctx.wants('bare') || ctx.wants('get')) bare = await bareNode(ctx, await sampleTicketBody(ctx));
  let sql = new Map<number, SqlBaselineResult>();
  if (ctx.wants('sql') || ctx.wants('create')) sql = await sqlBaselines(ctx);
  if (ctx.wants('get')) await getById(ctx, bare);
  if (ctx.wants('create')) await create(ctx, sql);
  if (ctx.wants('patch')) {
    await ensureOpenTickets(ctx, 3000);
    await patchStatus(ctx);
  }
  if (ctx.wants('socket')) for (const n of mode.socketClients) await socketLatency(ctx, n);
  if (ctx.wants('webhook')) await webhookLatency(ctx);
  if (ctx.wants('webhookRate')) await webhookThroughput(ctx);
  if (ctx.wants('impact')) {
    log(`seeding ${fmtCount(mode.sites)} MNO sites`);
    await seedImpactSites(ctx);
    await impact(ctx);
  }

  // 5. The large data set: top up, then the same list.
  if (ctx.wants('list')) {
    const add = mode.largeTickets - mode.smallTickets;
    log(`seeding ${fmtCount(add)} more tickets (to ${fmtCount(mode.largeTickets)})`);
    const ms = await seedTickets(pool, { count: add, pairs, log });
    (info['seed'] as Record<string, unknown>)['topUp'] = { tickets: add, ms, rowsPerS: Math.round((add / ms) * 1000) };
    await pool.query('VACUUM ANALYZE trouble_ticket');
    const largeList = await list(ctx, 'large', mode.largeTickets);
    listRatios(ctx, smallList, largeList);
  }

  // 6. Background jobs seen during the run (the SLA sweep grows with open tickets).
  await jobRows(ctx);

  // 7. Start-up on the existing data directory.
  await pool.end();
  pool = undefined;
  if (ctx.wants('startup')) {
    const times: number[] = [];
    for (let i = 0; i < mode.startupRuns; i++) {
      await platform.stop();
      platform = undefined;
      platform = await startPlatform(platformOpts);
      times.push(platform.readyMs);
    }
    const s = summarize(times);
    ctx.add({
      id: 'startup',
      group: 'startup',
      scenario: 'start-up to /ready, existing data directory',
      concurrency: 1,
      p50: round(s.p50),
      max: round(s.max),
      samples: s.count,
      note: `node dist/src/main.js incl. embedded PostgreSQL start and migration check; first start (initdb, migrations, demo seed) took ${Math.round(Number(info['firstStartMs']))} ms`,
    });
  }
  await platform.stop();
  platform = undefined;

  // 8. Report.
  info['machine'] = { ...(info['machine'] as object), loadavgAtEnd: os.loadavg().map((v) => round(v, 2)) };
  const durationS = Math.round((performance.now() - t0) / 1000);
  const targets = rows.filter((r) => r.target).map((r) => ({ id: r.id, scenario: r.scenario, target: r.target!.text, met: r.target!.met }));
  const result = { generatedAt: new Date().toISOString(), mode: mode.name, durationS, settings: mode, ...info, rows, targets };
  fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
  const m = info['machine'] as ReturnType<typeof machine>;
  console.log(
    `\nGridlink benchmark (${mode.name}) — ${m.nproc} CPUs (${m.cpu}), ${m.memory}, Node ${m.node}, load ${m.loadavgAtStart.join('/')}, ${durationS} s\n`,
  );
  console.log(renderTable(rows));
  console.log(`\nNotes:\n${notes(rows)}`);
  console.log(
    `\nTargets: ${targets.filter((t) => t.met).length} of ${targets.length} met. Results written to ${path.relative(process.cwd(), outFile) || outFile}`,
  );
}

/** `--pg NAME=VALUE`: server settings (e.g. synthetic commit latency), applied with ALTER SYSTEM and a reload. */
async function applyPgSettings(p: pg.Pool, info: Record<string, unknown>): Promise<void> {
  const applied: Record<string, string> = {};
  for (const kv of flags.pg ?? []) {
    const at = kv.indexOf('=');
    const name = kv.slice(0, at);
    if (at < 1 || !/^[a-z_]+$/.test(name)) throw new Error(`--pg ${kv}: expected NAME=VALUE`);
    await p.query(`ALTER SYSTEM SET ${name} = '${kv.slice(at + 1).replace(/'/g, "''")}'`);
    applied[name] = kv.slice(at + 1);
  }
  if (Object.keys(applied).length === 0) return;
  await p.query('SELECT pg_reload_conf()');
  await new Promise((r) => setTimeout(r, 500)); // the reload is asynchronous
  for (const name of Object.keys(applied)) {
    const { rows } = await p.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name]);
    log(`PostgreSQL ${name} = ${rows[0]?.v}`);
  }
  info['pgSettings'] = applied;
}

/** A few seconds of every request type the scenarios use, before anything is measured. */
async function warmUp(ctx: Ctx): Promise<void> {
  const seconds = Math.max(1, ctx.mode.warmupS * 2);
  log(`warming up (${seconds} s)`);
  const { rows } = await ctx.pool.query<{ id: string }>(
    'SELECT id::text FROM trouble_ticket WHERE reporter_org_id = $1 OR responsible_org_id = $1 LIMIT 50',
    [ctx.dso1.id],
  );
  const until = performance.now() + seconds * 1000;
  const tt = '/tmf-api/troubleTicket/v5/troubleTicket';
  const one = async (i: number) => {
    const id = rows[i % Math.max(1, rows.length)]?.id ?? 'x';
    await expectApi(200, ctx.url, 'GET', `${tt}/${id}`, { token: ctx.dso1.apiKey });
    await expectApi(200, ctx.url, 'GET', listPath(), { token: ctx.dso2.apiKey });
    if (i % 5 === 0) await expectApi(201, ctx.url, 'POST', tt, { token: ctx.dso1.apiKey, body: createBody(ctx.mno1.id) });
  };
  for (let i = 0; performance.now() < until; i += 4) await Promise.all([0, 1, 2, 3].map((k) => one(i + k)));
}

/** The JSON body of a real get-ticket response: what the bare server answers with. */
async function sampleTicketBody(ctx: Ctx): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>(
    'SELECT id::text FROM trouble_ticket WHERE reporter_org_id = $1 OR responsible_org_id = $1 LIMIT 1',
    [ctx.dso1.id],
  );
  if (!rows[0]) return JSON.stringify({ id: 'x' });
  const r = await expectApi(200, ctx.url, 'GET', `/tmf-api/troubleTicket/v5/troubleTicket/${rows[0].id}`, { token: ctx.dso1.apiKey });
  return JSON.stringify(r.body);
}

/** The PATCH scenario needs open tickets between DSO 1 and MNO 1; add some if creates did not run. */
async function ensureOpenTickets(ctx: Ctx, n: number): Promise<void> {
  const { rows } = await ctx.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM trouble_ticket WHERE reporter_org_id = $1 AND responsible_org_id = $2 AND status IN ('submitted', 'acknowledged', 'inProgress', 'pending')`,
    [ctx.dso1.id, ctx.mno1.id],
  );
  const missing = n - Number(rows[0]?.n ?? 0);
  if (missing <= 0) return;
  // One real create for a credential id, then copies of its document shape.
  const created = await expectApi<{ statusChangeHistory: { actor: { credentialId: string } }[] }>(
    201,
    ctx.url,
    'POST',
    '/tmf-api/troubleTicket/v5/troubleTicket',
    {
      token: ctx.dso1.apiKey,
      body: {
        name: 'x',
        description: 'y',
        severity: 'major',
        ticketType: 'down',
        relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: ctx.mno1.id } }],
      },
    },
  );
  const credentialId = created.body.statusChangeHistory[0]!.actor.credentialId;
  const t = new Date();
  const docs = Array.from({ length: missing }, () => ticketDoc(crypto.randomUUID(), t.toISOString(), ctx.dso1, ctx.mno1, credentialId));
  await ctx.pool.query(
    `INSERT INTO trouble_ticket (id, reporter_org_id, responsible_org_id, status, severity, ticket_type, name, creation_date, last_update, status_change_date, version, doc)
     SELECT (d->>'id')::uuid, $1, $2, 'submitted', 'major', 'down', d->>'name', $3, $3, $3, 1, d FROM unnest($4::jsonb[]) AS d`,
    [ctx.dso1.id, ctx.mno1.id, t, docs.map((d) => JSON.stringify(d))],
  );
}

/** Durations of the scheduled jobs that ran during the benchmark (job_run). */
async function jobRows(ctx: Ctx): Promise<void> {
  const { rows } = await ctx.pool.query<{ name: string; ms: number; detail: string | null }>(
    `SELECT name, extract(epoch FROM finished_at - started_at) * 1000 AS ms, detail FROM job_run WHERE finished_at IS NOT NULL ORDER BY started_at`,
  );
  const byName = new Map<string, { ms: number; detail: string | null }[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), { ms: Number(r.ms), detail: r.detail }]);
  ctx.info['jobs'] = Object.fromEntries([...byName].map(([k, v]) => [k, v]));
  for (const [name, runs] of byName) {
    const s = summarize(runs.map((r) => r.ms));
    if (s.max < 50 && name !== 'sla-clock') continue; // only what costs something
    ctx.add({
      id: `job.${name}`,
      group: 'background',
      scenario: `scheduled job ${name}`,
      concurrency: 1,
      p50: round(s.p50),
      max: round(s.max),
      samples: s.count,
      note: `last run: ${runs.at(-1)?.detail ?? ''}`,
    });
  }
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
    dropLog();
    process.exit(0);
  })
  .catch(async (e: unknown) => {
    clearTimeout(watchdog);
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    const t = tail(logFile, 20);
    if (t) log(`platform log (last lines):\n${t}`);
    await cleanup();
    process.exit(1);
  });
