import type { ChildProcess } from 'node:child_process';
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
    const created = await fetch(`http://127.0.0.1:${port}/tmf-api/troubleTicket/v5/troubleTicket`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${dso.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        description: 'demo',
        severity: 'minor',
        ticketType: 'degraded',
        relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id } }],
      }),
    });
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
