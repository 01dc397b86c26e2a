import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import pg from 'pg';
import type { Ctx } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { round, Samples, summarize } from '../lib/stats.js';

/**
 * Baselines measured in the same run, so ratios hold on a noisy machine:
 *  - a bare Node `http` server answering a fixed JSON body (the body of a real
 *    get-ticket response), driven by the same autocannon settings;
 *  - the SQL statements one ticket create issues (captured from PostgreSQL's statement log
 *    of the platform, see docs/notes/performance.md), run by a direct node-postgres loop
 *    at the same concurrency, one connection per concurrent client (like pgbench -c N).
 */

const BARE_SERVER = `
const http = require('node:http');
const body = Buffer.from(process.env.BENCH_BODY || '{}');
const srv = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  });
});
srv.keepAliveTimeout = 65000;
srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\\n'));
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
`;

/** Starts the bare server in its own process (like the platform), returns its URL and a stopper. */
async function startBareServer(body: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { BENCH_BODY: body } });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('bare node server did not start')), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(Number(buf.trim()));
      }
    });
    child.once('exit', () => reject(new Error('bare node server exited')));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function bareNode(ctx: Ctx, body: string): Promise<Map<number, LoadResult>> {
  const out = new Map<number, LoadResult>();
  const srv = await startBareServer(body);
  try {
    for (const c of ctx.mode.connections) {
      const r = await runLoad({
        url: `${srv.url}/tmf-api/troubleTicket/v5/troubleTicket/x`,
        connections: c,
        durationS: ctx.mode.durationS,
        warmupS: ctx.mode.warmupS,
      });
      out.set(c, r);
      ctx.add({
        id: `baseline.bareNode.c${c}`,
        group: 'baseline',
        scenario: `bare Node http, fixed JSON (${body.length} B)`,
        concurrency: c,
        ...pick(r),
      });
    }
  } finally {
    await srv.stop();
  }
  return out;
}

export const pick = (r: LoadResult) => ({
  rps: r.rps,
  p50: r.p50,
  p90: r.p90,
  p99: r.p99,
  max: r.max,
  errors: r.errors + r.non2xx,
  samples: r.requests,
});

/*
 * The statements of POST /troubleTicket, in order, as PostgreSQL logs them for the platform
 * (log_statement = all; re-captured after the issue 7 fixes, see docs/notes/performance.md).
 * Not per request on the platform, so not per transaction here either: the GW-3 block list
 * (read every 2 s), the rate counters (one upsert for all keys every 200 ms, on a
 * synchronous_commit = off connection) and the audit rows (batched).
 */
const SQL = {
  apiKey: `SELECT k.id::text AS id, k.organization_id::text AS "organizationId", o.kind::text AS kind, k.role::text AS role,
       k.digest, k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
  FROM api_key k JOIN organization o ON o.id = k.organization_id WHERE k.prefix = $1`,
  partnerOf: `SELECT (SELECT name FROM organization WHERE id = $1::uuid) AS actor_name,
                (SELECT name FROM organization WHERE id = $2::uuid) AS partner_name,
                EXISTS (SELECT 1 FROM partnership WHERE status = 'active'
                         AND ((dso_id = $1::uuid AND mno_id = $2::uuid) OR (dso_id = $2::uuid AND mno_id = $1::uuid))) AS active`,
  insertTicket: `INSERT INTO trouble_ticket (id, reporter_org_id, responsible_org_id, creation_date, status, severity, ticket_type, priority, name, last_update, status_change_date, requested_resolution_date, expected_resolution_date, resolution_date, doc)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::timestamptz, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $12::timestamptz, $13::timestamptz, $14::timestamptz, $15::jsonb)`,
  // Issue 12: writers take their transaction id before drawing outbox numbers (no global lock).
  outboxXid: 'SELECT pg_current_xact_id()::text',
  // relayed_at is set so that the platform's relay (running against the same database)
  // leaves these rows alone; the NOTIFY goes to a channel nobody listens to (same cost).
  insertEvent: `WITH inserted AS (
       INSERT INTO event (id, event_type, event_time, resource_type, resource_id, originator_org_id, audience, payload, relayed_at)
       VALUES ($1::uuid, $2, $3::timestamptz, $4, $5, $6::uuid, $7::uuid[], $8::jsonb, $3::timestamptz))
     SELECT pg_notify('gridlink_bench_baseline', '')::text AS notified`,
  links: `SELECT id::text AS id, from_type, from_id::text AS from_id, to_type, to_id::text AS to_id, relation, origin
               FROM resource_link
              WHERE (from_type = $1 AND from_id = ANY($2::uuid[])) OR (to_type = $1 AND to_id = ANY($2::uuid[]))
              ORDER BY created_at, id`,
  rate: `INSERT INTO rate_counter (key, window_start, count) VALUES ($1, $2::timestamptz, $3::int), ($4, $5::timestamptz, $6::int), ($7, $8::timestamptz, $9::int), ($10, $11::timestamptz, $12::int), ($13, $14::timestamptz, $15::int), ($16, $17::timestamptz, $18::int)
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counter.count + EXCLUDED.count
             RETURNING key, window_start, count`,
};

