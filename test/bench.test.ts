import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 7: the benchmark is not part of `npm test` (minutes, and noisy), but its entry point
 * must keep working. `--smoke` runs every scenario with tiny sizes and one-second loads;
 * `--source` starts src/main.ts through tsx so the test needs no production build.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('benchmark entry point (issue 7)', () => {
  it('runs every scenario in smoke mode, prints one table with ratios and writes the JSON results', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-bench-test-')), 'bench-results.json');
    const { code, stdout, stderr } = await runBench(['--smoke', '--source', '--out', out]);
    expect(code, stderr.slice(-3000)).toBe(0);

    expect(stdout).toMatch(/^scenario +\| conc +\| +req\/s/m);
    for (const s of [
      'bare Node http',
      'ticket-create SQL',
      'create trouble ticket',
      'get ticket by id',
      'status change (PATCH',
      'list: status',
      'Socket.IO',
      'webhook',
      'impact matching SQL',
      'start-up',
    ]) {
      expect(stdout).toContain(s);
    }
    expect(stdout).toMatch(/% of SQL baseline/);
    expect(stdout).toMatch(/% of bare Node/);
    expect(stdout).toMatch(/Targets: \d+ of \d+ met/);

    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      mode: string;
      rows: { id: string; errors?: number }[];
      targets: unknown[];
      machine: { nproc: number };
    };
    expect(json.mode).toBe('smoke');
    expect(json.machine.nproc).toBeGreaterThan(0);
    const ids = json.rows.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'baseline.bareNode.c10',
        'baseline.sqlCreate.c10',
        'ticket.create.c10',
        'ticket.get.c10',
        'ticket.patch.c10',
        'ticket.list.small.c1',
        'ticket.list.large.c1',
        'events.socket.1',
        'events.webhook',
        'impact.match',
        'impact.sql',
        'stack.health.c10',
        'impact.api',
        'startup',
      ]),
    );
    expect(json.targets.length).toBeGreaterThanOrEqual(6);
    // nothing the benchmark sends should fail
    for (const r of json.rows.filter((x) => x.id.startsWith('ticket.') || x.id.startsWith('events.'))) expect(r.errors, r.id).toBe(0);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }, 180_000);
});
