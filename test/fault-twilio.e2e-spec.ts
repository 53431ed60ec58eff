/**
 * Fault: Twilio answering 500s and not answering at all (issue 7). Pages are retried with backoff,
 * then go to the person's next contact method (SMS → voice → email), with every final failure and
 * the page that got through on the alert's timeline; no page is lost and none is sent twice, not even
 * when Twilio took a message and its answer was lost (a retry asks Twilio's Messages list first).
 */
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
  startSmtpStandIn,
  startTwilioStandIn,
  waitFor,
  type KlaxonStack,
  type RecordedTwilioRequest,
  type SmtpStandIn,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(90_000);

const TOKEN = 'fault-twilio-token-0123456789';
const ALICE = '+15005550401';
const CAROL = '+15005550403';
const DAVE = '+15005550404';
/**
 * The Twilio channels' per-request timeout (TWILIO_TIMEOUT_MS in libs/notify; the worker does not
 * let the environment change it), so a hung request costs the test this long.
 */
const TWILIO_TIMEOUT_MS = 10_000;
/** delivery: { attempts: 3, backoff: 500ms }: retries after 0.5 s and 1 s */
const BACKOFF_MS = 500;

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let smtp: SmtpStandIn;
let ingest: TestClient;
let ui: TestClient;

const uniqueHost = (base: string) => `${base}-${randomBytes(3).toString('hex')}`;
const alertOf = (host: string) => alertDetailOf(ui, host);
/** the SMS requests (accepted or not) whose body is about this host */
const smsRequestsAbout = (host: string) => twilio.requests.filter((r) => r.path.endsWith('/Messages.json') && (r.form.Body ?? '').includes(`[${host}]`));
/** the worker's lookups of Twilio's Messages list for this number (GET, To=phone) in a time span */
const lookupsBetween = (phone: string, from: number, to: number) =>
  twilio.requests.filter(
    (r) => r.method === 'GET' && r.path.includes('/Messages.json?') && new URL(r.path, 'http://x').searchParams.get('To') === phone && r.receivedAt > from && r.receivedAt < to,
  );
const gaps = (requests: readonly RecordedTwilioRequest[]) => requests.slice(1).map((r, i) => r.receivedAt - requests[i]!.receivedAt);

interface Notification {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  providerId: string | null;
}
interface TimelineEvent {
  type: string;
  via: string | null;
  detail: Record<string, unknown>;
}

beforeAll(async () => {
  [twilio, smtp] = await Promise.all([startTwilioStandIn(), startSmtpStandIn()]);
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
delivery: { attempts: 3, backoff: ${BACKOFF_MS}ms }
smsBudget: { max: 100000, per: 1m }
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}", email: alice@example.com }
  - { id: carol, name: Carol, phone: "${CAROL}", email: carol@example.com }
  - { id: dave, name: Dave, phone: "${DAVE}", email: dave@example.com }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice] }
  - id: carol
    steps:
      - { notify: [user:carol] }
  - id: dave
    steps:
      - { notify: [user:dave] }
routes:
  - match: { host: "down-*" }
    policy: carol
  - match: { host: "burst-*" }
    policy: dave
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio, { SMTP_URL: smtp.url, EMAIL_FROM: 'Klaxon <klaxon@example.com>' }),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterEach(() => twilio.respondWith(null));

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await Promise.all([twilio?.close(), smtp?.close()]);
});

const post = async (lines: string | string[]) => {
  const res = await ingest.postLines(lines, TOKEN);
  expect(res.status).toBe(202);
  return res;
};

/**
 * The alert once its notifications are all done (none queued or being sent), at least `n` of them. Read
 * again after that: the api reads events and notifications in two queries, and a notification's status
 * and its timeline event are written together, so only a read that starts after the status changed is
 * sure to show both.
 */
const settledAlert = async (host: string, n: number, timeoutMs = 20_000) => {
  await withLogs(waitFor(
    async () => {
      const a = await alertOf(host);
      return a?.notifications.length >= n && a.notifications.every((x: Notification) => x.status !== 'queued' && x.status !== 'sending');
    },
    { timeoutMs, what: `the pages about ${host} to be done` },
  ));
  return alertOf(host);
};

