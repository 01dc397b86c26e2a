/**
 * Scale data for benchmarks and capacity tests: realistic trouble tickets and MNO radio
 * sites generated inside PostgreSQL (batched `INSERT … SELECT … FROM generate_series`),
 * never one API request per row. One million tickets load in about a minute on two cores.
 *
 *   npm run seed:scale -- --tickets 1000000              # into the running platform's database
 *   npm run seed:scale -- --sites 100000                 # MNO sites for outage-impact matching
 *   npm run seed:scale -- --tickets 10000 --url postgresql://user:pw@host:5432/gridlink
 *
 * Options:
 *   --tickets N        tickets to add (default 0)
 *   --sites N          MNO sites to add (default 0), spread over the demo MNOs
 *   --url URL          database (default $DATABASE_URL, else the embedded PostgreSQL on
 *                      127.0.0.1:$GRIDLINK_EMBEDDED_PG_PORT (54329) that `npm start` runs)
 *   --dsos N --mnos N  extra "Scale" organisations to create (default 6 DSOs, 4 MNOs), all
 *                      partnered with each other, so the database holds several
 *                      organisations' tickets and tenancy filters matter
 *   --batch N          rows per INSERT statement (default 50,000)
 *   --parallel N       concurrent INSERT statements (default 2)
 *
 * What the tickets look like: every active partnership (demo ones included) gets an equal
 * share; 70 % are filed by the DSO, 30 % by the MNO; creation dates are spread over the
 * last 365 days; the status depends on age (old tickets are mostly closed, recent ones
 * open); severity, type, ITIL priority, 0–3 notes and a status history as the API would
 * write them (same JSON document shape as a create). Resolved tickets are kept within the
 * auto-close quiet period, and SLA clocks of open seeded tickets are recorded as already
 * evaluated, so the scheduled jobs do not start a catch-up storm of closes and breach
 * events in the middle of a benchmark. Tables are ANALYZEd at the end.
 *
 * The functions are exported for the benchmark (bench/), which seeds through them.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export type Log = (msg: string) => void;

export interface Pair {
  dso: string;
  mno: string;
  dsoName: string;
  mnoName: string;
}

const ts = (expr: string) => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The k-th note of a generated ticket, as JSON text (SQL expression over the row's columns). */
const note = (k: number) =>
  `('{"id":"' || gen_random_uuid() || '","text":"' || (ARRAY['Field crew dispatched.', 'Power restored at the feeder, waiting for the site to come back.',
     'Backhaul provider informed.', 'Site back on mains, monitoring.', 'Customer impact confirmed in the area.'])[1 + ((site_no + ${k}) % 5)]
     || '","author":' || ${k % 2 === 0 ? 'reporter_json' : 'responsible_json'} || ',"date":"' || ${ts(`created + (changed - created) * ${(k + 1) / 4}`)} || '","@type":"Note"}')`;

