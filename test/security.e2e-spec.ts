/**
 * Security checks as tests (issue 7): ingest tokens, Twilio signatures, sessions and origins on UI
 * actions, sign-in throttling, and no secret or full phone number in any log line of a run that pages
 * by SMS and email and takes SMS replies.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import twilio from 'twilio';
import {
  TEST_PASSWORD,
  TestClient,
  alertDetailOf,
  createTestDatabase,
  postTwilioWebhook,
  queryRows,
  smsAbout,
  startKlaxon,
  startTwilioStandIn,
  testEnv,
  testPasswordHash,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';
import { maskPhone } from '@klaxon/observability';

jest.setTimeout(120_000);

const TOKEN = 'security-ingest-token-6f1d2c9a8b';
const FALCON_TOKEN = 'security-falcon-token-0a9b8c7d6e';
const AUTH_TOKEN = 'twilio-auth-token-security-3e4f5a';
const ALTERNATE_TOKEN = 'twilio-alternate-token-security-7b8c';
const ACCOUNT_SID = `AC${'5'.repeat(32)}`;
const SMTP_USER = 'klaxon-mailer';
const SMTP_PASSWORD = 'smtp-password-security-91ad';
const ALICE = '+15005550501';
const BOB = '+15005550502';
const STRANGER = '+15005550599';
const KLAXON_NUMBER = '+15005550006';
const WRONG_PASSWORD = 'not-the-password-d41c';
const WRONG_TOKEN = 'someone-elses-token-88b2e1';

let db: TestDatabase;
let stack: KlaxonStack;
let twilioStandIn: TwilioStandIn;
let smtp: AuthenticatingSmtp;
let redis: Redis;
let hash: string;
let ui: TestClient;
const ingest = () => new TestClient(stack.baseUrl);
const uniqueHost = (base = 'sec') => `${base}-${randomBytes(3).toString('hex')}`;

interface AuthenticatingSmtp {
  url: string;
  /** the RCPT TO addresses of each accepted message */
  accepted: string[][];
  close(): Promise<void>;
}

/** An SMTP server that, unlike the shared stand-in, requires a user and password (so the mailer really sends the secret). */
async function startAuthenticatingSmtp(): Promise<AuthenticatingSmtp> {
  const accepted: string[][] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        accepted.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, accepted, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  [twilioStandIn, smtp, db, hash] = await Promise.all([startTwilioStandIn(), startAuthenticatingSmtp(), createTestDatabase(), testPasswordHash()]);
  const smtpUrl = new URL(smtp.url);
  smtpUrl.username = SMTP_USER;
  smtpUrl.password = SMTP_PASSWORD;
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms, email], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m }
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}", email: alice@example.com }
  - { id: bob, name: Bob, role: responder, passwordHash: "${hash}", phone: "${BOB}", email: bob@example.com }
  - { id: dave, name: Dave, role: responder, passwordHash: "${hash}", email: dave@example.com }
