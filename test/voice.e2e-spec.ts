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
  startTwilioStandIn,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'voice-test-token-0123456789';
const AUTH_TOKEN = 'twilio-auth-token-for-voice';
const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
const ALICE = '+15005550501';
const KLAXON_NUMBER = '+15005550006';

let db: TestDatabase;
let stack: KlaxonStack;
let twilioStandIn: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;

type Event = { type: string; actor: string | null; via: string | null; detail: Record<string, unknown> };

const uniqueHost = () => `web-${randomBytes(3).toString('hex')}`;
const smsFor = (host: string) => smsAbout(twilioStandIn, host);

const alertOf = (host: string) => alertDetailOf(ui, host);

const signedPost = (path: string, form: Record<string, string>, options: { token?: string } = {}) =>
  postTwilioWebhook(stack.baseUrl, path, form, { authToken: options.token ?? AUTH_TOKEN });

const callForm = (sid: string, extra: Record<string, string> = {}) => ({ CallSid: sid, AccountSid: ACCOUNT_SID, From: KLAXON_NUMBER, To: ALICE, CallStatus: 'in-progress', ...extra });

let lastOctet = 0;
async function raise(host: string, message: string) {
  // each host its own address: a host-down alert holds the other alerts of its address (SPEC §5)
  expect((await ingest.postLines(`[P0][PROBLEM][${host}][10.0.1.${++lastOctet}][${message}]`, TOKEN)).status).toBe(202);
  await waitFor(() => (smsFor(host).length >= 1 ? smsFor(host) : undefined), { what: 'the SMS page' });
  return waitFor(async () => ((await alertOf(host))?.escalation ? alertOf(host) : undefined), { what: 'the step recorded' });
}

beforeAll(async () => {
  twilioStandIn = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms], voiceAfter: 2s, escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 10m }
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
    },
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilioStandIn?.close();
});

describe('voice paging (SPEC §5, §7, §9)', () => {
  it('calls ~voiceAfter after the SMS; the TwiML reads the alert in a Gather; 4 acknowledges as the user via voice', async () => {
    const host = uniqueHost();
    const alert = await raise(host, 'host is down');
    const sms = smsFor(host)[0]!;
    const call = await waitFor(() => twilioStandIn.calls.find((c) => c.to === ALICE && c.receivedAt > sms.receivedAt), { timeoutMs: 15_000, what: 'the voice call' });
    expect(call.receivedAt - sms.receivedAt).toBeGreaterThanOrEqual(1500);
    expect(call.from).toBe(KLAXON_NUMBER);
    expect(call.sid).toMatch(/^CA/);
    const voicePath = new URL(call.url!).pathname;
    expect(call.url).toMatch(new RegExp(`^${stack.baseUrl}/api/v1/twilio/voice/[0-9a-f-]{36}$`));
    expect(call.statusCallback).toBe(`${stack.baseUrl}/api/v1/twilio/voice-status`);
    expect(call.params.StatusCallbackEvent).toBe('completed');

    // unsigned: refused
    const unsigned = await new TestClient(stack.baseUrl).request('POST', voicePath, { body: new URLSearchParams(callForm(call.sid)).toString(), contentType: 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(403);

    const answered = await signedPost(voicePath, callForm(call.sid));
    expect(answered.status).toBe(200);
    expect(answered.headers.get('content-type')).toMatch(/text\/xml/);
    expect(answered.text).toContain(`Klaxon alert number ${alert.number}, priority 0, ${host}, host is down, reported once.`);
    expect(answered.text).toContain(`<Gather numDigits="1" action="${stack.baseUrl}${voicePath}/keys" method="POST" timeout="10">`);
    expect(answered.text).toContain('Press 4 to acknowledge, 5 to escalate, 6 to close, star to repeat.');

    const repeat = await signedPost(`${voicePath}/keys`, callForm(call.sid, { Digits: '*' }));
    expect(repeat.text).toContain('<Gather');
    expect(repeat.text).toContain('host is down');

    const acked = await signedPost(`${voicePath}/keys`, callForm(call.sid, { Digits: '4' }));
    expect(acked.status).toBe(200);
    expect(acked.text).toContain('Acknowledged. Goodbye.');
    const after = await alertOf(host);
    expect(after.status).toBe('acknowledged');
    expect(after.events.filter((e: Event) => e.type === 'acknowledged')).toEqual([expect.objectContaining({ actor: 'alice', via: 'voice' })]);

    const again = await signedPost(`${voicePath}/keys`, callForm(call.sid, { Digits: '4' }));
    expect(again.text).toContain('already acknowledged by alice');

    // call status callback: completed marks the voice page delivered
    expect((await signedPost('/api/v1/twilio/voice-status', callForm(call.sid, { CallStatus: 'completed' }))).status).toBe(200);
    const delivered = await waitFor(
      async () => {
        const a = await alertOf(host);
        return a.notifications.some((n: { providerId: string | null; status: string }) => n.providerId === call.sid && n.status === 'delivered') ? a : undefined;
      },
      { what: 'the call recorded as delivered' },
    );
    expect(delivered.notifications.find((n: { providerId: string | null }) => n.providerId === call.sid)).toMatchObject({ channel: 'voice', status: 'delivered' });
  });

  it('an alert acknowledged before voiceAfter gets no call', async () => {
    const host = uniqueHost();
    const alert = await raise(host, 'disk full');
    const callsBefore = twilioStandIn.calls.length;
    expect((await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`)).status).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(twilioStandIn.calls.length).toBe(callsBefore);
  });

  it('unknown notification: a polite hang-up', async () => {
    const res = await signedPost('/api/v1/twilio/voice/00000000-0000-4000-8000-000000000000', callForm(`CA${'0'.repeat(32)}`));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Hangup/>');
    expect(res.text).not.toContain('<Gather');
  });

  it('no-answer on a voice page marks it undelivered (failed event)', async () => {
    const host = uniqueHost();
    await raise(host, 'cpu hot');
    const sms = smsFor(host)[0]!;
    const call = await waitFor(() => twilioStandIn.calls.find((c) => c.receivedAt > sms.receivedAt), { timeoutMs: 15_000, what: 'the voice call' });
    expect((await signedPost('/api/v1/twilio/voice-status', callForm(call.sid, { CallStatus: 'no-answer' }))).status).toBe(200);
    // the worker may not have stored the call's sid yet: the report is then recorded as soon as it has
    const alert = await waitFor(
      async () => {
        const a = await alertOf(host);
        return a.notifications.some((n: { providerId: string | null; status: string }) => n.providerId === call.sid && n.status === 'undelivered') ? a : undefined;
      },
      { what: 'the call recorded as undelivered' },
    );
    expect(alert.notifications.find((n: { providerId: string | null }) => n.providerId === call.sid)).toMatchObject({ channel: 'voice', status: 'undelivered' });
    expect(alert.events.filter((e: Event) => e.type === 'failed')).toEqual([expect.objectContaining({ via: 'voice', detail: expect.objectContaining({ status: 'undelivered' }) })]);
  });
});