/** Creates (once) extra DSOs and MNOs named "Scale …", all partnered; returns every active pair. */
export async function ensureScaleOrganizations(pool: pg.Pool, opts: { dsos: number; mnos: number }): Promise<Pair[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE organization IN EXCLUSIVE MODE');
    const mk = async (kind: 'DSO' | 'MNO', n: number) => {
      for (let i = 1; i <= n; i++) {
        const name = `Scale ${kind} ${String(i).padStart(2, '0')}`;
        await client.query(
          `INSERT INTO organization (id, name, kind, country, created_at)
           SELECT gen_random_uuid(), $1::text, $2::"OrganizationKind", $3, now() WHERE NOT EXISTS (SELECT 1 FROM organization WHERE name = $1::text)`,
          [name, kind, i % 2 ? 'DE' : 'AT'],
        );
      }
    };
    await mk('DSO', opts.dsos);
    await mk('MNO', opts.mnos);
    await client.query(
      `INSERT INTO partnership (id, dso_id, mno_id, proposed_by_id, status, status_change_history, created_at, last_update)
       SELECT gen_random_uuid(), d.id, m.id, d.id, 'active', jsonb_build_array(
                jsonb_build_object('status', 'proposed', 'statusChangeDate', ${ts('now()')}, 'actor', jsonb_build_object('organizationId', d.id)),
                jsonb_build_object('status', 'active', 'statusChangeDate', ${ts('now()')}, 'actor', jsonb_build_object('organizationId', m.id))),
              now(), now()
         FROM organization d, organization m
        WHERE d.kind = 'DSO' AND m.kind = 'MNO' AND d.name LIKE 'Scale DSO %' AND m.name LIKE 'Scale MNO %'
       ON CONFLICT (dso_id, mno_id) DO NOTHING`,
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  const { rows } = await pool.query<{ dso: string; mno: string; dso_name: string; mno_name: string }>(
    `SELECT p.dso_id::text AS dso, p.mno_id::text AS mno, d.name AS dso_name, m.name AS mno_name
       FROM partnership p JOIN organization d ON d.id = p.dso_id JOIN organization m ON m.id = p.mno_id
      WHERE p.status = 'active' ORDER BY d.name, m.name`,
  );
  return rows.map((r) => ({ dso: r.dso, mno: r.mno, dsoName: r.dso_name, mnoName: r.mno_name }));
}

/**
 * One INSERT … SELECT that generates `n` tickets over `pairs`, plus SLA clock rows for
 * the open ones. Everything random is drawn once per row in the first CTE.
 */
const TICKET_SQL = `
WITH pairs AS (
  SELECT p.*, to_json(dso_name)::text AS dso_json, to_json(mno_name)::text AS mno_json
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS p(dso, mno, dso_name, mno_name, n)
),
r AS (
  SELECT gen_random_uuid() AS id,
         1 + floor(random() * $5::int)::int AS pn,
         random() < 0.7 AS by_dso,
         now() - random() * interval '365 days' AS created,
         random() AS r_status, random() AS r_change, random() AS r_sev, random() AS r_type, random() AS r_prio,
         floor(random() * 4)::int AS n_notes, floor(random() * 8)::int AS r_name, floor(random() * 100000)::int AS site_no
    FROM generate_series(1, $6::int)
),
s AS (
  SELECT r.*, p.*,
         CASE WHEN r.by_dso THEN p.dso ELSE p.mno END AS reporter,
         CASE WHEN r.by_dso THEN p.mno ELSE p.dso END AS responsible,
         CASE WHEN r.by_dso THEN p.dso_name ELSE p.mno_name END AS reporter_name,
         CASE WHEN r.by_dso THEN p.mno_name ELSE p.dso_name END AS responsible_name,
         CASE WHEN r.by_dso THEN p.dso_json ELSE p.mno_json END AS reporter_json,
         CASE WHEN r.by_dso THEN p.mno_json ELSE p.dso_json END AS responsible_json,
         CASE WHEN now() - r.created > interval '30 days' THEN
                CASE WHEN r_status < 0.72 THEN 'closed' WHEN r_status < 0.80 THEN 'cancelled' WHEN r_status < 0.84 THEN 'rejected'
                     WHEN r_status < 0.88 THEN 'resolved' WHEN r_status < 0.92 THEN 'inProgress' WHEN r_status < 0.95 THEN 'pending'
                     WHEN r_status < 0.97 THEN 'held' WHEN r_status < 0.985 THEN 'acknowledged' ELSE 'submitted' END
              ELSE
                CASE WHEN r_status < 0.12 THEN 'submitted' WHEN r_status < 0.30 THEN 'acknowledged' WHEN r_status < 0.55 THEN 'inProgress'
                     WHEN r_status < 0.63 THEN 'pending' WHEN r_status < 0.67 THEN 'held' WHEN r_status < 0.80 THEN 'resolved'
                     WHEN r_status < 0.93 THEN 'closed' WHEN r_status < 0.97 THEN 'cancelled' ELSE 'rejected' END
         END AS status0,
         (ARRAY['critical','major','major','minor','minor','minor','warning','warning'])[1 + floor(r_sev * 8)::int] AS severity,
         (ARRAY['down','down','degraded','degraded','failure','assistance','maintenance','installation'])[1 + floor(r_type * 8)::int] AS ticket_type,
         CASE WHEN r_prio < 0.6 THEN NULL ELSE (1 + floor((r_prio - 0.6) / 0.4 * 5))::int::text END AS priority
    FROM r JOIN pairs p ON p.n = r.pn
),
t AS (
  SELECT s.*,
         CASE WHEN status0 = 'submitted' THEN created ELSE created + (now() - created) * (0.05 + 0.9 * r_change) END AS changed0
    FROM s
),
u AS (
  -- resolved tickets close automatically after a quiet period: an old "resolved" is "closed"
  SELECT t.*, CASE WHEN status0 = 'resolved' AND changed0 < now() - interval '60 hours' THEN 'closed' ELSE status0 END AS status,
         changed0 AS changed
    FROM t
),
d AS (
  SELECT u.*,
         (ARRAY['RTU ', 'Substation ', 'Secondary substation ', 'Smart meter gateway ', 'Feeder monitor ', 'Radio site ', 'Base station ', 'Recloser '])[1 + r_name]
           || 'NX-' || site_no
           || (ARRAY[' lost its mobile link', ' is unreachable', ': SCADA polling fails', ' on battery, no backhaul', ': degraded LTE signal',
                     ' lost power', ': dual-SIM did not fail over', ' flapping between cells'])[1 + (site_no % 8)] AS name,
         'Reported by the ' || CASE WHEN by_dso THEN 'grid control room' ELSE 'network operations centre' END
           || ': ' || (ARRAY['communication lost since the storm front passed', 'intermittent packet loss on the APN', 'no response to polling for 15 minutes',
                             'cell outage reported by field crew', 'backup power running, mains lost', 'planned maintenance overran'])[1 + (site_no % 6)]
           || '. Site reference NX-' || site_no || ', please investigate and report an expected resolution time.' AS description,
         ${ts('created')} AS created_s, ${ts('changed')} AS changed_s,
         CASE WHEN status IN ('resolved', 'closed') THEN changed END AS resolution_date,
         CASE WHEN status IN ('inProgress', 'pending', 'held') AND r_change > 0.5 THEN changed + interval '6 hours' END AS expected_resolution
    FROM u
),
docs AS (
  -- JSON text built by concatenation and parsed once: half the cost of nested jsonb_build_object
  SELECT id, reporter, responsible, status, severity, ticket_type, priority, name, created, changed, expected_resolution, resolution_date, (
    '{"id":"' || id || '","@type":"TroubleTicket","name":"' || name || '","description":"' || description
    || '","severity":"' || severity || '","ticketType":"' || ticket_type || '"'
    || CASE WHEN priority IS NULL THEN '' ELSE ',"priority":"' || priority || '"' END
    || ',"relatedParty":[{"role":"reporter","partyOrPartyRole":{"id":"' || reporter || '","name":' || reporter_json
    || ',"@referredType":"Organization"},"@type":"RelatedPartyRefOrPartyRoleRef"},{"role":"responsible","partyOrPartyRole":{"id":"' || responsible
    || '","name":' || responsible_json || ',"@referredType":"Organization"},"@type":"RelatedPartyRefOrPartyRoleRef"}]'
    || ',"note":[' || CASE n_notes WHEN 0 THEN '' WHEN 1 THEN ${note(0)} WHEN 2 THEN ${note(0)} || ',' || ${note(1)}
                               ELSE ${note(0)} || ',' || ${note(1)} || ',' || ${note(2)} END || ']'
    || ',"status":"' || status || '","statusChangeDate":"' || changed_s || '"'
    || CASE WHEN status IN ('rejected', 'pending', 'held', 'cancelled') THEN ',"statusChangeReason":"Set by the scale seeder"' ELSE '' END
    || ',"statusChangeHistory":[{"status":"submitted","statusChangeDate":"' || created_s || '","@type":"StatusChange","actor":{"organizationId":"' || reporter || '"}}'
    || CASE WHEN status = 'submitted' THEN '' ELSE ',{"status":"' || status || '","statusChangeDate":"' || changed_s
         || '","@type":"StatusChange","actor":{"organizationId":"' || CASE WHEN status IN ('cancelled', 'closed') THEN reporter ELSE responsible END || '"}}' END
    || '],"creationDate":"' || created_s || '","lastUpdate":"' || changed_s || '"'
    || CASE WHEN resolution_date IS NULL THEN '' ELSE ',"resolutionDate":"' || changed_s || '"' END
    || CASE WHEN expected_resolution IS NULL THEN '' ELSE ',"expectedResolutionDate":"' || ${ts('expected_resolution')} || '"' END
    || '}')::jsonb AS doc
    FROM d
),
ins AS (
  INSERT INTO trouble_ticket (id, reporter_org_id, responsible_org_id, status, severity, ticket_type, priority, name, creation_date, last_update,
                              status_change_date, requested_resolution_date, expected_resolution_date, resolution_date, version, doc)
  SELECT id, reporter, responsible, status, severity, ticket_type, priority, name, date_trunc('milliseconds', created), date_trunc('milliseconds', changed),
         date_trunc('milliseconds', changed), NULL, date_trunc('milliseconds', expected_resolution), date_trunc('milliseconds', resolution_date), 1, doc
    FROM docs
  RETURNING id, reporter_org_id, responsible_org_id, status, priority, severity, status_change_date
)
INSERT INTO sla_clock (id, resource_type, resource_id, kind, reporter_org_id, responsible_org_id, tier, priority, target_minutes, elapsed_ms,
                       state, outcome, warned_at, breached_at, evaluated_at)
SELECT gen_random_uuid(), 'troubleTicket', ins.id, k.kind, ins.reporter_org_id, ins.responsible_org_id, 'standard',
       coalesce(ins.priority::int, CASE ins.severity WHEN 'critical' THEN 1 WHEN 'major' THEN 2 WHEN 'minor' THEN 3 ELSE 4 END),
       k.minutes, 0, 'running', NULL, now(), now(), now()
  FROM ins CROSS JOIN (VALUES ('response', 120), ('resolution', 1440)) AS k(kind, minutes)
 WHERE ins.status NOT IN ('closed', 'cancelled', 'rejected') OR ins.status_change_date > now() - interval '3 days'
`;

export interface SeedTicketsOptions {
  count: number;
  pairs: Pair[];
  batchSize?: number;
  parallel?: number;
  log?: Log;
}

/** Adds `count` tickets spread evenly over `pairs`; returns the elapsed milliseconds. */
export async function seedTickets(pool: pg.Pool, opts: SeedTicketsOptions): Promise<number> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  if (opts.count <= 0) return 0;
  if (opts.pairs.length === 0) throw new Error('no active partnership to file tickets in');
  const batch = Math.max(1, opts.batchSize ?? 50_000);
  const params = (n: number) => [
    opts.pairs.map((p) => p.dso),
    opts.pairs.map((p) => p.mno),
    opts.pairs.map((p) => p.dsoName),
    opts.pairs.map((p) => p.mnoName),
    opts.pairs.length,
    n,
  ];
  let remaining = opts.count;
  let done = 0;
  const next = () => {
    const n = Math.min(batch, remaining);
    remaining -= n;
    return n;
  };
  const worker = async () => {
    for (let n = next(); n > 0; n = next()) {
      await pool.query(TICKET_SQL, params(n));
      done += n;
      log(`tickets: ${done.toLocaleString('en')} / ${opts.count.toLocaleString('en')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 2) }, worker));
  await pool.query('ANALYZE trouble_ticket');
  await pool.query('ANALYZE sla_clock');
  return Date.now() - started;
}

/** Population centres (lon, lat, weight) the sites cluster around; the rest is spread evenly. */
const CITIES: [number, number, number][] = [
  [13.405, 52.52, 6],
  [9.993, 53.551, 5],
  [11.576, 48.137, 5],
  [6.96, 50.938, 4],
  [8.682, 50.11, 4],
  [9.18, 48.776, 3],
  [6.776, 51.227, 3],
  [7.466, 51.514, 3],
  [7.012, 51.455, 3],
  [12.374, 51.34, 3],
  [8.807, 53.075, 2],
  [13.738, 51.05, 2],
  [9.732, 52.375, 2],
  [11.077, 49.452, 2],
  [7.216, 51.481, 2],
  [7.1, 50.735, 2],
  [8.466, 49.488, 2],
  [8.403, 49.006, 2],
  [10.898, 48.37, 1],
  [8.239, 50.078, 1],
  [7.628, 51.961, 1],
  [12.1, 54.083, 1],
  [10.13, 54.323, 1],
  [11.628, 52.131, 1],
];

const SITE_SQL = `
WITH c AS (
  SELECT * FROM unnest($1::float8[], $2::float8[], $3::float8[]) WITH ORDINALITY AS c(lon, lat, w, n)
),
cw AS (SELECT n, lon, lat, sum(w) OVER (ORDER BY n) / sum(w) OVER () AS cum FROM c),
r AS (
  SELECT i, random() AS r_kind, random() AS r_city, sqrt(-2 * ln(1 - random())) AS g_r, 2 * pi() * random() AS g_t,
         random() AS u_lon, random() AS u_lat, random() AS r_ups, random() AS r_cap, random() AS r_prio,
         $5::uuid[] AS orgs
    FROM generate_series($6::int, $6::int + $4::int - 1) i
),
p AS (
  SELECT r.*, orgs[1 + (i % array_length(orgs, 1))] AS org,
         CASE WHEN r_kind < 0.6 THEN cw.lon + 0.12 * g_r * cos(g_t) / cos(radians(cw.lat)) ELSE 5.9 + u_lon * 9.1 END AS lon,
         CASE WHEN r_kind < 0.6 THEN cw.lat + 0.12 * g_r * sin(g_t) ELSE 47.3 + u_lat * 7.7 END AS lat
    FROM r CROSS JOIN LATERAL (SELECT * FROM cw WHERE cw.cum >= r.r_city ORDER BY cw.n LIMIT 1) cw
),
q AS (
  SELECT p.*, gen_random_uuid() AS id, 'SITE-' || lpad(i::text, 7, '0') AS site_id, 'Radio site ' || i AS name,
         'DE-ES-' || (i / 7) AS supply, r_ups < 0.8 AS ups, CASE WHEN r_ups < 0.8 THEN 30 + floor(r_cap * 12)::int * 15 END AS cap,
         r_ups >= 0.97 AS gen, r_prio < 0.08 AS prio,
         least(180, greatest(-180, lon)) AS x, least(90, greatest(-90, lat)) AS y
    FROM p
)
INSERT INTO mno_site (id, org_id, site_id, name, location, energy_supply_id, base_station_ids, ups_installed, ups_capacity_minutes, remaining_minutes,
                      generator, priority, created_at, last_update, doc)
SELECT id, org, site_id, name, point(x, y), supply, ARRAY['BS-' || i], ups, cap, NULL, gen, prio, now(), now(),
       jsonb_strip_nulls(jsonb_build_object('id', id, '@type', 'MnoSite', 'siteId', site_id, 'name', name,
         'location', jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(x, y)), 'energySupplyId', supply,
         'baseStationId', jsonb_build_array('BS-' || i),
         'backupPower', jsonb_build_object('upsInstalled', ups, 'upsCapacityMinutes', cap, 'generator', gen), 'priority', prio,
         'createdAt', ${ts('now()')}, 'lastUpdate', ${ts('now()')}))
  FROM q
ON CONFLICT (org_id, site_id) DO NOTHING
`;

/**
 * Adds `count` MNO sites over Germany, 60 % clustered around cities and 40 % spread
 * evenly, round-robin over `mnoIds` (default: every MNO). Returns the elapsed milliseconds.
 */
export async function seedSites(pool: pg.Pool, opts: { count: number; mnoIds?: string[]; batchSize?: number; log?: Log }): Promise<number> {
  const started = Date.now();
  if (opts.count <= 0) return 0;
  const mnos =
    opts.mnoIds ??
    (await pool.query<{ id: string }>(`SELECT id::text FROM organization WHERE kind = 'MNO' ORDER BY created_at, name`)).rows.map(
      (r) => r.id,
    );
  if (mnos.length === 0) throw new Error('no MNO organisation to own the sites');
  const first = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM mno_site')).rows[0]?.n ?? 0) + 1;
  const batch = Math.max(1, opts.batchSize ?? 50_000);
  for (let off = 0; off < opts.count; off += batch) {
    const n = Math.min(batch, opts.count - off);
    await pool.query(SITE_SQL, [CITIES.map((c) => c[0]), CITIES.map((c) => c[1]), CITIES.map((c) => c[2]), n, mnos, first + off]);
    opts.log?.(
      `sites: ${(off + n).toLocaleString('en')} / ${opts.count.toLocaleString('en')} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  await pool.query('ANALYZE mno_site');
  return Date.now() - started;
}

export function defaultDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['DATABASE_URL'] || `postgresql://gridlink:gridlink-embedded@127.0.0.1:${env['GRIDLINK_EMBEDDED_PG_PORT'] || 54329}/gridlink`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tickets: { type: 'string', default: '0' },
      sites: { type: 'string', default: '0' },
      url: { type: 'string' },
      dsos: { type: 'string', default: '6' },
      mnos: { type: 'string', default: '4' },
      batch: { type: 'string', default: '50000' },
      parallel: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const num = (v: string | undefined, name: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const tickets = num(values.tickets, 'tickets');
  const sites = num(values.sites, 'sites');
  if (values.help || (tickets === 0 && sites === 0)) {
    console.log(
      'usage: npm run seed:scale -- [--tickets N] [--sites N] [--url postgresql://…] [--dsos 6] [--mnos 4] [--batch 50000] [--parallel 2]',
    );
    return values.help ? 0 : 1;
  }
  const url = values.url ?? defaultDatabaseUrl();
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(2, num(values.parallel, 'parallel')),
    application_name: 'gridlink-seed-scale',
  });
  const log: Log = (m) => console.log(`[seed-scale] ${m}`);
  try {
    if (tickets > 0) {
      const pairs = await ensureScaleOrganizations(pool, { dsos: num(values.dsos, 'dsos'), mnos: num(values.mnos, 'mnos') });
      log(`${pairs.length} active partnerships`);
      const ms = await seedTickets(pool, {
        count: tickets,
        pairs,
        batchSize: num(values.batch, 'batch'),
        parallel: num(values.parallel, 'parallel'),
        log,
      });
      log(`${tickets.toLocaleString('en')} tickets in ${(ms / 1000).toFixed(1)} s`);
    }
    if (sites > 0) {
      const ms = await seedSites(pool, { count: sites, batchSize: num(values.batch, 'batch'), log });
      log(`${sites.toLocaleString('en')} sites in ${(ms / 1000).toFixed(1)} s`);
    }
    return 0;
  } finally {
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`[seed-scale] failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
