import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
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
  testEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'sms-replies-test-token-0123456789';
const AUTH_TOKEN = 'twilio-auth-token-for-sms-replies';
const ALTERNATE_TOKEN = 'twilio-alternate-token-for-rotation';
const ALICE = '+15005550301';
const BOB = '+15005550302';
const STRANGER = '+15005550399';
const KLAXON_NUMBER = '+15005550006';

let db: TestDatabase;
let stack: KlaxonStack;
let twilioStandIn: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;
let redis: Redis;

const uniqueHost = () => `web-${randomBytes(3).toString('hex')}`;
const smsFor = (host: string) => smsAbout(twilioStandIn, host);

const alertOf = (host: string) => alertDetailOf(ui, host);

let sidCounter = 0;
function params(from: string, body: string | undefined): Record<string, string> {
  const p: Record<string, string> = {
    MessageSid: `SM${String(++sidCounter).padStart(32, '0')}`,
    AccountSid: `AC${'1'.repeat(32)}`,
    From: from,
    To: KLAXON_NUMBER,
    NumMedia: '0',
  };
  if (body !== undefined) p.Body = body;
  return p;
}

/** POSTs an inbound SMS as Twilio would, signed with `token` (or with the given signature). */
function inbound(from: string, body: string | undefined, options: { token?: string; signature?: string | null } = {}) {
  return postTwilioWebhook(stack.baseUrl, '/api/v1/twilio/sms', params(from, body), {
    authToken: options.token ?? AUTH_TOKEN,
    ...(options.signature !== undefined ? { signature: options.signature } : {}),
  });
}

