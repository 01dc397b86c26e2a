import crypto from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { isConnectionError } from '../db/availability.js';
import type { Database } from '../db/client.js';

/**
 * A small registry of named node-cron jobs. Each job is idempotent and time-limited;
 * on every tick the instances race for a PostgreSQL advisory lock named after the job,
 * so exactly one runs it. Every run that took the lock is recorded in `job_run`.
 */
export interface JobDefinition {
  name: string;
  /** node-cron expression (seconds field optional). */
  schedule: string;
  timeoutMs: number;
  description: string;
  run(signal: AbortSignal): Promise<string | void>;
}

export interface RunResult {
  ran: boolean;
  outcome?: 'success' | 'failed' | 'timeout';
  detail?: string;
}

export interface Scheduler {
  readonly jobs: readonly JobDefinition[];
  start(): void;
  stop(): Promise<void>;
  /** Runs a job now, under the same lock and bookkeeping as a scheduled tick. */
  runNow(name: string): Promise<RunResult>;
}

function lockKey(name: string): bigint {
  return crypto.createHash('sha256').update(`gridlink-job:${name}`).digest().readBigInt64BE(0);
}

export function createScheduler(deps: { db: Database; log: Logger; jobs: JobDefinition[]; now: () => Date }): Scheduler {
  const { db, log } = deps;
  const instance = crypto.randomUUID().slice(0, 8);
  const tasks: ScheduledTask[] = [];
  const inflight = new Set<Promise<RunResult>>();
  for (const j of deps.jobs) if (!cron.validate(j.schedule)) throw new Error(`job ${j.name}: invalid cron expression '${j.schedule}'`);

  /** A run that outlived its job's `timeoutMs`. */
  class JobTimeout extends Error {}

  const runJob = async (job: JobDefinition): Promise<RunResult> => {
    const client = await db.pool.connect();
    let broken = false;
    const key = lockKey(job.name).toString();
    try {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
      if (!got.rows[0]?.ok) return { ran: false };
      const started = deps.now();
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO job_run (name, instance_id, started_at, outcome) VALUES ($1, $2, $3, 'running') RETURNING id`,
        [job.name, instance, started],
      );
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      let outcome: RunResult['outcome'];
      let detail: string | undefined;
      try {
        const result = await Promise.race([
          job.run(controller.signal),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new JobTimeout(`timed out after ${job.timeoutMs} ms`));
            }, job.timeoutMs);
          }),
        ]);
        outcome = 'success';
        detail = result ?? undefined;
      } catch (e) {
        outcome = e instanceof JobTimeout ? 'timeout' : 'failed';
        detail = e instanceof Error ? e.message : String(e);
        log.error({ job: job.name, err: e }, `job ${job.name} ${outcome}`);
      } finally {
        clearTimeout(timer);
      }
      try {
        await client.query('UPDATE job_run SET finished_at = $2, outcome = $3, detail = $4 WHERE id = $1', [
          rows[0]!.id,
          deps.now(),
          outcome,
          detail?.slice(0, 1000) ?? null,
        ]);
      } finally {
        // A lock connection that broke meanwhile released its session lock on the server.
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch((e: unknown) => {
          if (!isConnectionError(e)) throw e;
        });
      }
      log.debug({ job: job.name, outcome, detail }, 'job run');
      return { ran: true, outcome, ...(detail ? { detail } : {}) };
    } catch (e) {
      broken = isConnectionError(e);
      if (broken) db.health.suspect(e);
      throw e;
    } finally {
      // A broken connection is destroyed, not returned to the pool (issue 12).
      client.release(broken);
    }
  };

  const track = (p: Promise<RunResult>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  return {
    jobs: deps.jobs,
    start() {
      for (const job of deps.jobs) {
        tasks.push(
          cron.schedule(
            job.schedule,
            () => {
              track(runJob(job)).catch((e: unknown) => log.error({ job: job.name, err: e }, 'job tick failed'));
            },
            { name: job.name, noOverlap: true },
          ),
        );
      }
      log.info({ jobs: deps.jobs.map((j) => `${j.name} (${j.schedule})`) }, 'scheduled jobs started');
    },
    async stop() {
      for (const t of tasks) await t.destroy();
      tasks.length = 0;
      await Promise.allSettled([...inflight]);
    },
    runNow(name) {
      const job = deps.jobs.find((j) => j.name === name);
      if (!job) throw new Error(`unknown job ${name}`);
      return track(runJob(job));
    },
  };
}
