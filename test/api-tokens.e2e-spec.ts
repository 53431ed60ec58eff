/**
 * Personal API tokens (SPEC §10): made in the UI, shown once, stored as their
 * SHA-256, sent as `Authorization: Bearer <token>` to act as their user, and
 * revoked in the UI. Real api, worker, PostgreSQL and Redis; the UI part in
 * Debian's chromium through playwright-core.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  launchChromium,
  TEST_PASSWORD,
  TestClient,
  alertDetailOf,
  createTestDatabase,
  queryRows,
  startKlaxon,
  testPasswordHash,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
} from '@klaxon/testing';

jest.setTimeout(90_000);

const INGEST = 'api-token-test-ingest-0123456789';

let db: TestDatabase;
let stack: KlaxonStack;
let browser: Browser;
let alice: TestClient;
let carol: TestClient;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A client that sends only the bearer token: no cookie, no Origin, as a script would. */
function script(token: string) {
  const client = new TestClient(stack.baseUrl);
  return (method: string, path: string, body?: object) => client.request(method, path, { body, headers: { authorization: `Bearer ${token}` } });
}

async function makeToken(client: TestClient, name: string): Promise<{ token: string; item: { id: string; name: string; prefix: string } }> {
  const res = await client.request('POST', '/api/v1/tokens', { body: { name } });
  expect(res.status).toBe(201);
  return res.body;
}

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../apps/web/dist/index.html'))) throw new Error('apps/web/dist is missing: run `npm run build` in apps/web');
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  [stack, browser] = await Promise.all([
    startKlaxon({
      databaseUrl: db.url,
      configYaml: `
users:
  - { id: alice, name: Alice Chen, role: admin, passwordHash: "${hash}", email: alice@example.com }
  - { id: carol, name: Carol Diaz, role: responder, passwordHash: "${hash}" }
escalationPolicies:
  - { id: ops, steps: [ { notify: [user:alice] } ] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${INGEST} }
`,
    }),
    launchChromium(),
  ]);
  alice = new TestClient(stack.baseUrl);
  carol = new TestClient(stack.baseUrl);
  expect((await alice.login('alice', TEST_PASSWORD)).status).toBe(200);
  expect((await carol.login('carol', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await db?.drop();
});

describe('personal API tokens', () => {
  it('shows a new token once and stores only its SHA-256', async () => {
    const { token, item } = await makeToken(alice, 'deploy script');
    expect(token).toMatch(/^klx_[A-Za-z0-9_-]{43}$/);
    expect(item).toMatchObject({ name: 'deploy script', prefix: token.slice(0, 12), lastUsedAt: null, revokedAt: null });
    const listed = await alice.request('GET', '/api/v1/tokens');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(token);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: item.id, name: 'deploy script' })]);
    const rows = await queryRows<Record<string, unknown>>(db.url, 'SELECT * FROM api_tokens WHERE id = $1', [item.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: 'alice', token_hash: sha256(token) });
    expect(JSON.stringify(rows[0])).not.toContain(token);
  });

  it('acts as its user from a script: no cookie and no Origin needed, and the action is theirs', async () => {
    const { token, item } = await makeToken(alice, 'ack bot');
    const call = script(token);
    expect((await call('GET', '/api/v1/auth/me')).body).toEqual({ user: expect.objectContaining({ id: 'alice' }) });
    expect((await new TestClient(stack.baseUrl).postLines('[P1][PROBLEM][tok-01][][disk full]', INGEST)).status).toBe(202);
    const alert = await waitFor(() => alertDetailOf(alice, 'tok-01'), { what: 'the alert' });
    const listed = await call('GET', '/api/v1/alerts');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((a: { number: number }) => a.number)).toContain(alert.number);
    const acked = await call('POST', `/api/v1/alerts/${alert.number}/ack`);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'api' });
    const events = (await alertDetailOf(alice, 'tok-01')).events as { type: string; actor: string | null; via: string | null }[];
    expect(events.find((e) => e.type === 'acknowledged')).toMatchObject({ actor: 'alice', via: 'api' });
    const used = (await alice.request('GET', '/api/v1/tokens')).body.items.find((t: { id: string }) => t.id === item.id);
    expect(Date.parse(used.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses an unknown token, and a token cannot manage tokens', async () => {
    const unknown = script(`klx_${'A'.repeat(43)}`);
    expect((await unknown('GET', '/api/v1/alerts')).status).toBe(401);
    const { token } = await makeToken(alice, 'no minting');
    const call = script(token);
    expect((await call('POST', '/api/v1/tokens', { name: 'another' })).status).toBe(403);
    expect((await call('GET', '/api/v1/tokens')).status).toBe(403);
  });

  it("revokes: the token stops working at once, and nobody can revoke another user's token", async () => {
    const { token, item } = await makeToken(carol, 'carol laptop');
    const call = script(token);
    expect((await call('GET', '/api/v1/oncall')).status).toBe(200);
    expect((await alice.request('DELETE', `/api/v1/tokens/${item.id}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/oncall')).status).toBe(200);
    const revoked = await carol.request('DELETE', `/api/v1/tokens/${item.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await call('GET', '/api/v1/oncall')).status).toBe(401);
  });

  it('refuses a token name that is empty, too long, or has a control character in it, naming the problem', async () => {
    expect((await alice.request('POST', '/api/v1/tokens', { body: { name: '  ' } })).status).toBe(400);
    expect((await alice.request('POST', '/api/v1/tokens', { body: { name: 'x'.repeat(101) } })).status).toBe(400);
    // found by the fuzz test: a NUL reached PostgreSQL and came back as a 500
    for (const [name, code] of [['nul\u0000byte', '0000'], ['bell\u0007', '0007'], ['two\nlines', '000A']]) {
      const res = await alice.request('POST', '/api/v1/tokens', { body: { name } });
      expect([res.status, res.body.message]).toEqual([400, `name contains a control character (U+${code})`]);
    }
  });

  it('is made and revoked on the Tokens page', async () => {
    const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: { width: 375, height: 780 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto('/tokens');
      await page.getByLabel('Username', { exact: true }).fill('carol');
      await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'API tokens' }).waitFor();
      await page.getByLabel('Token name').fill('grafana');
      await page.getByRole('button', { name: 'Create token', exact: true }).click();
      const token = ((await page.getByTestId('new-token').textContent()) ?? '').trim();
      expect(token).toMatch(/^klx_/);
      const call = script(token);
      expect((await call('GET', '/api/v1/auth/me')).body.user.id).toBe('carol');

      // shown once: after a reload only its prefix is left
      await page.reload();
      const listed = page.getByRole('list', { name: 'Tokens' }).getByRole('listitem').filter({ hasText: 'grafana' });
      await listed.waitFor();
      expect(await page.content()).not.toContain(token);
      expect(await listed.textContent()).toContain(token.slice(0, 12));

      await listed.getByRole('button', { name: 'Revoke grafana' }).click();
      await listed.getByText(/revoked/).waitFor();
      expect((await call('GET', '/api/v1/auth/me')).status).toBe(401);
    } finally {
      await context.close();
    }
  });
});