/** A wait that fails with the stack's last log lines, to show why. */
async function withLogs<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- last log lines ---\n${stack.logs().split('\n').slice(-30).join('\n')}`);
  }
}

/** The worker's "will retry" log lines about one notification. */
const retryLogs = (notificationId: string) =>
  stack.logs()
    .split('\n')
    .filter((line) => line.includes(notificationId) && line.includes('will retry'));

it('retries 500s with exponential backoff and sends the page once', async () => {
  const host = uniqueHost('retry');
  twilio.failNext(2, 500);
  await post(`[P1][PROBLEM][${host}][10.1.0.1][queue stuck]`);
  const alert = await settledAlert(host, 1);
  const requests = smsRequestsAbout(host);
  expect(requests).toHaveLength(3);
  const [first, second] = gaps(requests);
  expect(first).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
  expect(second).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 50); // exponential: 0.5 s, then 1 s
  expect(smsAbout(twilio, host)).toHaveLength(1);
  const [sms] = smsAbout(twilio, host);
  expect(alert.notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', attempts: 3, providerId: sms!.sid })]);
  const notified = alert.events.filter((e: TimelineEvent) => e.type === 'notified');
  expect(notified).toEqual([expect.objectContaining({ via: 'sms', actor: 'alice', detail: expect.objectContaining({ attempt: 3, providerId: sms!.sid }) })]);
  expect(alert.events.filter((e: TimelineEvent) => e.type === 'failed')).toEqual([]);
  const retries = retryLogs(alert.notifications[0].id);
  expect(retries).toHaveLength(2);
  expect(retries.every((line) => line.includes('"providerCode":"20500"'))).toBe(true);
});

it('gives up on a Twilio that does not answer after its timeout, retries, and sends the page once', async () => {
  const host = uniqueHost('hang');
  // the stand-in holds the first reply well past the SDK's timeout, like a Twilio that stopped answering
  twilio.holdNext(1, TWILIO_TIMEOUT_MS + 5000, { status: 201, body: {} });
  await post(`[P0][PROBLEM][${host}][10.1.0.2][api down]`);
  const alert = await settledAlert(host, 1, TWILIO_TIMEOUT_MS + 15_000);
  const requests = smsRequestsAbout(host);
  expect(requests).toHaveLength(2);
  const [hung, retried] = requests as [RecordedTwilioRequest, RecordedTwilioRequest];
  // the channel closed the hung request itself, at its timeout, and did not wait for the late reply
  expect(hung.abandonedAt).not.toBeNull();
  expect(hung.abandonedAt! - hung.receivedAt).toBeGreaterThanOrEqual(TWILIO_TIMEOUT_MS - 100);
  expect(hung.abandonedAt! - hung.receivedAt).toBeLessThan(TWILIO_TIMEOUT_MS + 2000);
  expect(retried.receivedAt - hung.abandonedAt!).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
  expect(retried.abandonedAt).toBeNull();
  const [sms, ...more] = smsAbout(twilio, host);
  expect(more).toEqual([]);
  expect(alert.notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', attempts: 2, providerId: sms!.sid })]);
  expect(alert.events.filter((e: TimelineEvent) => e.type === 'notified')).toEqual([
    expect.objectContaining({ via: 'sms', detail: expect.objectContaining({ attempt: 2, providerId: sms!.sid }) }),
  ]);
  const [retry, ...moreRetries] = retryLogs(alert.notifications[0].id);
  expect(moreRetries).toEqual([]);
  expect(retry).toContain('"providerCode":"ETIMEDOUT"');
  // before the retry it asked Twilio whether the hung request had gone out (it had not)
  const lookups = lookupsBetween(ALICE, hung.receivedAt, retried.receivedAt);
  expect(lookups).toHaveLength(1);
});

it('when Twilio took the message but its answer never came, the retry finds it at Twilio and does not send it again', async () => {
  const host = uniqueHost('took');
  // Twilio accepts the SMS (it goes out) and then stops answering: the worker never learns its SID
  twilio.acceptThenHoldNext(1, TWILIO_TIMEOUT_MS + 5000);
  await post(`[P0][PROBLEM][${host}][10.1.0.4][payments down]`);
  const alert = await settledAlert(host, 1, TWILIO_TIMEOUT_MS + 15_000);
  const [sms, ...more] = smsAbout(twilio, host);
  expect(more).toEqual([]);
  const requests = smsRequestsAbout(host);
  expect(requests).toHaveLength(1);
  expect(requests[0]!.abandonedAt).not.toBeNull();
  expect(lookupsBetween(ALICE, requests[0]!.receivedAt, Date.now() + 1)).toHaveLength(1);
  expect(alert.notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', attempts: 2, providerId: sms!.sid })]);
  expect(alert.events.filter((e: TimelineEvent) => e.type === 'notified')).toEqual([
    expect.objectContaining({ via: 'sms', detail: expect.objectContaining({ attempt: 2, providerId: sms!.sid, acceptedEarlier: true }) }),
  ]);
  expect(alert.events.filter((e: TimelineEvent) => e.type === 'failed')).toEqual([]);
  expect(stack.logs().split('\n').filter((line) => line.includes(alert.notifications[0].id) && line.includes('the provider had accepted an earlier attempt'))).toHaveLength(1);
});

it('falls back from SMS to voice to email when Twilio keeps failing, each step on the timeline', async () => {
  const host = uniqueHost('down');
  twilio.respondWith((req) => (req.form.To === CAROL ? { status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } } : undefined));
  await post(`[P0][PROBLEM][${host}][10.1.0.3][db primary down]`);
  const alert = await settledAlert(host, 3);
  const toCarol = twilio.requests.filter((r) => r.form.To === CAROL);
  const sms = toCarol.filter((r) => r.path.endsWith('/Messages.json'));
  const calls = toCarol.filter((r) => r.path.endsWith('/Calls.json'));
  expect([sms.length, calls.length]).toEqual([3, 3]);
  // each channel's retries back off; the call comes only after the SMS failed for good
  for (const attempts of [sms, calls]) {
    const [first, second] = gaps(attempts);
    expect(first).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
    expect(second).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 50);
  }
  expect(calls[0]!.receivedAt).toBeGreaterThan(sms[2]!.receivedAt);
  expect(twilio.messages.filter((m) => m.to === CAROL)).toEqual([]);
  expect(twilio.calls.filter((c) => c.to === CAROL)).toEqual([]);

  const mails = await waitFor(() => {
    const m = smtp.mails.filter((x) => x.subject.includes(host));
    return m.length > 0 && m;
  });
  expect(mails).toHaveLength(1);
  expect(mails[0]!.to).toEqual(['carol@example.com']);
  expect(alert.notifications.map((n: Notification) => [n.channel, n.status, n.attempts])).toEqual([
    ['sms', 'failed', 3],
    ['voice', 'failed', 3],
    ['email', 'sent', 1],
  ]);
  const timeline = alert.events
    .filter((e: TimelineEvent) => e.type === 'failed' || e.type === 'notified')
    .map((e: TimelineEvent) => [e.type, e.via, e.detail.attempts ?? e.detail.attempt, e.detail.providerCode ?? null]);
  expect(timeline).toEqual([
    ['failed', 'sms', 3, '20500'],
    ['failed', 'voice', 3, '20500'],
    ['notified', 'email', 1, null],
  ]);
  // the failures say why, with the phone number masked
  const failed = alert.events.filter((e: TimelineEvent) => e.type === 'failed');
  for (const e of failed) {
    expect(String(e.detail.error)).toMatch(/HTTP 500/);
    expect(JSON.stringify(e.detail)).not.toContain(CAROL);
  }
});

it('a burst of P0s while Twilio fails every first attempt: each paged exactly once, none lost', async () => {
  const hosts = Array.from({ length: 20 }, () => uniqueHost('burst'));
  const firstSeen = new Set<string>();
  twilio.respondWith((req) => {
    const body = req.form.Body ?? '';
    if (req.form.To !== DAVE || firstSeen.has(body)) return undefined;
    firstSeen.add(body);
    return { status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } };
  });
  await post(hosts.map((h, i) => `[P0][PROBLEM][${h}][10.1.1.${i}][disk full]`));
  const alerts = await Promise.all(hosts.map((h) => settledAlert(h, 1)));
  for (const [i, host] of hosts.entries()) {
    expect(smsRequestsAbout(host)).toHaveLength(2);
    const sent = smsAbout(twilio, host);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe(DAVE);
    expect(alerts[i].notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', attempts: 2, providerId: sent[0]!.sid })]);
    expect(alerts[i].events.filter((e: TimelineEvent) => e.type === 'notified')).toHaveLength(1);
  }
  expect(twilio.calls.filter((c) => c.to === DAVE)).toEqual([]);
  expect(smtp.mails.filter((m) => m.to.includes('dave@example.com'))).toEqual([]);
});