schedules:
  - id: ops-primary
    timezone: UTC
    rotation: { members: [alice, bob], shift: 1d, start: "2026-01-05T09:00:00" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 10m }
      - { notify: [user:bob] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
  - { id: falcon, token: ${FALCON_TOKEN} }
`,
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_ALTERNATE_AUTH_TOKEN: ALTERNATE_TOKEN,
      TWILIO_FROM_NUMBER: KLAXON_NUMBER,
      TWILIO_API_BASE_URL: twilioStandIn.baseUrl,
      SMTP_URL: smtpUrl.toString(),
      EMAIL_FROM: 'Klaxon <klaxon@example.com>',
    },
  });
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
  await db?.drop();
  await twilioStandIn?.close();
  await smtp?.close();
});

/** Posts one alert line with a token and waits until the worker has stored it: later checks then see everything before it. */
async function barrier(): Promise<void> {
  const host = uniqueHost('barrier');
  expect((await ingest().postLines(`[P5][PROBLEM][${host}][][barrier]`, TOKEN)).status).toBe(202);
  await waitFor(async () => (await queryRows(db.url, 'SELECT 1 FROM alerts WHERE host = $1', [host])).length === 1, { what: 'the barrier alert' });
}

async function storedFor(host: string): Promise<{ alerts: number; rejected: number }> {
  const [alerts, rejected] = await Promise.all([
    queryRows(db.url, 'SELECT 1 FROM alerts WHERE host LIKE $1', [`%${host}%`]),
    queryRows(db.url, 'SELECT 1 FROM rejected_inputs WHERE input LIKE $1', [`%${host}%`]),
  ]);
  return { alerts: alerts.length, rejected: rejected.length };
}

/** A P0 paged to alice by SMS; resolves to its number once the page is out. */
async function pagedAlert(): Promise<{ host: string; number: number }> {
  const host = uniqueHost('paged');
  expect((await ingest().postLines(`[P0][PROBLEM][${host}][10.0.0.1][host is down]`, TOKEN)).status).toBe(202);
  await waitFor(() => smsAbout(twilioStandIn, host).length >= 1, { what: 'the SMS page' });
  const alert = await alertDetailOf(ui, host);
  return { host, number: alert.number };
}

describe('ingest without a valid integration token', () => {
  type Ingest = { name: string; method: 'GET' | 'POST'; path: (host: string, query: string) => string; contentType?: string; body?: (host: string) => string };
  const endpoints: Ingest[] = [
    { name: 'lines', method: 'POST', path: (_h, q) => `/api/v1/alerts${q}`, contentType: 'text/plain', body: (h) => `[P0][PROBLEM][${h}][][x]` },
    { name: 'JSON', method: 'POST', path: (_h, q) => `/api/v1/alerts${q}`, contentType: 'application/json', body: (h) => JSON.stringify({ priority: 'P0', status: 'PROBLEM', host: h, message: 'x' }) },
    {
      name: 'Alertmanager',
      method: 'POST',
      path: (_h, q) => `/api/v1/alerts/alertmanager${q}`,
      contentType: 'application/json',
      body: (h) => JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'X', host: h }, annotations: { summary: 'x' } }] }),
    },
    { name: 'Open-Falcon form', method: 'POST', path: (_h, q) => `/api/v1/alerts/open-falcon${q}`, contentType: 'application/x-www-form-urlencoded', body: (h) => `endpoint=${h}&metric=cpu&status=PROBLEM` },
    { name: 'Open-Falcon GET', method: 'GET', path: (h, q) => `/api/v1/alerts/open-falcon${q === '' ? '?' : `${q}&`}endpoint=${h}&metric=cpu&status=PROBLEM` },
  ];
  const credentials: Array<[string, { headers?: Record<string, string>; query?: string }]> = [
    ['no token', {}],
    ['a wrong Bearer token', { headers: { authorization: `Bearer ${WRONG_TOKEN}` } }],
    ['a wrong ?token=', { query: `?token=${WRONG_TOKEN}` }],
    ['the token in Basic auth', { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } }],
    ['the token given twice', { query: `?token=${TOKEN}&token=${TOKEN}` }],
    ['the token with a suffix', { headers: { authorization: `Bearer ${TOKEN}x` } }],
    ['an empty Bearer', { headers: { authorization: 'Bearer ' } }],
  ];
  const cases = endpoints.flatMap((endpoint) => credentials.map(([how, auth]) => [endpoint.name, how, endpoint, auth] as const));

  it.each(cases)('%s with %s: 401 naming the problem, and nothing stored', async (_name, _how, endpoint, auth) => {
    const host = uniqueHost('denied');
    const res = await ingest().request(endpoint.method, endpoint.path(host, auth.query ?? ''), {
      ...(endpoint.body ? { body: endpoint.body(host), contentType: endpoint.contentType } : {}),
      headers: auth.headers ?? {},
    });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/token|Authorization/);
    expect(res.body).not.toHaveProperty('accepted');
    await barrier();
    expect(await storedFor(host)).toEqual({ alerts: 0, rejected: 0 });
  });

  it.each([
    ['a content type ingest does not take', 'application/xml', () => '<alert/>', 415],
    ['a body over 1 MiB', 'text/plain', () => 'x'.repeat(1024 * 1024 + 1), 413],
    ['broken JSON', 'application/json', () => '{"priority":', 400],
  ])('says 401 before anything about the body: %s', async (_case, contentType, body, withTokenStatus) => {
    const host = uniqueHost('denied');
    const anonymous = await ingest().request('POST', '/api/v1/alerts', { body: `${body()}\n${host}`, contentType });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.message).toContain('integration token');
    // with the token, the body's own problem is named (and kept in the rejected-input log)
    const known = await ingest().request('POST', '/api/v1/alerts', { body: body(), contentType, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(known.status).toBe(withTokenStatus);
    expect(known.body.message).toEqual(expect.any(String));
    await barrier();
    expect(await storedFor(host)).toEqual({ alerts: 0, rejected: 0 });
  });

  it('accepts the right token, so the refusals above are about the token', async () => {
    const host = uniqueHost('allowed');
    expect((await ingest().request('POST', `/api/v1/alerts?token=${TOKEN}`, { body: `[P4][PROBLEM][${host}][][x]` })).status).toBe(202);
    expect((await ingest().request('GET', `/api/v1/alerts/open-falcon?token=${FALCON_TOKEN}&endpoint=${host}-f&metric=cpu&status=PROBLEM`)).status).toBe(202);
    await waitFor(async () => (await storedFor(host)).alerts === 2, { what: 'both alerts' });
  });
});

describe('inbound Twilio requests that Twilio did not sign', () => {
  const SMS_PATH = '/api/v1/twilio/sms';
  let paged: { host: string; number: number };
  let sidCounter = 0;
  const smsForm = (from: string, body: string): Record<string, string> => ({
    MessageSid: `SM${String(++sidCounter).padStart(32, '0')}`,
    AccountSid: ACCOUNT_SID,
    From: from,
    To: KLAXON_NUMBER,
    Body: body,
  });
  /** Posts a form with exactly this signature header (or none). */
  const postSigned = (path: string, form: Record<string, string>, signature: string | null) =>
    postTwilioWebhook(stack.baseUrl, path, form, { authToken: AUTH_TOKEN, signature });
  const sign = (url: string, form: Record<string, string>, token = AUTH_TOKEN) => twilio.getExpectedTwilioSignature(token, url, form);
  const unchanged = async () => {
    const alert = await alertDetailOf(ui, paged.host);
    expect(alert).toMatchObject({ status: 'firing', silenced: false, acknowledgedBy: null });
    expect(alert.events.map((e: { type: string }) => e.type)).not.toEqual(expect.arrayContaining(['acknowledged']));
    expect(await redis.exists(`${stack.env.KLAXON_QUEUE_PREFIX!}:sms-optout:${ALICE}`)).toBe(0);
  };

  beforeAll(async () => {
    paged = await pagedAlert();
  });

  it('refuses an SMS reply without a signature, with a bad one, or signed with another token: 403 and nothing changes', async () => {
    const form = smsForm(ALICE, '1a');
    for (const signature of [null, '', 'not-a-signature', sign(`${stack.baseUrl}${SMS_PATH}`, form, 'some-other-auth-token')]) {
      const res = await postSigned(SMS_PATH, form, signature);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('missing or invalid X-Twilio-Signature');
    }
    await unchanged();
  });

  it('refuses a reply signed for another URL: 403 and nothing changes', async () => {
    const form = smsForm(ALICE, '1a');
    const elsewhere = [
      `https://evil.example${SMS_PATH}`,
      `${stack.baseUrl}/api/v1/twilio/status`,
      `${stack.baseUrl}${SMS_PATH}?x=1`,
      `${stack.baseUrl.replace('127.0.0.1', 'localhost')}${SMS_PATH}`,
    ];
    for (const url of elsewhere) expect((await postSigned(SMS_PATH, form, sign(url, form))).status).toBe(403);
    await unchanged();
  });

  it('refuses a signed request replayed with a changed body: 403 and nothing changes', async () => {
    const list = smsForm(ALICE, 'list');
    const signature = sign(`${stack.baseUrl}${SMS_PATH}`, list);
    const original = await postSigned(SMS_PATH, list, signature);
    expect(original.status).toBe(200);
    expect(original.text).toContain('Open alerts');
    for (const changed of [
      { ...list, Body: '1a' },
      { ...list, Body: 'stop' },
      { ...list, Body: 'aa' },
      { ...list, From: BOB },
      { ...list, Extra: '1' },
    ]) {
      const res = await postSigned(SMS_PATH, changed, signature);
      expect(res.status).toBe(403);
    }
    await unchanged();
  });

  it('refuses a status callback replayed with another status: 403, and the notification keeps its status', async () => {
    const [page] = smsAbout(twilioStandIn, paged.host);
    const delivered = { MessageSid: page!.sid, AccountSid: ACCOUNT_SID, MessageStatus: 'delivered', To: ALICE, From: KLAXON_NUMBER };
    const url = `${stack.baseUrl}/api/v1/twilio/status`;
    const signature = sign(url, delivered);
    for (const status of ['undelivered', 'failed']) {
      const res = await postSigned('/api/v1/twilio/status', { ...delivered, MessageStatus: status, ErrorCode: '30003' }, signature);
      expect(res.status).toBe(403);
    }
    expect((await postSigned('/api/v1/twilio/status', delivered, null)).status).toBe(403);
    const alert = await alertDetailOf(ui, paged.host);
    const sms = alert.notifications.find((n: { providerId: string }) => n.providerId === page!.sid);
    expect(sms.status).not.toMatch(/undelivered|failed/);
    const aboutThisSms = (e: { type: string; detail?: { providerId?: string } }) => e.detail?.providerId === page!.sid;
    expect(alert.events.filter(aboutThisSms).map((e: { type: string }) => e.type)).toEqual(['notified']);
    // the genuine callback is taken
    expect((await postSigned('/api/v1/twilio/status', delivered, signature)).status).toBe(200);
    await waitFor(async () => (await alertDetailOf(ui, paged.host)).events.some((e: { type: string }) => e.type === 'delivered'), { what: 'the delivered event' });
  });

  it('refuses unsigned or replayed voice webhooks with 403', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const keys = { CallSid: `CA${'1'.repeat(32)}`, AccountSid: ACCOUNT_SID, Digits: '5' };
    const keysPath = `/api/v1/twilio/voice/${id}/keys`;
    expect((await postSigned(keysPath, keys, null)).status).toBe(403);
    expect((await postSigned(keysPath, { ...keys, Digits: '4' }, sign(`${stack.baseUrl}${keysPath}`, keys))).status).toBe(403);
    expect((await postSigned(`/api/v1/twilio/voice/${id}`, keys, sign(`${stack.baseUrl}${keysPath}`, keys))).status).toBe(403);
    const callStatus = { CallSid: `CA${'2'.repeat(32)}`, AccountSid: ACCOUNT_SID, CallStatus: 'completed' };
    const statusSignature = sign(`${stack.baseUrl}/api/v1/twilio/voice-status`, callStatus);
    expect((await postSigned('/api/v1/twilio/voice-status', { ...callStatus, CallStatus: 'failed' }, statusSignature)).status).toBe(403);
    expect((await postSigned('/api/v1/twilio/voice-status', callStatus, statusSignature)).status).toBe(200);
  });

  it('takes the same reply when it is signed, with the token or the alternate one', async () => {
    const res = await postSigned(SMS_PATH, smsForm(ALICE, '1a'), null);
    expect(res.status).toBe(403);
    const form = smsForm(ALICE, `ack #${paged.number}`);
    const signed = await postSigned(SMS_PATH, form, sign(`${stack.baseUrl}${SMS_PATH}`, form, ALTERNATE_TOKEN));
    expect(signed.status).toBe(200);
    expect(signed.text).toContain(`Acknowledged #${paged.number}`);
    expect(await alertDetailOf(ui, paged.host)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'sms' });
  });
});

