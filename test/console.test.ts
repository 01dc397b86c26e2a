import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';
import { loadConfig } from '../src/config.js';

/**
 * Serving the operator console (issue 13): the built files at /console, the root opening
 * it, caching, the browser-side routes falling back to index.html, and a CSP of self only.
 * The console build itself is exercised by the browser tests (e2e/).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-console-'));
fs.mkdirSync(path.join(dir, 'assets'));
fs.writeFileSync(
  path.join(dir, 'index.html'),
  '<!doctype html><html><head><title>c</title></head><body><script src="/console/assets/app-1a2b.js"></script></body></html>',
);
fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)');

let h: Harness;
let tiled: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_CONSOLE_DIR: dir } });
  tiled = await createHarness({
    env: {
      GRIDLINK_CONSOLE_DIR: dir,
      GRIDLINK_CONSOLE_TILE_URL: 'https://tiles.example.net/{z}/{x}/{y}.png',
      GRIDLINK_CONSOLE_TILE_ATTRIBUTION: '© "Tiles" <b>',
    },
  });
});
afterAll(async () => {
  await h?.close();
  await tiled?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('operator console serving (issue 13)', () => {
  it('the root and /console redirect to /console/', async () => {
    const r = await supertest(h.app.express).get('/');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/console/');
    const bare = await supertest(h.app.express).get('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');
  });

  it('serves index.html for /console/ and every console route, revalidated on each load, with a CSP of self only', async () => {
    for (const url of ['/console/', '/console/tickets', '/console/outages/123e4567-e89b-12d3-a456-426614174000']) {
      const r = await supertest(h.app.express).get(url);
      expect(r.status, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.text).toContain('/console/assets/app-1a2b.js');
      expect(r.headers['cache-control']).toBe('no-cache');
      const csp = r.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    }
  });

  it('hashed assets are cached for a year as immutable; a missing asset is a TMF 404, not index.html', async () => {
    const r = await supertest(h.app.express).get('/console/assets/app-1a2b.js');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await supertest(h.app.express).get('/console/assets/nope-123.js');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', status: '404', '@type': 'Error' });
  });

  it('a configured tile server is announced to the console and allowed for images only', async () => {
    const r = await supertest(tiled.app.express).get('/console/outages');
    expect(r.text).toContain('<meta name="gridlink-tile-url" content="https://tiles.example.net/{z}/{x}/{y}.png">');
    expect(r.text).toContain('content="© &quot;Tiles&quot; &lt;b>"');
    const csp = r.headers['content-security-policy'] as string;
    expect(csp).toContain("img-src 'self' data: blob: https://tiles.example.net");
    expect(csp).toContain("connect-src 'self';");
  });

  it('the API keeps its own headers: no console CSP on /tmf-api', async () => {
    const r = await h.call('GET', '/tmf-api/troubleTicket/v5/troubleTicket');
    expect(r.headers['content-security-policy']).toBeUndefined();
  });

  it('an unbuilt console is a clear 404, and a tile URL that is not an https template is refused at start', async () => {
    const empty = await createHarness({ env: { GRIDLINK_CONSOLE_DIR: path.join(dir, 'missing') } });
    try {
      const r = await supertest(empty.app.express).get('/console/');
      expect(r.status).toBe(404);
      expect(r.body.message).toContain('npm run build');
    } finally {
      await empty.close();
    }
    expect(() => loadConfig({ GRIDLINK_CONSOLE_TILE_URL: 'http://tiles.example.net/{z}/{x}/{y}.png' })).toThrow(
      /GRIDLINK_CONSOLE_TILE_URL/,
    );
  });
});
