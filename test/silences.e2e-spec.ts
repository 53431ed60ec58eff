import { randomBytes } from 'node:crypto';
import {
  TEST_PASSWORD,
  alertDetailOf,
  smsAbout,
  testPasswordHash,
  twilioEnv,
  TestClient,
  createTestDatabase,
  startKlaxon,
  startTwilioStandIn,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'silence-test-token-0123456789';
let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;

const tag = () => randomBytes(3).toString('hex');
const smsFor = (host: string) => smsAbout(twilio, host);
const alertOf = (host: string) => alertDetailOf(ui, host);
const post = async (line: string) => expect((await ingest.postLines(line, TOKEN)).status).toBe(202);
/** A P0 that is not silenced: once its SMS arrives, everything posted before it has been triaged and paged. */
async function barrier() {
  const host = `barrier-${tag()}`;
  await post(`[P0][PROBLEM][${host}][][barrier]`);
  await waitFor(() => smsFor(host).length === 1, { what: 'the barrier page' });
}

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
flapping: { enabled: false }
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "+15005550301" }
escalationPolicies:
  - { id: ops, steps: [ { notify: [user:alice] } ] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

describe('silences', () => {
  it('stores a new matching alert silenced, with the silence on its timeline, and pages nobody', async () => {
    const t = tag();
    const created = await ui.request('POST', '/api/v1/silences', { body: { matchers: { host: `maint-${t}-*` }, duration: '1h', comment: 'db upgrade' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ author: 'alice', origin: 'web', comment: 'db upgrade', matchers: { host: `maint-${t}-*` } });
    const host = `maint-${t}-01`;
    await post(`[P0][PROBLEM][${host}][][host is down]`);
    await barrier();
    const alert = await alertOf(host);
    expect(alert).toMatchObject({ status: 'firing', silenced: true, notifications: [] });
    expect(alert.events.find((e: { type: string }) => e.type === 'silenced').detail).toEqual({ silenceId: created.body.id });
    expect(smsFor(host)).toEqual([]);
    expect((await ui.request('GET', '/api/v1/silences')).body.items.map((s: { id: string }) => s.id)).toContain(created.body.id);
  });

  it('starts paging when a silence runs out while its alert still fires', async () => {
    const t = tag();
    await ui.request('POST', '/api/v1/silences', { body: { matchers: { host: `brief-${t}` }, duration: '2s', comment: 'short' } });
    const host = `brief-${t}`;
    await post(`[P0][PROBLEM][${host}][][host is down]`);
    await barrier();
    expect(smsFor(host)).toEqual([]);
    await waitFor(() => smsFor(host).length === 1, { timeoutMs: 15_000, what: 'the page after the silence ends' });
    const alert = await alertOf(host);
    expect(alert.silenced).toBe(false);
    expect(alert.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['silenced', 'unsilenced', 'notified']));
  });

  it('expiring a silence pages the alerts it held, and it leaves the list', async () => {
    const t = tag();
    const created = await ui.request('POST', '/api/v1/silences', { body: { matchers: { message: `backup-${t}` }, duration: '1h', comment: 'nightly' } });
    const host = `store-${t}`;
    await post(`[P0][PROBLEM][${host}][][backup-${t} failed]`);
    await barrier();
    expect(smsFor(host)).toEqual([]);
    const expired = await ui.request('DELETE', `/api/v1/silences/${created.body.id}`);
    expect(expired.status).toBe(200);
    expect(expired.body.expiredAt).toEqual(expect.any(String));
    await waitFor(() => smsFor(host).length === 1, { what: 'the page after expiring' });
    expect((await ui.request('GET', '/api/v1/silences')).body.items.map((s: { id: string }) => s.id)).not.toContain(created.body.id);
    expect((await ui.request('GET', '/api/v1/silences?ended=true')).body.items.map((s: { id: string }) => s.id)).toContain(created.body.id);
  });

  it('silences an alert from its page: it stops, and its next occurrence pages nobody', async () => {
    const host = `flappy-${tag()}`;
    await post(`[P0][PROBLEM][${host}][][link down]`);
    await waitFor(() => smsFor(host).length === 1, { what: 'the first page' });
    const alert = await alertOf(host);
    const res = await ui.request('POST', `/api/v1/alerts/${alert.number}/silence`, { body: { duration: '30m' } });
    expect(res.status).toBe(200);
    expect(res.body.silence.matchers).toEqual({ fingerprint: expect.any(String) });
    expect((await alertOf(host)).silenced).toBe(true);
    await post(`[P0][OK][${host}][][link down]`);
    await post(`[P0][PROBLEM][${host}][][link down]`);
    await barrier();
    const list = await ui.request('GET', `/api/v1/alerts?status=firing&q=${host}`);
    expect(list.body.items).toEqual([expect.objectContaining({ silenced: true })]);
    expect(smsFor(host).filter((m) => m.body.includes('[PROBLEM]'))).toHaveLength(1);
  });

  it('silences until OK: the alert stays quiet, its recovery ends the silence, and the next occurrence pages', async () => {
    const host = `until-${tag()}`;
    await post(`[P0][PROBLEM][${host}][][disk full]`);
    await waitFor(() => smsFor(host).length === 1, { what: 'the first page' });
    const alert = await alertOf(host);
    const res = await ui.request('POST', `/api/v1/alerts/${alert.number}/silence`, { body: { duration: 'until-ok' } });
    expect(res.status).toBe(200);
    expect(res.body.silence).toMatchObject({ endsAt: null, untilAlertId: expect.any(String), expiredAt: null });
    await post(`[P0][PROBLEM][${host}][][disk full]`);
    await barrier();
    expect((await alertOf(host)).silenced).toBe(true);
    await post(`[P0][OK][${host}][][disk full]`);
    await waitFor(async () => {
      const list = await ui.request('GET', '/api/v1/silences');
      return !list.body.items.some((s: { id: string }) => s.id === res.body.silence.id);
    }, { what: 'the silence to end with the recovery' });
    await post(`[P0][PROBLEM][${host}][][disk full]`);
    await waitFor(() => smsFor(host).filter((m) => m.body.includes('[PROBLEM]')).length === 2, { what: 'the next occurrence to page' });
  });

  it('answers 400 naming the problems of a bad silence, 404 for an unknown one, 401 without a session', async () => {
    const bad = await ui.request('POST', '/api/v1/silences', { body: { matchers: {}, comment: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.length).toBeGreaterThan(1);
    expect(bad.body.message).toMatch(/matchers/);
    expect((await ui.request('DELETE', '/api/v1/silences/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await new TestClient(stack.baseUrl).request('GET', '/api/v1/silences')).status).toBe(401);
  });
});
