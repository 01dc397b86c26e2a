import { expect, test, type Page } from '@playwright/test';
import { api, checkPage, org, signIn } from './support.js';

/**
 * The storm walk-through (issue 13, PI-2 / EO-1) played by two people in two browser
 * contexts: a DSO engineer at Nordgrid Distribution and the service desk of Telco North.
 */
const DSO = 'Nordgrid Distribution';
const MNO = 'Telco North';

const HAMBURG = {
  type: 'Polygon',
  coordinates: [
    [
      [9.9, 53.5],
      [10.1, 53.5],
      [10.1, 53.6],
      [9.9, 53.6],
      [9.9, 53.5],
    ],
  ],
};

/** Waits until `locator` shows up on a page that is not reloaded; returns the time it took. */
async function appearsLive(page: Page, locator: ReturnType<Page['locator']>, since: number): Promise<number> {
  const navigations: string[] = [];
  page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
  await expect(locator).toBeVisible({ timeout: 5_000 });
  expect(navigations, 'no reload').toEqual([]);
  return Date.now() - since;
}

test('storm walk-through: DSO files a ticket and publishes an outage, the MNO works both live (PI-2, EO-1)', async ({ browser }, info) => {
  // Fixture: the MNO's radio sites in its private register (three inside the storm area).
  const mnoKey = org(MNO).apiKey;
  for (const s of [
    { siteId: 'HH-0815', name: 'Hafen', lon: 10.0, lat: 53.55, remaining: 300 },
    { siteId: 'HH-0816', name: 'Altona', lon: 9.93, lat: 53.55, remaining: 45 },
    { siteId: 'HH-0817', name: 'Wandsbek', lon: 10.07, lat: 53.57, remaining: 150 },
  ])
    await api(mnoKey, 'POST', '/tmf-api/siteRegister/v1/mnoSite', {
      siteId: s.siteId,
      name: s.name,
      location: { type: 'Point', coordinates: [s.lon, s.lat] },
      backupPower: { upsInstalled: true, upsCapacityMinutes: 300, remainingMinutes: s.remaining },
    });

  const dsoCtx = await browser.newContext();
  const mnoCtx = await browser.newContext();
  const dso = await dsoCtx.newPage();
  const mno = await mnoCtx.newPage();
  await signIn(dso, DSO);
  await signIn(mno, MNO);
  await expect(mno.getByRole('heading', { name: 'Trouble tickets' })).toBeVisible();
  await expect(mno.getByText('No tickets match')).toBeVisible();
  await checkPage(mno, 'tickets-empty', info);

  // 1. The DSO files a ticket through the form; the client checks mirror the API's.
  await dso.getByRole('link', { name: 'New ticket' }).click();
  await dso.getByRole('button', { name: 'File ticket' }).click();
  await expect(dso.getByText('A title is needed.')).toBeVisible();
  await expect(dso.getByText('Choose the MNO responsible for it.')).toBeVisible();
  await dso.getByLabel('Title').fill('RTU Nord-17 lost its mobile link');
  await dso.getByLabel('Description').fill('SCADA polling of RTU Nord-17 fails since 00:36; dual-SIM did not fail over.');
  await dso.getByLabel('Severity').selectOption('major');
  await dso.getByLabel('Responsible MNO').selectOption({ label: MNO });
  await dso.getByLabel('First note (optional)').fill('Site coordinates 53.55N 10.00E');
  await checkPage(dso, 'ticket-new', info);
  const filed = Date.now();
  await dso.getByRole('button', { name: 'File ticket' }).click();
  await expect(dso.getByRole('heading', { name: 'RTU Nord-17 lost its mobile link' })).toBeVisible();
  const ticketUrl = dso.url();

  // The MNO desk's board shows it without a reload.
  const ticketMs = await appearsLive(mno, mno.getByRole('link', { name: 'RTU Nord-17 lost its mobile link' }), filed);
  info.annotations.push({ type: 'live ticket (ms, incl. form round trip)', description: String(ticketMs) });
  await checkPage(mno, 'tickets', info);

  // 2. The MNO goes to the outages; the DSO publishes one (pasting the area).
  await mno.getByRole('link', { name: 'Outages', exact: true }).click();
  await expect(mno.getByText('No outages')).toBeVisible();
  await dso.getByRole('link', { name: 'Outages', exact: true }).click();
  await dso.getByRole('link', { name: 'Publish outage' }).click();
  await dso.getByLabel('Title').fill('Storm Hamburg feeder 12');
  await dso.getByLabel('Cause', { exact: true }).fill('Storm damage on feeder 12');
  await dso.getByText('Paste GeoJSON').click();
  await dso.getByLabel('GeoJSON (Polygon, MultiPolygon, or Point with radius)').fill(JSON.stringify(HAMBURG));
  await checkPage(dso, 'outage-publish', info);
  const published = Date.now();
  await dso.getByRole('button', { name: 'Publish outage' }).click();
  await expect(dso.getByRole('heading', { name: 'Storm Hamburg feeder 12' })).toBeVisible();
  const outageMs = await appearsLive(mno, mno.getByRole('link', { name: 'Storm Hamburg feeder 12' }), published);
  info.annotations.push({ type: 'live outage (ms, incl. form round trip)', description: String(outageMs) });
  await checkPage(mno, 'outages', info);

  // 3. The MNO acknowledges the ticket; the DSO, on the ticket page, sees it change live.
  await dso.goto(ticketUrl);
  await expect(dso.getByRole('heading', { name: 'Actions' })).toBeVisible();
  await mno.getByRole('link', { name: 'Tickets', exact: true }).click();
  await mno.getByRole('link', { name: 'RTU Nord-17 lost its mobile link' }).click();
  await expect(mno.locator('button[data-move="acknowledged"]')).toBeVisible();
  // Only the moves the lifecycle allows the responsible side from `submitted`.
  expect(await mno.locator('button[data-move]').evaluateAll((b) => b.map((x) => x.getAttribute('data-move')))).toEqual([
    'acknowledged',
    'rejected',
  ]);
  await mno.locator('button[data-move="acknowledged"]').click();
  await expect(dso.locator('.titlebar .badge').first()).toHaveText('acknowledged');
  await mno.locator('button[data-move="inProgress"]').click();
  await expect(mno.locator('.titlebar .badge').first()).toHaveText('inProgress');
  await mno.getByLabel('Add a note').fill('Cell 4711 on battery; waiting for power');
  await mno.getByRole('button', { name: 'Add note' }).click();
  await expect(dso.getByText('Cell 4711 on battery; waiting for power')).toBeVisible();
  // The history shows Gridlink's exact states, newest first (the opening one is `submitted`,
  // which standard clients see as `acknowledged` + gridlinkStatus).
  await expect(mno.locator('.timeline .badge')).toHaveText(['inProgress', 'acknowledged', 'submitted']);
  await checkPage(mno, 'ticket', info);

  // 4. The MNO opens the outage: its impacted sites coloured by battery vs ETR; it answers.
  await dso.getByRole('link', { name: 'Outages', exact: true }).click();
  await dso.getByRole('link', { name: 'Storm Hamburg feeder 12' }).click();
  await expect(dso.getByText('No answer yet.')).toBeVisible();
  await mno.getByRole('link', { name: 'Outages', exact: true }).click();
  await mno.getByRole('link', { name: 'Storm Hamburg feeder 12' }).click();
  const sites = mno.getByTestId('impacted-sites');
  await expect(sites.getByRole('row')).toHaveCount(4);
  await expect(sites.getByRole('row', { name: /HH-0816/ })).toContainText('runs out before ETR');
  await expect(sites.getByRole('row', { name: /HH-0815/ })).toContainText('covers the ETR');
  await expect(mno.locator('.leaflet-interactive')).toHaveCount(4); // the area and three sites
  await mno.getByLabel('Battery held for it (min)').fill('5');
  await mno.getByLabel('Max service on battery (min)').fill('130');
  await mno.getByRole('button', { name: 'Send answer' }).click();
  await mno.getByLabel('Site', { exact: true }).selectOption('HH-0816');
  await mno.getByLabel('Minutes left').fill('40');
  await mno.getByLabel('Ask for priority restoration').check();
  await mno.getByLabel('Reason').fill('112 coverage');
  await mno.getByRole('button', { name: 'Report site' }).click();
  await expect(mno.getByTestId('site-reports')).toContainText('HH-0816');
  await checkPage(mno, 'outage-mno', info);

  // 5. The DSO sees the answer and the site report live, grants priority, restores and closes.
  await expect(dso.getByTestId('mno-answers')).toContainText('service for at most 130 min');
  await expect(dso.getByTestId('site-reports')).toContainText('112 coverage');
  await dso.getByRole('button', { name: 'Grant priority' }).click();
  await expect(mno.getByTestId('site-reports')).toContainText('acknowledged');
  await checkPage(dso, 'outage-dso', info);
  await dso.locator('button[data-move="restored"]').click();
  await dso.locator('button[data-move="closed"]').click();
  await expect(dso.locator('.titlebar .badge').first()).toHaveText('closed');
  await expect(mno.locator('.titlebar .badge').first()).toHaveText('closed');

  // 6. The MNO resolves the ticket; the DSO accepts and closes it.
  await mno.getByRole('link', { name: 'Tickets', exact: true }).click();
  await mno.getByRole('link', { name: 'RTU Nord-17 lost its mobile link' }).click();
  await mno.locator('button[data-move="resolved"]').click();
  await dso.goto(ticketUrl);
  await expect(dso.locator('button[data-move="closed"]')).toBeVisible();
  await dso.locator('button[data-move="closed"]').click();
  await expect(dso.locator('.titlebar .badge').first()).toHaveText('closed');
  await expect(mno.locator('.titlebar .badge').first()).toHaveText('closed');
  await expect(dso.getByRole('button', { name: /Accept/ })).toHaveCount(0);
  await checkPage(dso, 'ticket-closed', info);

  await dsoCtx.close();
  await mnoCtx.close();
});
