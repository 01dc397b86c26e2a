import { expect, test } from '@playwright/test';
import { api, base, checkPage, org, signIn } from './support.js';

/**
 * The console's other main pages (issue 13): each one screenshotted and checked with axe-core,
 * keyboard sign-in, a tablet width, TMF error bodies shown as the API gave them, and the live
 * connection resuming after a drop. Uses Alpenstrom Netz and Mobilnet Alpha so that the storm
 * walk-through (Nordgrid and Telco North) starts from empty boards.
 */
const DSO = 'Alpenstrom Netz';
const MNO = 'Mobilnet Alpha';
const VIENNA = {
  type: 'Polygon',
  coordinates: [
    [
      [16.3, 48.15],
      [16.45, 48.15],
      [16.45, 48.25],
      [16.3, 48.25],
      [16.3, 48.15],
    ],
  ],
};

test('sign-in page: keyboard only, readable, accessible; a wrong password is a clear refusal', async ({ page }, info) => {
  await page.goto(`${base()}/`);
  await expect(page).toHaveURL(/\/console\/signin$/);
  await checkPage(page, 'signin', info);
  await page.getByLabel('E-mail').focus();
  await page.keyboard.type('nobody@example.invalid');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText(/HTTP 4\d\d/);
});

test('a session that ends (cookie gone) returns the console to the sign-in page with a notice; signing out ends it on the server', async ({
  page,
}) => {
  await signIn(page, MNO);
  await page.context().clearCookies();
  await page.getByRole('link', { name: 'Outages', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your session has ended');
  await signIn(page, MNO);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'gridlink_session')!;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The old cookie value no longer opens anything.
  const after = await fetch(`${base()}/tmf-api/identity/v1/session`, { headers: { Cookie: `gridlink_session=${cookie.value}` } });
  expect(after.status).toBe(401);
});

test('network status, problems, incidents, partners & admin, audit: each page renders, with its actions, and passes axe', async ({
  page,
}, info) => {
  await api(org(MNO).apiKey, 'POST', '/tmf-api/networkStatus/v1/networkStatusNotice', {
    name: 'Vienna core router degraded',
    impact: 'degraded',
    cause: 'Line card failure',
    affectedArea: { geoArea: VIENNA },
  });
  await signIn(page, DSO, 'admin');
  await page.getByRole('link', { name: 'Network status', exact: true }).click();
  await page.getByRole('link', { name: 'Vienna core router degraded' }).click();
  await expect(page.getByRole('heading', { name: 'Vienna core router degraded' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Mark/ })).toHaveCount(0); // only the publishing MNO moves it
  await checkPage(page, 'network-notice', info);
  await page.getByRole('link', { name: 'Network status', exact: true }).click();
  await checkPage(page, 'network', info);
  await page.getByRole('link', { name: 'Problems' }).click();
  await expect(page.getByRole('heading', { name: 'Service problems' })).toBeVisible();
  await checkPage(page, 'problems', info);
  await page.getByRole('link', { name: 'Incidents' }).click();
  await expect(page.getByRole('heading', { name: 'Incidents' })).toBeVisible();
  await checkPage(page, 'incidents', info);
  await page.getByRole('link', { name: 'Partners & admin' }).click();
  await expect(page.getByRole('heading', { name: 'Partnerships' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Mobilnet Alpha/ })).toContainText('active');
  await expect(page.getByRole('heading', { name: 'Webhook subscriptions' })).toBeVisible();
  await expect(page.getByText('No webhook subscriptions')).toBeVisible();
  await expect(page.getByRole('row', { name: /operator@alpenstrom/ })).toContainText('active');
  await checkPage(page, 'admin', info);
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('heading', { name: 'Audit trail' })).toBeVisible();
  await page.getByLabel('Method').selectOption('GET');
  await expect(page.locator('table.list tbody tr').first()).toContainText('GET');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export (NDJSON)' }).click();
  expect((await download).suggestedFilename()).toMatch(/^gridlink-audit-.*\.ndjson$/);
  await checkPage(page, 'audit', info);
});

