import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free loopback TCP port (for a child platform or a throwaway PostgreSQL cluster). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Platform {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
}

/**
 * Starts the real platform (`src/main.ts` through tsx) on `port` with `env` over this
 * process's environment and waits up to 60 s for `/ready`. The child is added to `children`,
 * which the caller's `afterAll` kills if still running.
 */
export async function startPlatform(port: number, env: Record<string, string>, children: ChildProcess[]): Promise<Platform> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early: ${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return { child, output: () => output };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`did not become ready: ${output}`);
}