/** The platform writes its in-memory rate counters this often (src/gateway/gateway.ts). */
const COUNTER_FLUSH_MS = 200;

/** The audit rows are written in batches off the request path; the loop does the same. */
const AUDIT_BATCH = 16;

export interface SqlBaselineResult {
  connections: number;
  tps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  transactions: number;
}

export async function sqlCreateBaseline(ctx: Ctx, connections: number, durationS: number): Promise<SqlBaselineResult> {
  const dso = ctx.dso1;
  const mno = ctx.mno1;
  const prefix = (
    await ctx.pool.query<{ prefix: string; id: string }>(
      `SELECT prefix, id::text FROM api_key WHERE organization_id = $1 AND role = 'operator' LIMIT 1`,
      [dso.id],
    )
  ).rows[0]!;
  const pool = new pg.Pool({ connectionString: databaseUrlOf(ctx), max: connections, application_name: 'gridlink-bench-baseline' });
  const samples = new Samples();
  let errors = 0;
  let stop = false;
  const audit: unknown[][] = [];
  const flushAudit = async (client: pg.PoolClient) => {
    const rows = audit.splice(0, audit.length);
    if (rows.length === 0) return;
    const types = [
      'timestamptz',
      'text',
      'text',
      'text',
      'uuid',
      'text',
      'text',
      'text',
      'text',
      'text',
      'uuid',
      'int',
      'text',
      'float8',
      'text',
      'text',
    ];
    await client.query(
      `INSERT INTO audit_log (time, request_id, credential_id, credential_kind, organization_id, method, path, operation, resource_type, resource_id, counterpart_org_id, status, outcome, duration_ms, remote_address, detail)
       SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      types.map((_, i) => rows.map((r) => r[i])),
    );
  };
  // Rate counters: counted in memory, one upsert every COUNTER_FLUSH_MS (like the platform).
  let counted = 0;
  let lastCounterFlush = performance.now();
  const counterPool = new pg.Pool({ connectionString: databaseUrlOf(ctx), max: 1, options: '-c synchronous_commit=off' });
  const flushCounters = async () => {
    const n = counted;
    counted = 0;
    lastCounterFlush = performance.now();
    const t = new Date();
    const minute = new Date(Math.floor(t.getTime() / 60_000) * 60_000);
    const hour = new Date(Math.floor(t.getTime() / 3_600_000) * 3_600_000);
    const day = new Date(Math.floor(t.getTime() / 86_400_000) * 86_400_000);
    const k = `baseline:${dso.id}`;
    await counterPool.query(SQL.rate, [
      ...[`${k}:minute`, minute, n, `${k}:hour`, hour, n, `${k}:day`, day, n],
      ...[`${k}:${mno.id}:minute`, minute, n, `${k}:${mno.id}:hour`, hour, n, `${k}:${mno.id}:day`, day, n],
    ]);
  };
  const once = async (client: pg.PoolClient) => {
    const t = new Date();
    const iso = t.toISOString();
    const id = crypto.randomUUID();
    await client.query(SQL.apiKey, [prefix.prefix]);
    counted += 1;
    if (performance.now() - lastCounterFlush >= COUNTER_FLUSH_MS) await flushCounters();
    await client.query('BEGIN');
    try {
      await client.query(SQL.partnerOf, [dso.id, mno.id]);
      const doc = ticketDoc(id, iso, dso, mno, prefix.id);
      await client.query(SQL.insertTicket, [
        id,
        dso.id,
        mno.id,
        t,
        'submitted',
        'major',
        'down',
        null,
        doc.name,
        t,
        t,
        null,
        null,
        null,
        JSON.stringify(doc),
      ]);
      await client.query(SQL.outboxXid);
      const envelope = {
        eventId: crypto.randomUUID(),
        eventTime: iso,
        eventType: 'TroubleTicketCreateEvent',
        '@type': 'TroubleTicketCreateEvent',
        '@baseType': 'Event',
        domain: 'troubleTicket',
        timeOccurred: iso,
        event: { troubleTicket: doc },
      };
      await client.query(SQL.insertEvent, [
        envelope.eventId,
        envelope.eventType,
        t,
        'troubleTicket',
        id,
        dso.id,
        [dso.id, mno.id],
        JSON.stringify(envelope),
      ]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await client.query(SQL.links, ['troubleTicket', [id]]);
    audit.push([
      t,
      crypto.randomUUID(),
      prefix.id,
      'apiKey',
      dso.id,
      'POST',
      '/tmf-api/troubleTicket/v5/troubleTicket',
      'createTroubleTicket',
      'troubleTicket',
      id,
      mno.id,
      201,
      'success',
      5,
      '127.0.0.1',
      null,
    ]);
    if (audit.length >= AUDIT_BATCH) await flushAudit(client);
  };
  const worker = async (measure: boolean) => {
    const client = await pool.connect();
    try {
      while (!stop) {
        const t0 = performance.now();
        try {
          await once(client);
          if (measure) samples.push(performance.now() - t0);
        } catch {
          if (measure) errors++;
        }
      }
    } finally {
      client.release();
    }
  };
  try {
    const run = async (seconds: number, measure: boolean) => {
      stop = false;
      const timer = setTimeout(() => (stop = true), seconds * 1000);
      const started = performance.now();
      await Promise.all(Array.from({ length: connections }, () => worker(measure)));
      clearTimeout(timer);
      return (performance.now() - started) / 1000;
    };
    if (ctx.mode.warmupS > 0) await run(ctx.mode.warmupS, false);
    const elapsed = await run(durationS, true);
    const s = summarize(samples.values());
    return {
      connections,
      tps: round(s.count / elapsed, 1),
      p50: round(s.p50),
      p90: round(s.p90),
      p99: round(s.p99),
      max: round(s.max),
      errors,
      transactions: s.count,
    };
  } finally {
    await pool.end();
    await counterPool.end();
  }
}

const databaseUrlOf = (ctx: Ctx) => `postgresql://gridlink:gridlink-embedded@127.0.0.1:${ctx.pgPort}/gridlink`;

/** The document a create writes (same shape and size as the API's). */
export function ticketDoc(
  id: string,
  iso: string,
  dso: { id: string; name: string },
  mno: { id: string; name: string },
  credentialId: string,
) {
  return {
    id,
    '@type': 'TroubleTicket',
    name: 'RTU Nord-17 lost its mobile link',
    description: 'SCADA polling of RTU Nord-17 fails since 00:36; dual-SIM did not fail over.',
    severity: 'major',
    ticketType: 'down',
    relatedParty: [
      {
        role: 'reporter',
        partyOrPartyRole: { id: dso.id, name: dso.name, '@referredType': 'Organization' },
        '@type': 'RelatedPartyRefOrPartyRoleRef',
      },
      {
        role: 'responsible',
        partyOrPartyRole: { id: mno.id, name: mno.name, '@referredType': 'Organization' },
        '@type': 'RelatedPartyRefOrPartyRoleRef',
      },
    ],
    note: [{ text: 'Site coordinates 53.55N 10.00E', id: crypto.randomUUID(), author: dso.name, date: iso, '@type': 'Note' }],
    status: 'submitted',
    statusChangeDate: iso,
    statusChangeHistory: [
      { status: 'submitted', statusChangeDate: iso, '@type': 'StatusChange', actor: { organizationId: dso.id, credentialId } },
    ],
    creationDate: iso,
    lastUpdate: iso,
  };
}

export async function sqlBaselines(ctx: Ctx): Promise<Map<number, SqlBaselineResult>> {
  const out = new Map<number, SqlBaselineResult>();
  for (const c of ctx.mode.connections) {
    const r = await sqlCreateBaseline(ctx, c, ctx.mode.durationS);
    out.set(c, r);
    ctx.add({
      id: `baseline.sqlCreate.c${c}`,
      group: 'baseline',
      scenario: 'ticket-create SQL, direct node-postgres loop',
      concurrency: c,
      rps: r.tps,
      p50: r.p50,
      p90: r.p90,
      p99: r.p99,
      max: r.max,
      errors: r.errors,
      samples: r.transactions,
      note: `${c} connections; 8 statements per transaction (BEGIN and COMMIT included), an audit batch per ${AUDIT_BATCH}, a counter upsert every ${COUNTER_FLUSH_MS} ms`,
    });
  }
  return out;
}
