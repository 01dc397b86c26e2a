import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';

export const base = () => process.env.E2E_BASE_URL!;

interface DemoOrg {
  id: string;
  name: string;
  kind: 'DSO' | 'MNO';
  apiKey: string;
  adminApiKey: string;
}
interface DemoUser {
  email: string;
  password: string;
  role: string;
  organizationId?: string;
  organizationName?: string;
}
interface DemoFile {
  organizations: (DemoOrg & { users?: DemoUser[] })[];
  users?: DemoUser[];
}

export function demo(): DemoFile {
  return JSON.parse(fs.readFileSync(path.join(process.env.E2E_DATA_DIR!, 'demo-credentials.json'), 'utf8')) as DemoFile;
}
export const org = (name: string) => demo().organizations.find((o) => o.name === name)!;

/** The demo user of an organisation with a role, from demo-credentials.json. */
export function demoUser(orgName: string, role: 'operator' | 'admin'): DemoUser | undefined {
  const d = demo();
  const o = org(orgName);
  const users = [...(o.users ?? []), ...(d.users ?? [])];
  return users.find(
    (u) => u.role === role && (u.organizationId === undefined || u.organizationId === o.id) && (u.organizationName ?? o.name) === o.name,
  );
}

/**
 * Fails the test on any Content-Security-Policy violation or uncaught error in the page:
 * the console must run under its CSP of 'self' only.
 */
export function watchConsole(page: Page): void {
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) throw new Error(`CSP violation: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    throw new Error(`uncaught error in the console: ${e.message}`);
  });
}

/** Signs in through the console's sign-in page as the organisation's demo user. */
export async function signIn(page: Page, orgName: string, role: 'operator' | 'admin' = 'operator'): Promise<void> {
  watchConsole(page);
  await page.goto(`${base()}/`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  const user = demoUser(orgName, role);
  if (!user) throw new Error(`demo-credentials.json has no ${role} user for ${orgName}`);
  await page.getByLabel('E-mail').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('who')).toContainText(orgName);
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
}

/** Calls a public API with an organisation's API key (fixture data only, e.g. the MNO's site register). */
export async function api(key: string, method: string, url: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${base()}${url}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Saves a full-page screenshot as a test artifact (test-results/screenshots, gitignored)
 * and runs axe-core on the page: no serious or critical violation is allowed.
 */
export async function checkPage(page: Page, name: string, info: TestInfo): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const file = path.join('test-results', 'screenshots', `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await info.attach(name, { path: file, contentType: 'image/png' });
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `accessibility on ${name}`,
  ).toEqual([]);
}
