import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startPlatform } from './support/process.js';

/**
 * Issue 2 point 3: the platform starts on an embedded PostgreSQL under the data
 * directory, seeds demo data once, answers /health and /ready, shuts down cleanly on
 * SIGTERM, and keeps its data across restarts.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-start-'));
const children: ChildProcess[] = [];

const start = (port: number, pgPort: number) =>
  startPlatform(
    port,
    {
      GRIDLINK_DATA_DIR: dataDir,
      GRIDLINK_EMBEDDED_PG_PORT: String(pgPort),
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    },
    children,
  );

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The DSO files a ticket with the MNO through the public API. */
const fileTicket = (port: number, dso: { apiKey: string }, mno: { id: string }, description: string) =>
  fetch(`http://127.0.0.1:${port}/tmf-api/troubleTicket/v5/troubleTicket`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${dso.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      description,
      severity: 'minor',
      ticketType: 'degraded',
      relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id } }],
    }),
  });

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on a fresh data directory', () => {
  it('seeds demo data once, serves, stops cleanly, and restarts on the same data', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    const first = await start(port, pgPort);
    const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      organizations: {
        id: string;
        name: string;
        kind: string;
        apiKey: string;
        users: { email: string; password: string; role: string }[];
      }[];
    };
    expect(creds.organizations.map((o) => o.kind).sort()).toEqual(['DSO', 'DSO', 'MNO', 'MNO']);
    // Issue 13: one operator and one admin console user per organisation, able to sign in.
    for (const o of creds.organizations) expect(o.users.map((u) => u.role).sort()).toEqual(['admin', 'operator']);
    expect(first.output()).toContain(creds.organizations[0]!.apiKey);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const operator = creds.organizations[0]!.users.find((u) => u.role === 'operator')!;
    const signIn = await fetch(`http://127.0.0.1:${port}/tmf-api/identity/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: operator.email, password: operator.password }),
    });
    expect(signIn.status).toBe(201);
    expect(signIn.headers.get('set-cookie')).toMatch(/^gridlink_session=/);

    const dso = creds.organizations.find((o) => o.kind === 'DSO')!;
    const mno = creds.organizations.find((o) => o.kind === 'MNO')!;
    const created = await fileTicket(port, dso, mno, 'demo');
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as { id: string };

    expect(await stop(first.child)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = await start(port, pgPort);
    const again = await fetch(`http://127.0.0.1:${port}/tmf-api/troubleTicket/v5/troubleTicket/${ticket.id}`, {
      headers: { Authorization: `Bearer ${mno.apiKey}` },
    });
    expect(again.status).toBe(200);
    const orgs = await fetch(`http://127.0.0.1:${port}/tmf-api/party/v1/organization`, {
      headers: { Authorization: `Bearer ${dso.apiKey}` },
    });
    expect(orgs.headers.get('x-total-count')).toBe('3'); // itself + two MNO partners, no reseed
    expect(await stop(second.child)).toBe(0);
  }, 120_000);
});

/** Runs the platform until it exits by itself (a start that must fail); its exit code and output. */
async function runToExit(port: number, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output };
}

const postmasterPid = (dir: string): number | undefined => {
  const file = path.join(dir, 'pg', 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the embedded PostgreSQL under failure (issue 12: survive the database)', () => {
  it('a killed server is restarted unaided; a second instance on the same data is refused and harms nothing; a failed start leaves no server; SIGTERM still exits', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    const first = await start(port, pgPort);
    const ready = () => fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status);
    expect(await ready()).toBe(200);

    // OOM-killer style: SIGKILL the postmaster. Gridlink starts it again by itself.
    const killed = postmasterPid(dataDir)!;
    const t0 = Date.now();
    process.kill(killed, 'SIGKILL');
    await until('/ready to fail', async () => ((await ready().catch(() => 503)) === 503 ? true : undefined), 10_000).catch(() => undefined);
    await until('/ready again', async () => ((await ready()) === 200 ? true : undefined), 45_000);
    const recoveredMs = Date.now() - t0;
    expect(postmasterPid(dataDir)).not.toBe(killed);
    expect(first.output()).toContain('embedded PostgreSQL exited unexpectedly');
    expect(first.output()).toContain('embedded PostgreSQL restarted');
    const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      organizations: { id: string; kind: string; apiKey: string }[];
    };
    const dso = creds.organizations.find((o) => o.kind === 'DSO')!;
    const mno = creds.organizations.find((o) => o.kind === 'MNO')!;
    expect((await fileTicket(port, dso, mno, 'after the database came back')).status).toBe(201);
    process.stdout.write(`embedded PostgreSQL SIGKILLed: ready again after ${recoveredMs} ms\n`);

    // A second instance on the same data directory is refused and leaves the first's server alone.
    const serving = postmasterPid(dataDir);
    const second = await runToExit(await freePort(), { GRIDLINK_DATA_DIR: dataDir, GRIDLINK_EMBEDDED_PG_PORT: String(pgPort) });
    expect(second.code).toBe(1);
    expect(second.output).toContain('is in use by a running process');
    expect(postmasterPid(dataDir)).toBe(serving);
    expect(await ready()).toBe(200);

    // A start that fails after its database is up (the HTTP port is taken) stops that database.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-start-taken-'));
    try {
      const taken = await runToExit(port, { GRIDLINK_DATA_DIR: otherDir, GRIDLINK_EMBEDDED_PG_PORT: String(await freePort()) });
      expect(taken.code).toBe(1);
      expect(taken.output).toContain('EADDRINUSE');
      expect(postmasterPid(otherDir)).toBeUndefined();
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }

    // And the first still shuts down cleanly, its (restarted) server with it.
    expect(await stop(first.child)).toBe(0);
    expect(postmasterPid(dataDir)).toBeUndefined();
  }, 180_000);
});
