import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import {
  TEST_PASSWORD,
  alertDetailOf,
  postTwilioWebhook,
  smsAbout,
  testPasswordHash,
  TestClient,
  createTestDatabase,
  startKlaxon,
  startSmtpStandIn,
  startTwilioStandIn,
  waitFor,
  type KlaxonStack,
  type SmtpStandIn,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'delivery-status-test-token-0123456789';
const AUTH_TOKEN = 'twilio-auth-token-for-delivery-status';
const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const ALICE = '+15005550401';
const BOB = '+15005550402';
const KLAXON_NUMBER = '+15005550006';

let db: TestDatabase;
let stack: KlaxonStack;
let twilioStandIn: TwilioStandIn;
let smtp: SmtpStandIn;
let ingest: TestClient;
let ui: TestClient;

type Event = { type: string; actor: string | null; via: string | null; detail: Record<string, unknown> };
type Notification = { channel: string; address: string; status: string; providerId: string | null; kind: string };

const uniqueHost = () => `app-${randomBytes(3).toString('hex')}`;
const smsFor = (host: string) => smsAbout(twilioStandIn, host);
const mailsFor = (host: string) => smtp.mails.filter((m) => m.subject.includes(host) || m.text.includes(host));
const eventsOf = (alert: { events: Event[] }, type: string) => alert.events.filter((e) => e.type === type);

const alertOf = (host: string) => alertDetailOf(ui, host);

/** POSTs a form to a Twilio webhook path as Twilio would, signed with `token` (or with the given signature). */
const signedPost = (path: string, form: Record<string, string>, options: { token?: string; signature?: string | null } = {}) =>
  postTwilioWebhook(stack.baseUrl, path, form, { authToken: options.token ?? AUTH_TOKEN, ...(options.signature !== undefined ? { signature: options.signature } : {}) });

function statusCallback(sid: string, status: string, errorCode?: string, options: { token?: string; signature?: string | null } = {}) {
  const form: Record<string, string> = { MessageSid: sid, SmsSid: sid, AccountSid: ACCOUNT_SID, MessageStatus: status, SmsStatus: status, To: ALICE, From: KLAXON_NUMBER };
  if (errorCode !== undefined) form.ErrorCode = errorCode;
  return signedPost('/api/v1/twilio/status', form, options);
}

const twiml = (message: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${message}</Message></Response>`;
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Raises a P1, waits for alice's SMS page and for the step to be recorded; answers the SMS and the alert. */
async function pagedAlert(host: string, message: string) {
  expect((await ingest.postLines(`[P1][PROBLEM][${host}][10.0.0.9][${message}]`, TOKEN)).status).toBe(202);
  const [sms] = await waitFor(() => (smsFor(host).length >= 1 ? smsFor(host) : undefined), { what: 'the SMS page' });
  const alert = await waitFor(
    async () => {
      const a = await alertOf(host);
      return a?.escalation && a.notifications.some((n: Notification) => n.providerId === sms!.sid && n.status === 'sent') ? a : undefined;
    },
    { what: 'the page recorded as sent' },
  );
  return { sms: sms!, alert };
}

beforeAll(async () => {
  [twilioStandIn, smtp] = await Promise.all([startTwilioStandIn(), startSmtpStandIn()]);
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}", email: alice@example.com }
  - { id: bob, name: Bob, phone: "${BOB}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 10m }
      - { notify: [user:bob], next: 10m }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: KLAXON_NUMBER,
      TWILIO_API_BASE_URL: twilioStandIn.baseUrl,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Klaxon <klaxon@example.com>',
    },
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await Promise.all([twilioStandIn?.close(), smtp?.close()]);
});

describe('Twilio status callback (SPEC §7)', () => {
  it('asks Twilio for status callbacks at PUBLIC_URL/api/v1/twilio/status', async () => {
    const { sms } = await pagedAlert(uniqueHost(), 'callback url');
    expect(sms.statusCallback).toBe(`${stack.baseUrl}/api/v1/twilio/status`);
  });

  it('records undelivered with a failed event and falls back to a voice call at once (sms → voice → email); a repeat changes nothing', async () => {
    const host = uniqueHost();
    const { sms } = await pagedAlert(host, 'api down');
    const callsBefore = twilioStandIn.calls.length;
    const res = await statusCallback(sms.sid, 'undelivered', '30003');
    expect(res.status).toBe(200);
    expect(res.text).toBe(EMPTY);
    const call = await waitFor(() => twilioStandIn.calls[callsBefore], { what: 'the fallback voice call' });
    expect(call.to).toBe(ALICE);
    const alert = await alertOf(host);
    expect(alert.notifications.find((n: Notification) => n.providerId === sms.sid)).toMatchObject({ channel: 'sms', status: 'undelivered' });
    const failed = eventsOf(alert, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: 'alice', via: 'sms', detail: expect.objectContaining({ status: 'undelivered', errorCode: '30003', providerId: sms.sid }) });
    // repeated by Twilio: no second event, no second email
    expect((await statusCallback(sms.sid, 'undelivered', '30003')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = await alertOf(host);
    expect(eventsOf(again, 'failed')).toHaveLength(1);
    expect(twilioStandIn.calls).toHaveLength(callsBefore + 1);
    expect(mailsFor(host)).toHaveLength(0);
    expect(smsFor(host)).toHaveLength(1);
  });

  it('refuses a bad or missing signature with 403 and changes nothing; then records delivered once', async () => {
    const host = uniqueHost();
    const { sms } = await pagedAlert(host, 'db slow');
    expect((await statusCallback(sms.sid, 'failed', '30005', { token: 'not-the-token' })).status).toBe(403);
    expect((await statusCallback(sms.sid, 'delivered', undefined, { signature: null })).status).toBe(403);
    let alert = await alertOf(host);
    expect(alert.notifications.find((n: Notification) => n.providerId === sms.sid).status).toBe('sent');
    expect(eventsOf(alert, 'failed')).toHaveLength(0);
    expect(eventsOf(alert, 'delivered')).toHaveLength(0);

    // intermediate statuses are ignored
    expect((await statusCallback(sms.sid, 'sending')).status).toBe(200);
    expect((await statusCallback(sms.sid, 'sent')).status).toBe(200);
    expect((await statusCallback(sms.sid, 'delivered')).status).toBe(200);
    expect((await statusCallback(sms.sid, 'delivered')).status).toBe(200);
    alert = await alertOf(host);
    expect(alert.notifications.find((n: Notification) => n.providerId === sms.sid).status).toBe('delivered');
    expect(eventsOf(alert, 'delivered')).toEqual([expect.objectContaining({ actor: 'alice', via: 'sms', detail: expect.objectContaining({ providerId: sms.sid }) })]);
    expect(eventsOf(alert, 'failed')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsFor(host)).toHaveLength(0);
  });

  it('a report that arrives before the worker stored the sid is kept and recorded once it is: the fallback still happens', async () => {
    const host = uniqueHost();
    const sid = `SM${randomBytes(16).toString('hex')}`;
    let reported: number | undefined;
    // Twilio reports "undelivered" before its API answer reaches the worker
    twilioStandIn.respondWith(async (req) => {
      if (!req.path.endsWith('/Messages.json') || !req.form.Body?.includes(host)) return undefined;
      reported = (await statusCallback(sid, 'undelivered', '30003')).status;
      return { status: 201, body: { sid, status: 'queued', to: req.form.To, from: req.form.From, body: req.form.Body, account_sid: ACCOUNT_SID } };
    });
    const callsBefore = twilioStandIn.calls.length;
    try {
      expect((await ingest.postLines(`[P1][PROBLEM][${host}][10.0.0.9][early report]`, TOKEN)).status).toBe(202);
      const call = await waitFor(() => twilioStandIn.calls.slice(callsBefore).find((c) => c.to === ALICE), { what: 'the fallback voice call' });
      expect(call.to).toBe(ALICE);
    } finally {
      twilioStandIn.respondWith(null);
    }
    expect(reported).toBe(200);
    const alert = await alertOf(host);
    expect(alert.notifications.find((n: Notification) => n.providerId === sid)).toMatchObject({ channel: 'sms', status: 'undelivered' });
    expect(eventsOf(alert, 'failed')).toEqual([expect.objectContaining({ via: 'sms', detail: expect.objectContaining({ status: 'undelivered', errorCode: '30003', providerId: sid }) })]);
  });

  it('answers 200 and does nothing for an unknown SID', async () => {
    const res = await statusCallback(`SM${'f'.repeat(32)}`, 'undelivered', '30003');
    expect(res.status).toBe(200);
  });
});

describe('escalate now (SPEC §9, §10)', () => {
  it('POST /api/v1/alerts/:number/escalate pages step 2 at once, one escalated event by alice via web; 409 at the last step', async () => {
    const host = uniqueHost();
    const { alert } = await pagedAlert(host, 'queue stuck');
    const started = Date.now();
    const res = await ui.request('POST', `/api/v1/alerts/${alert.number}/escalate`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number: alert.number, escalatedTo: { step: 2, round: 0 } });
    const bob = await waitFor(() => smsFor(host).find((m) => m.to === BOB), { timeoutMs: 10_000, what: "bob's page" });
    expect(bob.receivedAt - started).toBeLessThan(10_000);
    const after = await waitFor(async () => {
      const a = await alertOf(host);
      return a.escalation?.step === 1 ? a : undefined;
    });
    expect(eventsOf(after, 'escalated')).toEqual([expect.objectContaining({ actor: 'alice', via: 'web', detail: { step: 2, round: 0 } })]);

    const last = await ui.request('POST', `/api/v1/alerts/${alert.number}/escalate`);
    expect(last.status).toBe(409);
    expect(last.text).toContain(`#${alert.number} is already at the last escalation step`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smsFor(host).map((m) => m.to)).toEqual([ALICE, BOB]);
    expect(eventsOf(await alertOf(host), 'escalated')).toHaveLength(1);
  });

  it('answers 409 for an acknowledged alert and 404 for an unknown one', async () => {
    const host = uniqueHost();
    const { alert } = await pagedAlert(host, 'acked first');
    expect((await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`)).status).toBe(200);
    const res = await ui.request('POST', `/api/v1/alerts/${alert.number}/escalate`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('already acknowledged by alice via web');
    expect((await ui.request('POST', '/api/v1/alerts/999999/escalate')).status).toBe(404);
    expect((await new TestClient(stack.baseUrl).request('POST', `/api/v1/alerts/${alert.number}/escalate`)).status).toBe(401);
  });

  it('`Ne` by SMS escalates at once, attributed to alice via sms, then says it is at the last step', async () => {
    const host = uniqueHost();
    const { sms } = await pagedAlert(host, 'cache cold');
    const code = /reply (\d+)a ack/.exec(sms.body)![1]!;
    const form = (body: string) => ({ MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT_SID, From: ALICE, To: KLAXON_NUMBER, Body: body });
    const res = await signedPost('/api/v1/twilio/sms', form(`${code}e`));
    expect(res.status).toBe(200);
    expect(res.text).toBe(twiml(`Escalated ${code} to step 2: [P1][${host}] cache cold`));
    await waitFor(() => smsFor(host).find((m) => m.to === BOB), { timeoutMs: 10_000, what: "bob's page" });
    const after = await waitFor(async () => {
      const a = await alertOf(host);
      return a.escalation?.step === 1 ? a : undefined;
    });
    expect(eventsOf(after, 'escalated')).toEqual([expect.objectContaining({ actor: 'alice', via: 'sms', detail: { step: 2, round: 0 } })]);
    const again = await signedPost('/api/v1/twilio/sms', form(`escalate ${code}`));
    expect(again.text).toBe(twiml(`${code} is already at the last escalation step`));
  });
});
