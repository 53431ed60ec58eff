/**
 * The on-call web UI (SPEC §10, issue 6) in a real browser: Debian's chromium
 * driven by playwright-core, against the real api (serving apps/web/dist),
 * worker, PostgreSQL and Redis, with Twilio replaced by its local stand-in.
 * Needs `npx nest build api worker` and `npm run build` in apps/web first
 * (`npm test` does both).
 *
 * KLAXON_SCREENSHOTS=1 also writes the README's screenshots to docs/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  launchChromium,
  TEST_PASSWORD,
  TestClient,
  alertDetailOf,
  createTestDatabase,
  queryRows,
  smsAbout,
  startKlaxon,
  startTwilioStandIn,
  testPasswordHash,
  twilioEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(90_000);

const TOKEN = 'web-ui-test-token-0123456789';
const SESSION_COOKIE = 'klaxon_session';
const SCREENSHOTS = process.env.KLAXON_SCREENSHOTS === '1' ? resolve(__dirname, '../docs/screenshots') : null;
/** how long the UI may take to show what the api already knows (SSE → re-read → render) */
const UI_TIMEOUT = 15_000;

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let browser: Browser;
let ingest: TestClient;
let api: TestClient;
const contexts: BrowserContext[] = [];

const tag = () => randomBytes(3).toString('hex');
const post = async (line: string) => expect((await ingest.postLines(line, TOKEN)).status).toBe(202);

async function newPage(viewport = { width: 1280, height: 800 }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, colorScheme, baseURL: stack.baseUrl });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  return { context, page };
}

/** Signs in through the form and waits for the open alerts with the live stream connected. */
async function signIn(page: Page, username = 'alice'): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: /Open alerts/ }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

const row = (page: Page, host: string) => page.locator('li.alert-row', { hasText: host });

