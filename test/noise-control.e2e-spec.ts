import { randomBytes } from 'node:crypto';
import {
  TEST_PASSWORD,
  alertDetailOf,
  queryRows,
  testPasswordHash,
  twilioEnv,
  TestClient,
  createTestDatabase,
  startKlaxon,
  startSmtpStandIn,
  startTwilioStandIn,
  startWebhookStandIn,
  waitFor,
  type KlaxonStack,
  type SmtpStandIn,
  type TestDatabase,
  type TwilioStandIn,
  type WebhookStandIn,
} from '@klaxon/testing';

/*
 * Noise control (SPEC §5) end to end, against the real api, worker, PostgreSQL, Redis, the real Twilio SDK
 * and nodemailer, with stand-ins at the network edge: grouping windows and storm summaries, the SMS budget,
 * quiet hours, digests, host-down inhibition, flap detection and IM rate limits.
 */

jest.setTimeout(120_000);

const TOKEN = 'noise-test-token-0123456789';
const PHONE = {
  sam: '+15005550201',
  bea: '+15005550202',
  quinn: '+15005550203',
  wade: '+15005550204',
  ivan: '+15005550205',
  fred: '+15005550206',
} as const;
const SMS_BUDGET_MAX = 3;

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let smtp: SmtpStandIn;
let im: WebhookStandIn;
let ingest: TestClient;
let ui: TestClient;

const tag = () => randomBytes(3).toString('hex');
const smsTo = (phone: string) => twilio.messages.filter((m) => m.to === phone);
const hookRequests = (path: string) => im.requests.filter((r) => r.path === path);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** Waits until `read` has stopped changing for `quietMs`, and returns its last value. */
async function settled<T>(read: () => T, quietMs: number, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(read());
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = JSON.stringify(read());
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return read();
    }
  }
  throw new Error(`still changing after ${timeoutMs} ms: ${last}`);
}

const post = async (lines: string | string[]) => {
  const res = await ingest.postLines(lines, TOKEN);
  expect(res.status).toBe(202);
};

/** The alert's status once triage has applied the report (polled through the API). */
const statusOf = async (host: string) => (await alertDetailOf(ui, host))?.status as string | undefined;

beforeAll(async () => {
  [twilio, smtp, im] = await Promise.all([startTwilioStandIn(), startSmtpStandIn(), startWebhookStandIn()]);
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  const now = new Date();
  // Quinn is in quiet hours now (UTC, an hour ago to two hours on), Wade is not.
  const quiet = { from: hhmm(new Date(now.getTime() - 3_600_000)), to: hhmm(new Date(now.getTime() + 7_200_000)) };
  const config = `
tiers:
  critical: { priorities: [P0], channels: [sms, im], escalate: false, quietHours: ignore, groupWindow: 0s, voiceAfter: null }
  high: { priorities: [P1], channels: [sms, im, email], escalate: false, quietHours: ignore, groupWindow: 5s }
  medium: { priorities: [P2], channels: [im], smsAfter: 1s, quietHours: defer, groupWindow: 0s }
  low: { priorities: [P3, P4, P5, P6, P7, P8, P9], digestEvery: 2s, quietHours: defer }
smsBudget: { max: ${SMS_BUDGET_MAX}, per: 4s }
flapping: { window: 1m, cycles: 1, stableFor: 2s }
rateLimits:
  webhook: { max: 2, per: 3s }
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", email: alice@example.com }
  - { id: sam, name: Sam Storm, phone: "${PHONE.sam}", email: sam@example.com }
  - { id: bea, name: Bea Budget, phone: "${PHONE.bea}" }
  - { id: quinn, name: Quinn Quiet, phone: "${PHONE.quinn}", timezone: UTC, quietHours: { from: "${quiet.from}", to: "${quiet.to}" } }
  - { id: wade, name: Wade Awake, phone: "${PHONE.wade}", timezone: UTC }
  - { id: dora, name: Dora Digest, email: dora@example.com }
  - { id: ivan, name: Ivan Inhibit, phone: "${PHONE.ivan}" }
  - { id: fred, name: Fred Flap, phone: "${PHONE.fred}" }
channels:
  - { id: storm-hook, type: webhook, url: "${im.url('/storm')}", secret: "storm-secret-0123456789" }
  - { id: quiet-hook, type: webhook, url: "${im.url('/quiet')}", secret: "quiet-secret-0123456789" }
  - { id: digest-hook, type: webhook, url: "${im.url('/digest')}", secret: "digest-secret-0123456789" }
  - { id: rate-hook, type: webhook, url: "${im.url('/rate')}", secret: "rate-secret-0123456789" }
escalationPolicies:
  - { id: storm, steps: [{ notify: [user:sam, channel:storm-hook] }] }
  - { id: budget, steps: [{ notify: [user:bea] }] }
  - { id: quiet, steps: [{ notify: [user:quinn, user:wade, channel:quiet-hook] }] }
  - { id: digest, steps: [{ notify: [user:dora, channel:digest-hook] }] }
  - { id: inhibit, steps: [{ notify: [user:ivan] }] }
  - { id: flap, steps: [{ notify: [user:fred] }] }
  - { id: rate, steps: [{ notify: [channel:rate-hook] }] }
routes:
  - { match: { host: "storm-*" }, policy: storm }
  - { match: { host: "budget-*" }, policy: budget }
  - { match: { host: "quiet-*" }, policy: quiet }
  - { match: { host: "digest-*" }, policy: digest }
  - { match: { host: "inh-*" }, policy: inhibit }
  - { match: { host: "flap-*" }, policy: flap }
  - { match: { host: "rate-*" }, policy: rate }
  - policy: budget
integrations:
  - { id: monitoring, token: ${TOKEN} }
`;
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: config,
    env: twilioEnv(twilio, { SMTP_URL: smtp.url, EMAIL_FROM: 'Klaxon <klaxon@example.com>' }),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await Promise.all([twilio?.close(), smtp?.close(), im?.close()]);
});