test('a refusal by the API is shown from its TMF error body; nothing is published', async ({ page }) => {
  await signIn(page, DSO);
  await page.getByRole('link', { name: 'Outages', exact: true }).click();
  await page.getByRole('link', { name: 'Publish outage' }).click();
  // Drawing: each click on the map adds a corner; three make a polygon.
  const map = page.getByRole('region', { name: 'Draw the outage area' });
  const corners: [number, number][] = [
    [200, 150],
    [320, 150],
    [260, 260],
  ];
  for (const [x, y] of corners) await map.click({ position: { x, y } });
  await expect(page.getByText('3 so far')).toBeVisible();
  await expect(map.locator('path.leaflet-interactive')).toHaveCount(4); // the polygon and its three corners
  await page.getByText('Paste GeoJSON').click();
  // A ring crossing the antimeridian: well-formed GeoJSON that the API refuses.
  await page.getByRole('textbox', { name: /GeoJSON/ }).fill(
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [179, 0],
          [-179, 0],
          [-179, 1],
          [179, 1],
          [179, 0],
        ],
      ],
    }),
  );
  await page.getByRole('button', { name: 'Publish outage' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(/HTTP 4\d\d/);
  await expect(alert).toContainText(/antimeridian/i);
  await page.getByRole('link', { name: 'Outages', exact: true }).click();
  await expect(page.getByText('No outages')).toBeVisible();
});

test('tablet width: the board and the outage list stay readable', async ({ browser }, info) => {
  const ctx = await browser.newContext({ viewport: { width: 820, height: 1180 } });
  const page = await ctx.newPage();
  await signIn(page, MNO);
  await checkPage(page, 'tablet-tickets', info);
  const overflow = await page.evaluate(() => {
    const el = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
      .documentElement;
    return el.scrollWidth - el.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByRole('link', { name: 'Outages', exact: true }).click();
  await checkPage(page, 'tablet-outages', info);
  await ctx.close();
});

test('live: an event arrives within a second; after a dropped connection the console shows "reconnecting", then resumes and catches up', async ({
  browser,
}) => {
  const ctx = await browser.newContext();
  let blocked = false;
  const sockets: { close: () => Promise<void> }[] = [];
  await ctx.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (blocked) return void ws.close({ code: 1006 });
    ws.connectToServer();
    sockets.push(ws);
  });
  const page = await ctx.newPage();
  await signIn(page, MNO);
  const mno = org(MNO);
  const dsoKey = org(DSO).apiKey;

  // A ticket filed through the API shows on the open board within a second.
  const t0 = Date.now();
  const ticket = (await api(dsoKey, 'POST', '/tmf-api/troubleTicket/v5/troubleTicket', {
    name: 'Substation Favoriten: no SCADA link',
    description: 'RTU polling fails',
    severity: 'minor',
    ticketType: 'down',
    relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id } }],
  })) as { id: string };
  await expect(page.getByRole('link', { name: 'Substation Favoriten: no SCADA link' })).toBeVisible({ timeout: 5_000 });
  const elapsed = Date.now() - t0;
  test.info().annotations.push({ type: 'ticket visible on the other side after (ms)', description: String(elapsed) });
  expect(elapsed).toBeLessThan(1_000);

  await page.getByRole('link', { name: 'Substation Favoriten: no SCADA link' }).click();
  await expect(page.getByRole('heading', { name: 'Notes' })).toBeVisible();

  // The connection drops and cannot come back for a moment.
  blocked = true;
  for (const s of sockets.splice(0)) await s.close();
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'reconnecting');
  await expect(page.getByTestId('live-state')).toContainText('Reconnecting');
  // Meanwhile the DSO adds a note.
  await fetch(`${base()}/tmf-api/troubleTicket/v5/troubleTicket/${ticket.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${dsoKey}`, 'Content-Type': 'application/json-patch+json' },
    body: JSON.stringify([{ op: 'add', path: '/note/-', value: { text: 'Written while the desk was offline' } }]),
  });
  // The network is back: the console reconnects, resumes from its last sequence, and shows the note.
  blocked = false;
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(page.getByText('Written while the desk was offline')).toBeVisible();
  await ctx.close();
});