/** A GET with the path exactly as given. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const { hostname, port } = new URL(stack.baseUrl);
    const req = httpGet({ hostname, port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
  });
}

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../apps/web/dist/index.html'))) throw new Error('apps/web/dist is missing: run `npm run build` in apps/web');
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  [stack, browser] = await Promise.all([
    startKlaxon({
      databaseUrl: db.url,
      configYaml: `
users:
  - { id: alice, name: Alice Chen, role: admin, passwordHash: "${hash}", phone: "+15005550401", email: alice@example.com }
  - { id: carol, name: Carol Diaz, role: responder, passwordHash: "${hash}", phone: "+15005550403" }
schedules:
  - id: ops-primary
    timezone: UTC
    rotation: { members: [alice, carol], shift: 1d, start: "2026-01-05T09:00:00" }
escalationPolicies:
  - { id: ops, steps: [ { notify: [user:alice], next: 10m }, { notify: [user:carol] } ] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
      env: twilioEnv(twilio),
    }),
    launchChromium(),
  ]);
  ingest = new TestClient(stack.baseUrl);
  api = new TestClient(stack.baseUrl);
  expect((await api.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

describe('serving the UI', () => {
  it('serves the app at / and for deep links, while unknown /api paths stay JSON 404s', async () => {
    const home = await ingest.request('GET', '/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(home.text).toContain('<div id="root">');
    const deep = await ingest.request('GET', '/alerts/4711');
    expect(deep.status).toBe(200);
    expect(deep.text).toBe(home.text);
    const unknown = await ingest.request('GET', '/api/v1/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    // a path that climbs out of apps/web/dist, sent as is (fetch would normalise it away)
    for (const path of ['/..%2f..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/%2e%2e/package.json']) {
      const escaped = await rawGet(path);
      expect(escaped.body).not.toContain('"name": "klaxon"');
    }
  });
});

describe('signing in', () => {
  it('shows an error for a bad password and leaves no session', async () => {
    const { context, page } = await newPage();
    await page.goto('/');
    await page.getByLabel('Username', { exact: true }).fill('alice');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    expect((await context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
    // still the sign-in form, and nothing behind it answers
    expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible()).toBe(true);
    expect(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)).toBe(401);
  });

  it('signs in, and signs out again', async () => {
    const { context, page } = await newPage();
    await signIn(page);
    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect((await context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  });

  it('returns to the sign-in form when the session ends, and back to the page after signing in', async () => {
    const { page } = await newPage();
    await signIn(page, 'carol');
    await queryRows(db.url, `DELETE FROM sessions WHERE user_id = 'carol'`);
    await page.getByRole('link', { name: 'Silences', exact: true }).click();
    await page.getByText('Your session has ended. Sign in again to carry on.').waitFor();
    await page.getByLabel('Username', { exact: true }).fill('carol');
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Silences', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/silences');
  });
});

describe('the open alerts', () => {
  let host: string;
  let number: number;
  let alicePage: Page;
  let carolPage: Page;

  it('shows an alert posted to ingest without a reload', async () => {
    ({ page: alicePage } = await newPage());
    await signIn(alicePage);
    // browser-side code is passed as text: the root tsconfig has no DOM types
    await alicePage.evaluate('window.sameDocument = true');
    host = `web-${tag()}`;
    await post(`[P0][PROBLEM][${host}][10.0.4.1][host is down]`);
    const item = row(alicePage, host);
    await item.waitFor();
    expect(await item.textContent()).toMatch(/P0.*10\.0\.4\.1.*host is down.*Firing/);
    expect(await alicePage.evaluate('window.sameDocument')).toBe(true);
    number = Number(await item.getAttribute('data-number'));
    expect(number).toBeGreaterThan(0);
    // a repeat only counts: the row shows ×2 in place
    await post(`[P0][PROBLEM][${host}][10.0.4.1][host is down]`);
    await item.filter({ hasText: '×2' }).waitFor();
    expect(await row(alicePage, host).count()).toBe(1);
  });

  it('acknowledging on the alert page changes its state everywhere, and the timeline says who did it', async () => {
    ({ page: carolPage } = await newPage());
    await signIn(carolPage, 'carol');
    await row(carolPage, host).filter({ hasText: 'Firing' }).waitFor();

    await row(alicePage, host).getByRole('link').click();
    await alicePage.getByRole('heading', { name: new RegExp(`${host}`) }).waitFor();
    expect(new URL(alicePage.url()).pathname).toBe(`/alerts/${number}`);
    await alicePage.getByRole('button', { name: 'Acknowledge', exact: true }).click();

    await alicePage.getByTestId('alert-state').filter({ hasText: 'Acknowledged by alice' }).waitFor();
    await alicePage.getByRole('list', { name: 'Timeline' }).getByText('Acknowledged by alice via web').waitFor();
    expect(await alicePage.getByRole('button', { name: 'Acknowledge', exact: true }).isDisabled()).toBe(true);
    // another user's open list, in another browser context, changes without a reload
    await row(carolPage, host).filter({ hasText: 'Acknowledged by alice' }).waitFor();
    const detail = (await api.request('GET', `/api/v1/alerts/${number}`)).body;
    expect(detail).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'web' });
  });

  it('filters by priority, host and text, and acknowledges many at once', async () => {
    const t = tag();
    const hosts = [`db-${t}-1`, `db-${t}-2`, `cache-${t}`];
    await post(`[P1][PROBLEM][${hosts[0]}][][replication lag 45s]`);
    await post(`[P1][PROBLEM][${hosts[1]}][][replication lag 50s]`);
    await post(`[P2][PROBLEM][${hosts[2]}][][memory usage 91%]`);
    await alicePage.getByRole('link', { name: 'Alerts', exact: true }).click();
    for (const h of hosts) await row(alicePage, h).waitFor();

    await alicePage.getByLabel('Priority').selectOption({ label: 'P1' });
    await row(alicePage, hosts[2]!).waitFor({ state: 'detached' });
    expect(await row(alicePage, hosts[0]!).isVisible()).toBe(true);
    await alicePage.getByLabel('Host').fill(`db-${t}`);
    await alicePage.getByLabel('Text').fill('lag 50s');
    await row(alicePage, hosts[0]!).waitFor({ state: 'detached' });
    expect(new URL(alicePage.url()).searchParams.get('q')).toBe('lag 50s');
    await alicePage.getByLabel('Text').fill('');
    await row(alicePage, hosts[0]!).waitFor();
    expect(await alicePage.locator('li.alert-row').count()).toBe(2);

    await alicePage.getByRole('checkbox', { name: 'Select all' }).check();
    await alicePage.getByRole('button', { name: 'Acknowledge selected (2)' }).click();
    await alicePage.getByText('Acknowledged 2 alerts.').waitFor();
    for (const h of hosts.slice(0, 2)) await row(alicePage, h).filter({ hasText: 'Acknowledged by alice' }).waitFor();
    const cache = await alertDetailOf(api, hosts[2]!);
    expect(cache.status).toBe('firing');
  });
});

describe('the keyboard', () => {
  it('is enough to open an alert and acknowledge it', async () => {
    const { page } = await newPage();
    await signIn(page);
    const host = `kbd-${tag()}`;
    await post(`[P1][PROBLEM][${host}][][link flapping]`);
    await row(page, host).waitFor();
    await row(page, host).getByRole('checkbox').focus();
    await page.keyboard.press('Tab'); // to the row's link
    expect(await page.evaluate('document.activeElement.closest("li")?.dataset.number')).toBe(await row(page, host).getAttribute('data-number'));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Acknowledge', exact: true }).waitFor();
    // focus moved to the new page: Tab reaches "← Alerts", then Acknowledge
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Acknowledge');
    await page.keyboard.press('Enter');
    await page.getByTestId('alert-state').filter({ hasText: 'Acknowledged by alice' }).waitFor();
  });
});

describe('a dropped network', () => {
  it('re-reads the list when the browser is back online, so a change missed meanwhile still shows', async () => {
    const { context, page } = await newPage();
    await signIn(page);
    const host = `offline-${tag()}`;
    await context.setOffline(true);
    await post(`[P2][PROBLEM][${host}][][packet loss 30%]`);
    // the change arrives on the open stream, but re-reading the list fails while offline
    await page.getByRole('alert').filter({ hasText: 'Klaxon cannot be reached' }).waitFor();
    expect(await row(page, host).count()).toBe(0);
    await context.setOffline(false);
    await row(page, host).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});

describe('silences', () => {
  it('a silence made in the UI stops the next page: the Twilio stand-in receives nothing for a matching alert', async () => {
    const { page } = await newPage();
    await signIn(page);
    const t = tag();
    await page.getByRole('link', { name: 'Silences', exact: true }).click();
    await page.getByLabel('Host (glob)').fill(`maint-${t}-*`);
    await page.getByLabel('Duration').selectOption('2h');
    await page.getByLabel('Comment').fill('kernel upgrade');
    await page.getByRole('button', { name: 'Create silence', exact: true }).click();
    await page.getByRole('list', { name: 'Silences' }).getByText(`host maint-${t}-*`).waitFor();
    const silences = (await api.request('GET', '/api/v1/silences')).body.items as { matchers: { host?: string }; author: string; origin: string }[];
    expect(silences.find((s) => s.matchers.host === `maint-${t}-*`)).toMatchObject({ author: 'alice', origin: 'web' });

    const silenced = `maint-${t}-01`;
    const barrier = `barrier-${t}`;
    await post(`[P0][PROBLEM][${silenced}][][host is down]`);
    await post(`[P0][PROBLEM][${barrier}][][host is down]`);
    // the barrier's page proves paging ran after both were triaged
    await waitFor(() => smsAbout(twilio, barrier).length === 1, { what: 'the page for the unsilenced alert' });
    expect(smsAbout(twilio, silenced)).toEqual([]);
    expect(await alertDetailOf(api, silenced)).toMatchObject({ status: 'firing', silenced: true, notifications: [] });
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await row(page, silenced).filter({ hasText: 'Silenced' }).waitFor();

    // expiring it in the UI starts the paging it held back
    await page.getByRole('link', { name: 'Silences', exact: true }).click();
    await page.getByRole('button', { name: `Expire silence on host maint-${t}-*` }).click();
    await page.getByText(`Expired the silence on host maint-${t}-*.`).waitFor();
    await waitFor(() => smsAbout(twilio, silenced).length === 1, { what: 'the page once the silence is expired' });
  });

  it('silences one alert from its page, for the chosen duration', async () => {
    const { page } = await newPage();
    await signIn(page);
    const host = `flappy-${tag()}`;
    await post(`[P1][PROBLEM][${host}][][link down]`);
    await row(page, host).getByRole('link').click();
    await page.getByLabel('Silence for').selectOption('30m');
    await page.getByRole('button', { name: 'Silence', exact: true }).click();
    await page.getByTestId('alert-state').filter({ hasText: 'Silenced' }).waitFor();
    await page.getByRole('list', { name: 'Timeline' }).getByText('Silenced by alice').waitFor();
    const silence = ((await api.request('GET', '/api/v1/silences')).body.items as { matchers: { fingerprint?: string }; startsAt: string; endsAt: string }[]).find(
      (s) => s.matchers.fingerprint !== undefined,
    );
    expect(silence).toBeDefined();
    expect(Date.parse(silence!.endsAt) - Date.parse(silence!.startsAt)).toBe(30 * 60_000);
  });
});

describe('the other screens', () => {
  it('shows who is on call, takes an override, lists rejected input and delivery health', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'On call', exact: true }).click();
    const schedule = page.getByRole('list', { name: 'Schedules' }).getByRole('listitem').filter({ hasText: 'ops-primary' });
    await schedule.waitFor();
    await page.getByLabel('Who covers (user id)').fill('carol');
    const from = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
    const to = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 16);
    await page.getByLabel('From (UTC)').fill(from);
    await page.getByLabel('To (UTC)').fill(to);
    await page.getByRole('button', { name: 'Add override', exact: true }).click();
    await schedule.filter({ hasText: /Now: Carol Diaz\s*override/ }).waitFor();
    const oncall = (await api.request('GET', '/api/v1/oncall')).body;
    expect(oncall.schedules[0].now).toMatchObject({ user: 'carol', override: true });

    expect((await ingest.postLines(['[P9][PROBLEM][ok-host][][fine]', '[PX][PROBLEM][bad-host][][nope]'], TOKEN)).status).toBe(202);
    await page.getByRole('link', { name: 'Rejected', exact: true }).click();
    const rejected = page.getByRole('list', { name: 'Rejected input' }).getByRole('listitem').filter({ hasText: '[PX][PROBLEM][bad-host][][nope]' });
    await rejected.waitFor();
    expect(await rejected.textContent()).toMatch(/monitoring.*line 2.*priority "PX"/);

    await page.getByRole('link', { name: 'Health', exact: true }).click();
    const sms = page.getByRole('table', { name: 'Delivery per channel' }).getByRole('row').filter({ hasText: 'sms' });
    await sms.waitFor();
    // columns: sent, delivered, failed, pending, last error (the channel is the row's header)
    const [sent, , failed] = await sms.getByRole('cell').allTextContents();
    expect(Number(sent)).toBeGreaterThanOrEqual(3);
    expect(failed).toBe('0');
    const health = (await api.request('GET', '/api/v1/health/delivery')).body;
    expect(health.channels.find((c: { channel: string }) => c.channel === 'sms')).toMatchObject({ failed: 0, lastError: null });
    expect(health.integrations).toEqual([expect.objectContaining({ integration: 'monitoring', rejected: 1 })]);
    await page.getByText(/monitoring: 1 rejected/).waitFor();
  });

  it('keeps to the phone width (no sideways scrolling) with rows of one fixed height', async () => {
    const phone = await newPage({ width: 375, height: 780 });
    await signIn(phone.page);
    await post(`[P2][PROBLEM][batch-${tag()}][][nightly export took 2h 10m, longer than usual; the next run starts at 02:00 and may overlap]`);
    await waitFor(async () => (await phone.page.locator('li.alert-row').count()) >= 5, { what: 'several rows' });
    const layout = await phone.page.evaluate<{ scrollWidth: number; heights: number[] }>(`({
      scrollWidth: document.documentElement.scrollWidth,
      heights: [...document.querySelectorAll('li.alert-row')].map((r) => r.getBoundingClientRect().height),
    })`);
    expect(layout.scrollWidth).toBeLessThanOrEqual(375);
    expect(new Set(layout.heights).size).toBe(1);

    const first = phone.page.locator('li.alert-row').first();
    await first.getByRole('link').click();
    await phone.page.getByRole('button', { name: 'Escalate', exact: true }).waitFor();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

  });
});

// KLAXON_SCREENSHOTS=1: last, since it resolves every open alert to show a tidy list
if (SCREENSHOTS) {
  describe('screenshots', () => {
    it('writes the list and an alert page, phone and desktop, to docs/screenshots', async () => {
      await takeScreenshots();
      for (const file of ['alerts-phone.png', 'alert-phone.png', 'alerts-desktop.png', 'alert-desktop.png', 'alerts-desktop-dark.png']) {
        expect(existsSync(join(SCREENSHOTS!, file))).toBe(true);
      }
    });
  });
}

/** What the README's pictures show: a plausible night, instead of the tests' own alerts. */
const SHOWCASE = [
  '[P0][PROBLEM][web-01][10.0.0.1][host is down]',
  '[P0][PROBLEM][db-01][10.0.0.9][disk full: /var/lib/postgresql 98%]',
  '[P1][PROBLEM][api-gw-02][10.0.1.2][HTTP 5xx rate 12% over 5m]',
  '[P1][PROBLEM][mq-03][10.0.2.3][queue depth 48213 > 10000]',
  '[P1][PROBLEM][lab-05][10.9.0.5][fan failure]',
  '[P2][PROBLEM][cache-03][10.0.0.23][memory usage 91%]',
  '[P2][PROBLEM][k8s-node-14][10.0.3.14][kubelet not ready for 4m]',
  '[P3][PROBLEM][batch-07][][nightly export took 2h 10m, longer than usual]',
];