describe('a storm', () => {
  it('turns 300 distinct P1 alerts in one request into one summary per channel for the person, within the SMS budget', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `[P1][PROBLEM][storm-${String(i).padStart(3, '0')}][][host is down]`);
    await post(lines);
    await waitFor(() => smsTo(PHONE.sam).length >= 1, { what: 'the storm SMS', timeoutMs: 30_000 });
    const sms = await settled(() => smsTo(PHONE.sam).map((m) => m.body), 3000);
    expect(sms.length).toBeLessThanOrEqual(SMS_BUDGET_MAX);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatch(/^\[P1\]\[PROBLEM\] 300 alerts: host is down - storm-\d{3}, storm-\d{3}, storm-\d{3}, .* \(\+\d+\)$/);

    const mails = smtp.mails.filter((m) => m.to.includes('sam@example.com'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^\[P1\]\[PROBLEM\] 300 alerts: host is down — storm-/);
    // the mail lists every alert
    expect(mails[0]!.text.match(/\[storm-\d{3}\]/g)).toHaveLength(300);

    const hooks = hookRequests('/storm');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.json).toMatchObject({ event: 'alert.problem', alert: { priority: 'P1', count: 300, message: '300 alerts: host is down' } });

    // each alert's timeline says it was notified, carried by the one message
    const detail = await alertDetailOf(ui, 'storm-123');
    expect(detail.notifications.map((n: { channel: string; status: string }) => [n.channel, n.status]).sort()).toEqual([
      ['email', 'sent'],
      ['sms', 'sent'],
      ['webhook', 'sent'],
    ]);
    expect(detail.events.filter((e: { type: string }) => e.type === 'notified')).toHaveLength(3);
  });
});