describe('UI actions', () => {
  let target: { host: string; number: number };
  const actions = (number: number): Array<[string, string, object | undefined]> => [
    ['POST', `/api/v1/alerts/${number}/ack`, undefined],
    ['POST', `/api/v1/alerts/${number}/resolve`, undefined],
    ['POST', `/api/v1/alerts/${number}/escalate`, undefined],
    ['POST', `/api/v1/alerts/${number}/silence`, { duration: '1h' }],
    ['POST', '/api/v1/alerts/ack', { numbers: [number] }],
    ['POST', '/api/v1/silences', { matchers: { host: '*' }, duration: '1h', comment: 'from elsewhere' }],
    ['DELETE', '/api/v1/silences/00000000-0000-4000-8000-000000000000', undefined],
    ['POST', '/api/v1/schedules/ops-primary/overrides', { user: 'bob', from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' }],
    ['POST', '/api/v1/tokens', { name: 'from elsewhere' }],
    ['DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', undefined],
    ['POST', '/api/v1/config/reload', undefined],
  ];
  const unchanged = async () => {
    expect(await alertDetailOf(ui, target.host)).toMatchObject({ status: 'firing', silenced: false, acknowledgedBy: null });
    expect((await ui.request('GET', '/api/v1/silences')).body.items).toEqual([]);
    expect(await queryRows(db.url, 'SELECT 1 FROM schedule_overrides')).toEqual([]);
    expect(await queryRows(db.url, 'SELECT 1 FROM api_tokens')).toEqual([]);
  };

  beforeAll(async () => {
    target = await pagedAlert();
  });

  it('refuses every action without a session: 401 naming it', async () => {
    for (const [method, path, body] of actions(target.number)) {
      const res = await new TestClient(stack.baseUrl).request(method, path, { ...(body ? { body } : {}), headers: { origin: stack.origin } });
      expect({ path, status: res.status, message: res.body.message }).toEqual({ path, status: 401, message: 'sign in first' });
    }
    const forged = await new TestClient(stack.baseUrl).request('POST', `/api/v1/alerts/${target.number}/ack`, { headers: { origin: stack.origin, cookie: 'klaxon_session=forged-session-token' } });
    expect(forged.status).toBe(401);
    await unchanged();
  });

  it.each([
    ['another origin', () => 'https://evil.example'],
    ['a look-alike origin', () => `${stack.origin}.evil.example`],
    ['the null origin', () => 'null'],
    ['no Origin header', () => undefined],
  ])('refuses every action with the session cookie but %s: 403', async (_case, originOf) => {
    const origin = originOf();
    for (const [method, path, body] of actions(target.number)) {
      const headers: Record<string, string> = { cookie: ui.sessionCookie! };
      if (origin !== undefined) headers.origin = origin;
      // TestClient would add our own origin: a raw fetch sends exactly these headers
      const res = await fetch(stack.baseUrl + path, {
        method,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const answer = (await res.json()) as { message?: string };
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(answer.message).toMatch(/origin/i);
    }
    await unchanged();
  });

  it('allows the same action from our own origin', async () => {
    const res = await ui.request('POST', `/api/v1/alerts/${target.number}/ack`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'web' });
  });
});

describe('sign-in throttling', () => {
  const attemptKeys = () => redis.keys(`${stack.env.KLAXON_QUEUE_PREFIX!}:login-attempts:*`);

  it('answers 429 with Retry-After after repeated bad passwords, refuses the right one until the window passes, then lets it in', async () => {
    const client = new TestClient(stack.baseUrl);
    for (let i = 0; i < 5; i++) {
      const res = await client.login('dave', `${WRONG_PASSWORD}-${i}`);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('invalid username or password');
    }
    const throttled = await client.login('dave', WRONG_PASSWORD);
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(throttled.body).toMatchObject({ message: 'too many failed sign-ins; try again later', retryAfterSeconds: retryAfter });

    // the right password does not get through either, however often it is tried, and sets no cookie
    for (let i = 0; i < 3; i++) {
      const right = await client.login('dave', TEST_PASSWORD);
      expect(right.status).toBe(429);
      expect(right.headers.get('set-cookie')).toBeNull();
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(client.sessionCookie).toBeNull();

    // the window is the counters' time to live in Redis; let it run out
    const keys = await attemptKeys();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(retryAfter * 1000 + 1000);
      await redis.pexpire(key, 1);
    }
    await waitFor(async () => (await attemptKeys()).length === 0, { what: 'the throttle window to pass' });
    const after = await client.login('dave', TEST_PASSWORD);
    expect(after.status).toBe(200);
    expect(after.body.user.id).toBe('dave');
  });
});

describe('logs', () => {
  it('hold no secret and no full phone number after a run that pages and takes SMS replies', async () => {
    // a run through what touches secrets and phone numbers: pages by SMS and email, replies from a user and a stranger,
    // a delivery status, sign-ins right and wrong, refused tokens and signatures
    const { host } = await pagedAlert();
    // the page's email went out through the server that wants the SMTP password
    await waitFor(() => smtp.accepted.some((to) => to.includes('alice@example.com')), { what: 'the page by email' });
    const url = `${stack.baseUrl}/api/v1/twilio/sms`;
    const reply = (from: string, body: string) => {
      const form = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT_SID, From: from, To: KLAXON_NUMBER, Body: body };
      return postTwilioWebhook(stack.baseUrl, '/api/v1/twilio/sms', form, { authToken: AUTH_TOKEN, signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form) });
    };
    expect((await reply(ALICE, 'list')).status).toBe(200);
    expect((await reply(STRANGER, '1a')).status).toBe(200);
    expect((await reply(BOB, 'help')).status).toBe(200);
    expect((await reply(ALICE, '1a')).status).toBe(200);
    expect((await postTwilioWebhook(stack.baseUrl, '/api/v1/twilio/sms', { From: ALICE, Body: '1c' }, { authToken: AUTH_TOKEN, signature: 'forged' })).status).toBe(403);
    const [page] = smsAbout(twilioStandIn, host);
    const status = { MessageSid: page!.sid, AccountSid: ACCOUNT_SID, MessageStatus: 'undelivered', ErrorCode: '30003', To: ALICE, From: KLAXON_NUMBER };
    expect((await postTwilioWebhook(stack.baseUrl, '/api/v1/twilio/status', status, { authToken: AUTH_TOKEN })).status).toBe(200);
    expect((await new TestClient(stack.baseUrl).login('bob', WRONG_PASSWORD)).status).toBe(401);
    const bob = new TestClient(stack.baseUrl);
    expect((await bob.login('bob', TEST_PASSWORD)).status).toBe(200);
    expect((await ingest().postLines(`[P1][PROBLEM][${host}][][x]`, WRONG_TOKEN)).status).toBe(401);
    await barrier();

    const sessionTokens = [ui.sessionCookie!, bob.sessionCookie!].map((cookie) => cookie.split('=')[1]!);
    await stack.stop(); // every line written and read
    const lines = stack.logs().split('\n');
    // the run did log what happened, with the numbers masked
    expect(lines.some((line) => line.includes(maskPhone(STRANGER)))).toBe(true);
    expect(lines.some((line) => line.includes(maskPhone(ALICE)))).toBe(true);

    const secrets: Record<string, string> = {
      'the Twilio auth token': AUTH_TOKEN,
      'the alternate Twilio auth token': ALTERNATE_TOKEN,
      SESSION_SECRET: stack.env.SESSION_SECRET!,
      'the ingest token': TOKEN,
      'the Open-Falcon token': FALCON_TOKEN,
      'a refused token': WRONG_TOKEN,
      'the argon2 hash': hash,
      "the hash's salt and digest": hash.split('$').slice(-2).join('$'),
      'the SMTP password': SMTP_PASSWORD,
      'the password': TEST_PASSWORD,
      'a wrong password': WRONG_PASSWORD,
      "alice's session token": sessionTokens[0]!,
      "bob's session token": sessionTokens[1]!,
    };
    for (const phone of [ALICE, BOB, STRANGER]) {
      secrets[`the phone number ${maskPhone(phone)}`] = phone;
      secrets[`the phone number ${maskPhone(phone)} without +`] = phone.slice(1);
      secrets[`the phone number ${maskPhone(phone)} URL-encoded`] = encodeURIComponent(phone);
    }
    const leaks = Object.entries(secrets).flatMap(([what, secret]) => lines.filter((line) => line.includes(secret)).map((line) => `${what}: ${line.slice(0, 400)}`));
    expect(leaks).toEqual([]);
  });
});