/** The README's pictures: the list and an alert's page, on a phone and on a desktop. */
async function takeScreenshots(): Promise<void> {
  mkdirSync(SCREENSHOTS!, { recursive: true });
  const open = (await api.request('GET', '/api/v1/alerts?limit=500')).body.items as { number: number }[];
  for (const a of open) expect((await api.request('POST', `/api/v1/alerts/${a.number}/resolve`)).status).toBe(200);
  expect((await api.request('POST', '/api/v1/silences', { body: { matchers: { host: 'lab-*' }, duration: '4h', comment: 'rack move' } })).status).toBe(201);
  await post(SHOWCASE.join('\n'));
  await waitFor(async () => (await api.request('GET', '/api/v1/alerts')).body.items.length === SHOWCASE.length, { what: 'the showcase alerts' });
  await post('[P0][PROBLEM][web-01][10.0.0.1][host is down]\n[P0][PROBLEM][web-01][10.0.0.1][host is down]');
  const web01 = await waitFor(async () => {
    const alert = await alertDetailOf(api, 'web-01');
    return alert?.count === 3 && alert.notifications.length > 0 && alert;
  }, { what: 'web-01 counted and paged' });
  const gateway = await alertDetailOf(api, 'api-gw-02');
  expect((await api.request('POST', `/api/v1/alerts/${gateway.number}/ack`)).status).toBe(200);

  const phone = await newPage({ width: 375, height: 780 });
  const desktop = await newPage({ width: 1280, height: 720 });
  const dark = await newPage({ width: 1280, height: 720 }, 'dark');
  for (const { page } of [phone, desktop, dark]) await signIn(page);
  const shots: [Page, string, string][] = [
    [phone.page, '/', 'alerts-phone.png'],
    [phone.page, `/alerts/${web01.number}`, 'alert-phone.png'],
    [desktop.page, '/', 'alerts-desktop.png'],
    [desktop.page, `/alerts/${web01.number}`, 'alert-desktop.png'],
    [dark.page, '/', 'alerts-desktop-dark.png'],
  ];
  for (const [page, path, file] of shots) {
    await page.goto(path);
    await page.locator(path === '/' ? 'li.alert-row' : 'ol.timeline li').first().waitFor();
    await page.evaluate('document.fonts.ready.then(() => true)');
    await page.screenshot({ path: join(SCREENSHOTS!, file), fullPage: path !== '/' });
  }
}