describe('the SMS budget', () => {
  it('folds SMS pages over the budget into one summary that goes out when the window frees a slot', async () => {
    const t = tag();
    for (let i = 0; i < SMS_BUDGET_MAX; i++) {
      await post(`[P0][PROBLEM][budget-${t}-${i}][][disk full]`);
      await waitFor(() => smsTo(PHONE.bea).length === i + 1, { what: `SMS ${i + 1}` });
    }
    const lastSentAt = Date.now();
    await post([`[P0][PROBLEM][budget-${t}-3][][disk full]`, `[P0][PROBLEM][budget-${t}-4][][disk full]`]);
    await waitFor(() => smsTo(PHONE.bea).length === SMS_BUDGET_MAX + 1, { what: 'the folded summary', timeoutMs: 20_000 });
    const summary = smsTo(PHONE.bea)[SMS_BUDGET_MAX]!;
    // held until the oldest of the three left the 4 s window, not sent at once
    expect(summary.receivedAt - lastSentAt).toBeGreaterThan(500);
    expect(summary.body).toMatch(new RegExp(`^\\[P0\\]\\[PROBLEM\\] 2 alerts: disk full - budget-${t}-3, budget-${t}-4$`));
    await sleep(1500);
    expect(smsTo(PHONE.bea)).toHaveLength(SMS_BUDGET_MAX + 1);
    // the first three carried reply codes; each folded alert's page is on its timeline
    expect(smsTo(PHONE.bea)[0]!.body).toMatch(/reply \d+a ack/);
    const folded = await alertDetailOf(ui, `budget-${t}-4`);
    expect(folded.notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent' })]);
  });
});

describe('quiet hours', () => {
  it('sends a P2 by IM at once; smsAfter texts the person who is awake and holds the SMS of the one in quiet hours', async () => {
    const host = `quiet-${tag()}`;
    await post(`[P2][PROBLEM][${host}][][queue backlog]`);
    await waitFor(() => hookRequests('/quiet').some((r) => r.rawBody.includes(host)), { what: 'the IM message' });
    await waitFor(() => smsTo(PHONE.wade).some((m) => m.body.includes(host)), { what: 'the smsAfter SMS to the awake person' });
    await sleep(1000);
    expect(smsTo(PHONE.quinn)).toEqual([]);
    const held = await queryRows<{ status: string; release_at: Date }>(db.url, `SELECT status::text, release_at FROM notifications WHERE address = $1`, [PHONE.quinn]);
    expect(held).toHaveLength(1);
    expect(held[0]!.status).toBe('held');
    // held until the quiet hours end, an hour or two from now
    expect(held[0]!.release_at.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
  });

  it('sends a P2 acknowledged before smsAfter by IM only', async () => {
    const host = `quiet-${tag()}`;
    await post(`[P2][PROBLEM][${host}][][replication lag]`);
    await waitFor(() => hookRequests('/quiet').some((r) => r.rawBody.includes(host)), { what: 'the IM message' });
    const alert = await alertDetailOf(ui, host);
    expect((await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`)).status).toBe(200);
    await sleep(2000);
    expect(smsTo(PHONE.wade).filter((m) => m.body.includes(host))).toEqual([]);
  });
});

describe('digests', () => {
  it('sends low alerts as one digest by email and IM, listing the new ones', async () => {
    const t = tag();
    await post(Array.from({ length: 4 }, (_, i) => `[P4][PROBLEM][digest-${t}-${i}][][disk 91%]`));
    await sleep(300);
    await post(`[P5][PROBLEM][digest-${t}-4][][inode usage]`);
    await waitFor(() => smtp.mails.some((m) => m.to.includes('dora@example.com')), { what: 'the digest email', timeoutMs: 20_000 });
    await sleep(3000); // another digest period: nothing new, so no second digest
    const mails = smtp.mails.filter((m) => m.to.includes('dora@example.com'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Digest: \[P4\]\[PROBLEM\] 5 alerts: disk 91% — digest-/);
    expect(mails[0]!.text).toContain('5 new alerts since the last digest; 0 older ones still open.');
    for (let i = 0; i < 5; i++) expect(mails[0]!.text).toContain(`[digest-${t}-${i}]`);
    const hooks = hookRequests('/digest');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.json).toMatchObject({ alert: { priority: 'P4', count: 5 } });
    // nobody was paged alert by alert
    expect(twilio.messages.filter((m) => m.body.includes(`digest-${t}`))).toEqual([]);
  });
});

describe('host-down inhibition', () => {
  it('holds the other alerts of a host that is down, and pages those still firing when it is back', async () => {
    const t = tag();
    const host = `inh-${t}`;
    const ip = '10.77.0.1';
    await post(`[P0][PROBLEM][${host}][${ip}][host is down]`);
    await waitFor(() => smsTo(PHONE.ivan).some((m) => m.body.includes(`[${host}][${ip}][host is down]`)), { what: 'the host-down page' });
    // the same host, and another name on the same address
    await post([`[P0][PROBLEM][${host}][${ip}][disk full ${t}]`, `[P0][PROBLEM][inh-alias-${t}][${ip}][ntp drift ${t}]`]);
    for (const what of [`disk full ${t}`, `ntp drift ${t}`]) {
      const detail = await waitFor(async () => {
        const d = await alertDetailOf(ui, what);
        return d?.events.some((e: { type: string }) => e.type === 'inhibited') ? d : undefined;
      }, { what: `${what} to be held` });
      expect(detail.events.find((e: { type: string }) => e.type === 'inhibited').detail).toMatchObject({ by: expect.any(Number) });
    }
    await sleep(1000);
    expect(smsTo(PHONE.ivan).filter((m) => m.body.includes(t) && !m.body.includes('host is down'))).toEqual([]);

    // the host is back; disk full still fires (reported again), ntp drift recovered meanwhile
    await post(`[P0][OK][inh-alias-${t}][${ip}][ntp drift ${t}]`);
    await waitFor(async () => (await statusOf(`ntp drift ${t}`)) === 'resolved', { what: 'ntp drift to resolve' });
    await post(`[P0][OK][${host}][${ip}][host is down]`);
    await waitFor(() => smsTo(PHONE.ivan).some((m) => m.body.includes(`[${host}][${ip}][disk full ${t}]`)), { what: 'the held alert to page' });
    await sleep(1000);
    const bodies = smsTo(PHONE.ivan).map((m) => m.body);
    expect(bodies.filter((b) => b.includes('ntp drift'))).toEqual([]);
    expect(bodies.filter((b) => b.includes('[PROBLEM]') && b.includes('host is down'))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('[OK]') && b.includes('host is down'))).toHaveLength(1);
  });
});

describe('flap detection', () => {
  it('turns PROBLEM → OK → PROBLEM cycles into one flapping notice, and resolves once stable', async () => {
    const host = `flap-${tag()}`;
    const report = async (status: 'PROBLEM' | 'OK', becomes: string) => {
      await post(`[P0][${status}][${host}][][link flapping]`);
      await waitFor(async () => (await statusOf(host)) === becomes, { what: `${status} to be applied` });
    };
    await report('PROBLEM', 'firing');
    await waitFor(() => smsTo(PHONE.fred).length === 1, { what: 'the page' });
    await report('OK', 'resolved');
    await waitFor(() => smsTo(PHONE.fred).length === 2, { what: 'the recovery' });
    await report('PROBLEM', 'firing'); // the first cycle: flapping
    await waitFor(() => smsTo(PHONE.fred).length === 3, { what: 'the flapping notice' });
    await post(`[P0][OK][${host}][][link flapping]`); // held: not stable yet
    await sleep(300);
    expect(await statusOf(host)).toBe('firing');
    await report('PROBLEM', 'firing'); // a second cycle: no new notice
    await post(`[P0][OK][${host}][][link flapping]`);
    await waitFor(async () => (await statusOf(host)) === 'resolved', { what: 'the alert to resolve once stable', timeoutMs: 20_000 });
    await waitFor(() => smsTo(PHONE.fred).length === 4, { what: 'the final recovery' });
    await sleep(1000);
    const bodies = smsTo(PHONE.fred).map((m) => m.body);
    expect(bodies).toHaveLength(4);
    expect(bodies[0]).toMatch(/^\[P0\]\[PROBLEM\]/);
    expect(bodies[1]).toMatch(/^\[P0\]\[OK\]/);
    expect(bodies[2]).toMatch(/^\[P0\]\[PROBLEM\].*flapping ×1/);
    expect(bodies[3]).toMatch(/^\[P0\]\[OK\]/);
    // one alert all along, reopened, with its flapping on the timeline
    const detail = await alertDetailOf(ui, host);
    const list = await ui.request('GET', `/api/v1/alerts?status=firing,acknowledged,resolved&q=${host}`);
    expect(list.body.items).toHaveLength(1);
    expect(detail.events.filter((e: { type: string }) => e.type === 'flapping').length).toBeGreaterThanOrEqual(2);
  });
});

describe('IM rate limits', () => {
  it('queues messages over a destination’s limit instead of dropping them', async () => {
    const t = tag();
    const started = Date.now();
    await post(Array.from({ length: 5 }, (_, i) => `[P0][PROBLEM][rate-${t}-${i}][][api errors]`));
    await waitFor(() => hookRequests('/rate').length >= 3, { what: 'the queued messages', timeoutMs: 20_000 });
    const requests = await settled(() => hookRequests('/rate'), 1500);
    const alerts = requests.map((r) => (r.json as { alert: { count: number; host: string } }).alert);
    // two at once (the limit), the other three together once the window lets one more through
    expect(requests).toHaveLength(3);
    expect(requests[1]!.receivedAt - started).toBeLessThan(2500);
    expect(requests[2]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThan(2000);
    expect(alerts[2]).toMatchObject({ count: 3 });
    expect(alerts[0]!.count + alerts[1]!.count + alerts[2]!.count).toBe(5);
  });
});
