import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (bench/lib/ -> ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export type Log = (msg: string) => void;

/** A free loopback TCP port (bound and released; good enough on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** Whether dist/ is missing or older than the sources it is built from. */
export function buildIsStale(): boolean {
  if (!fs.existsSync(MAIN)) return true;
  const built = fs.statSync(MAIN).mtimeMs;
  const inputs = [
    path.join(ROOT, 'src'),
    path.join(ROOT, 'prisma', 'schema.prisma'),
    path.join(ROOT, 'tsconfig.json'),
    path.join(ROOT, 'tsconfig.build.json'),
  ];
  return inputs.some((p) => newestMtime(p) > built);
}

/** Runs a command to completion, output to a log file; rejects with its tail on failure. */
export function run(cmd: string, args: string[], opts: { logFile: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(opts.logFile, 'a');
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', out, out], env: opts.env ?? process.env });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      fs.closeSync(out);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail(opts.logFile, 30)}`));
    });
  });
}

export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface PlatformOptions {
  dataDir: string;
  port: number;
  pgPort: number;
  adminToken: string;
  logFile: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Run src/main.ts through tsx instead of the build (the smoke test; no 30 s build). */
  source?: boolean;
  env?: Record<string, string>;
}

export interface RunningPlatform {
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first `200` on /ready. */
  readonly readyMs: number;
  stop(timeoutMs?: number): Promise<void>;
}

export const databaseUrl = (pgPort: number): string => `postgresql://gridlink:gridlink-embedded@127.0.0.1:${pgPort}/gridlink`;

export function newAdminToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * Starts the production build (`node dist/src/main.js`) with the embedded PostgreSQL under
 * `dataDir`, on loopback only, and waits for /ready. The child is killed if it is not
 * ready within `readyTimeoutMs`.
 */
export async function startPlatform(opts: PlatformOptions, readyTimeoutMs = 120_000): Promise<RunningPlatform> {
  const out = fs.openSync(opts.logFile, 'a');
  const started = performance.now();
  const entry = opts.source ? ['--import', 'tsx', path.join(ROOT, 'src', 'main.ts')] : [MAIN];
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeFlags ?? []), ...entry], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(opts.port),
      GRIDLINK_DATA_DIR: opts.dataDir,
      GRIDLINK_EMBEDDED_PG_PORT: String(opts.pgPort),
      GRIDLINK_ADMIN_TOKEN: opts.adminToken,
      // the benchmark's webhook receiver listens on 127.0.0.1
      GRIDLINK_WEBHOOK_ALLOW_PRIVATE: 'true',
      // The nightly export (01:30 by default; ~50 s at a million tickets) would land in the
      // middle of a run started at the wrong time: moved to 1 January 00:00 (--env overrides).
      GRIDLINK_EXPORT_CRON: '0 0 1 1 *',
      ...opts.env,
    },
  });
  fs.closeSync(out);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = started + readyTimeoutMs;
  let readyMs: number;
  for (;;) {
    if (exited) throw new Error(`the platform stopped while starting (${exited}):\n${tail(opts.logFile, 30)}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      throw new Error(`the platform was not ready within ${readyTimeoutMs / 1000} s:\n${tail(opts.logFile, 30)}`);
    }
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    pid: child.pid!,
    readyMs,
    async stop(timeoutMs = 30_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * If the platform was killed hard, its embedded PostgreSQL (our grandchild) keeps running:
 * stop it by the pid in its own postmaster.pid (fast shutdown), and wait for it.
 */
export async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}