const twiml = (message: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${message}</Message></Response>`;
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

beforeAll(async () => {
  twilioStandIn = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}" }
  - { id: bob, name: Bob, phone: "${BOB}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 2s }
      - { notify: [user:bob], next: 2s }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: {
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_ALTERNATE_AUTH_TOKEN: ALTERNATE_TOKEN,
      TWILIO_FROM_NUMBER: KLAXON_NUMBER,
      TWILIO_API_BASE_URL: twilioStandIn.baseUrl,
    },
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
  await db?.drop();
  await twilioStandIn?.close();
});

describe('SMS replies (SPEC §9)', () => {
  const host = uniqueHost();
  let number: number;

  it('pages alice by a P0 with reply code 1', async () => {
    expect((await ingest.postLines(`[P0][PROBLEM][${host}][10.0.0.1][host is down]`, TOKEN)).status).toBe(202);
    const [page] = await waitFor(() => (smsFor(host).length >= 1 ? smsFor(host) : undefined), { what: 'the page' });
    expect(page!.to).toBe(ALICE);
    expect(page!.body).toContain('reply 1a ack');
    number = (await alertOf(host)).number;
  });

  it('refuses a bad or missing signature with 403 and changes nothing', async () => {
    const bad = await inbound(ALICE, '1a', { token: 'not-the-token' });
    expect(bad.status).toBe(403);
    const missing = await inbound(ALICE, '1a', { signature: null });
    expect(missing.status).toBe(403);
    // signed for other parameters than those sent
    const tampered = await inbound(ALICE, '1a', { signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${stack.baseUrl}/api/v1/twilio/sms`, params(ALICE, '1c')) });
    expect(tampered.status).toBe(403);
    expect((await alertOf(host)).status).toBe('firing');
  });

  it('answers a sender who is no user with an empty Response and changes nothing', async () => {
    const res = await inbound(STRANGER, '1a');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(res.text).toBe(EMPTY);
    expect((await alertOf(host)).status).toBe('firing');
  });

  it('says no open alert for a code the phone does not hold', async () => {
    const res = await inbound(ALICE, '7a');
    expect(res.text).toBe(twiml('No open alert 7 on this phone'));
    expect((await alertOf(host)).status).toBe('firing');
  });

  it('acknowledges by `1a`, attributed to alice via sms, and stops escalation', async () => {
    const res = await inbound(ALICE, '1a');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(res.text).toBe(twiml(`Acknowledged 1: [P0][${host}] host is down`));
    const alert = await alertOf(host);
    expect(alert).toMatchObject({ number, status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'sms' });
    expect(alert.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'acknowledged', actor: 'alice', via: 'sms' })]));
    // bob's step (2 s later) never comes
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(smsFor(host)).toHaveLength(1);
  });

  it('says a second `1a` is already acknowledged', async () => {
    const res = await inbound(ALICE, '1a');
    expect(res.text).toBe(twiml('1 is already acknowledged by alice via sms'));
  });

  it('accepts a signature made with the alternate token, and lists the open alerts', async () => {
    const res = await inbound(ALICE, 'list', { token: ALTERNATE_TOKEN });
    expect(res.status).toBe(200);
    expect(res.text).toBe(twiml(`Open alerts (1):\n1 [P0][${host}] host is down`));
  });

  it('resolves by `1c`, via sms, and then says it is already resolved', async () => {
    const res = await inbound(ALICE, '1c');
    expect(res.text).toBe(twiml(`Resolved 1: [P0][${host}] host is down`));
    expect(await alertOf(host)).toMatchObject({ status: 'resolved', resolvedBy: 'alice', resolvedVia: 'sms' });
    const again = await inbound(ALICE, '1c');
    expect(again.text).toBe(twiml('1 is already resolved by alice via sms'));
    expect((await inbound(ALICE, 'list')).text).toBe(twiml('No open alerts on this phone'));
  });

  it('acknowledges every open alert of the phone by `aa`, and the last one by `a`', async () => {
    const [h1, h2, h3] = [uniqueHost(), uniqueHost(), uniqueHost()];
    await ingest.postLines([`[P0][PROBLEM][${h1}][][cpu]`, `[P0][PROBLEM][${h2}][][mem]`], TOKEN);
    await waitFor(() => smsFor(h1).length >= 1 && smsFor(h2).length >= 1, { what: 'two pages' });
    const res = await inbound(ALICE, 'aa');
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Acknowledged 2 alerts: \d+, \d+<\/Message><\/Response>$/);
    expect(await alertOf(h1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'sms' });
    expect(await alertOf(h2)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'sms' });
    await ingest.postLines(`[P0][PROBLEM][${h3}][][swap]`, TOKEN);
    await waitFor(() => smsFor(h3).length >= 1, { what: 'the third page' });
    const last = await inbound(ALICE, 'a');
    expect(last.text).toMatch(new RegExp(`<Message>Acknowledged \\d+: \\[P0\\]\\[${h3}\\] swap</Message>`));
    const byNumber = await inbound(ALICE, `close #${(await alertOf(h3)).number}`);
    expect(byNumber.text).toMatch(new RegExp(`<Message>Resolved #\\d+: \\[P0\\]\\[${h3}\\] swap</Message>`));
  });

  it('pages a phone that replied STOP by no SMS until it replies START', async () => {
    expect((await inbound(ALICE, 'stop')).text).toContain('SMS paging is off');
    const quiet = uniqueHost();
    await ingest.postLines(`[P0][PROBLEM][${quiet}][][stopped phone]`, TOKEN);
    await waitFor(async () => (await alertOf(quiet))?.events.some((e: { type: string }) => e.type === 'routed'), { what: 'the alert' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(smsFor(quiet)).toEqual([]);
    expect((await inbound(ALICE, 'start')).text).toContain('SMS paging is on again');
    const loud = uniqueHost();
    await ingest.postLines(`[P0][PROBLEM][${loud}][][started phone]`, TOKEN);
    await waitFor(() => smsFor(loud).length === 1, { what: 'the page after START' });
  });

  it('answers help at most 5 times in a row, and again after a command', async () => {
    for (let i = 0; i < 5; i++) expect((await inbound(BOB, i % 2 === 0 ? 'help' : 'what?')).text).toMatch(/<Message>Klaxon: reply 1a ack/);
    expect((await inbound(BOB, 'help')).text).toBe(EMPTY);
    expect((await inbound(BOB, 'list')).text).toBe(twiml('No open alerts on this phone'));
    expect((await inbound(BOB, '?')).text).toMatch(/<Message>Klaxon: reply/);
  });

  it('stores stop and start as an opt-out flag in Redis', async () => {
    const key = `${stack.env.KLAXON_QUEUE_PREFIX!}:sms-optout:${BOB}`;
    expect((await inbound(BOB, 'STOP')).text).toContain('SMS paging is off');
    expect(await redis.exists(key)).toBe(1);
    expect((await inbound(BOB, 'start')).text).toContain('SMS paging is on again');
    expect(await redis.exists(key)).toBe(0);
  });

  it('silences by `Ns 30m`: the alert stops, and its next occurrence pages nobody', async () => {
    const quiet = uniqueHost();
    await ingest.postLines(`[P0][PROBLEM][${quiet}][][link flapping]`, TOKEN);
    const [page] = await waitFor(() => (smsFor(quiet).length >= 1 ? smsFor(quiet) : undefined), { what: 'the page' });
    const code = /reply (\d+)a ack/.exec(page!.body)![1]!;
    const res = await inbound(ALICE, `${code}s 30m`);
    expect(res.text).toMatch(new RegExp(`<Message>Silenced ${code} for 30m: \\[P0\\]\\[${quiet}\\] link flapping</Message>`));
    expect(await alertOf(quiet)).toMatchObject({ silenced: true });
    await ingest.postLines([`[P0][OK][${quiet}][][link flapping]`, `[P0][PROBLEM][${quiet}][][link flapping]`], TOKEN);
    const barrier = uniqueHost();
    await ingest.postLines(`[P0][PROBLEM][${barrier}][][barrier]`, TOKEN);
    await waitFor(() => smsFor(barrier).length >= 1, { what: 'the barrier page' });
    const firing = await ui.request('GET', `/api/v1/alerts?status=firing&q=${quiet}`);
    expect(firing.body.items).toEqual([expect.objectContaining({ silenced: true })]);
    expect(smsFor(quiet).filter((m) => m.body.includes('[PROBLEM]'))).toHaveLength(1);
  });

  it('says no open alert when escalating a code the phone does not hold (escalation itself: delivery-status.e2e-spec.ts)', async () => {
    expect((await inbound(BOB, '9e')).text).toBe(twiml('No open alert 9 on this phone'));
  });

  it('answers 400 naming a missing Body or From, never a 5xx', async () => {
    const noBody = await inbound(ALICE, undefined);
    expect(noBody.status).toBe(400);
    expect(noBody.text).toContain('Body');
    const url = `${stack.baseUrl}/api/v1/twilio/sms`;
    const form = { MessageSid: 'SMx', Body: '1a' };
    const noFrom = await new TestClient(stack.baseUrl).request('POST', '/api/v1/twilio/sms', {
      body: new URLSearchParams(form).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form) },
    });
    expect(noFrom.status).toBe(400);
    expect(noFrom.text).toContain('From');
    const json = await new TestClient(stack.baseUrl).request('POST', '/api/v1/twilio/sms', { body: { From: ALICE, Body: '1a' }, headers: { 'x-twilio-signature': 'x' } });
    expect(json.status).toBe(403);
  });
});
