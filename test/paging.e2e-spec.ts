import { randomBytes } from 'node:crypto';
import { verifyWebhookSignature } from '@klaxon/notify';
import {
  TEST_PASSWORD,
  TEST_TWILIO,
  alertDetailOf,
  smsAbout,
  testPasswordHash,
  twilioEnv,
  TestClient,
  createTestDatabase,
  queryRows,
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

jest.setTimeout(120_000);

const TOKEN = 'paging-test-token-0123456789';
const ACCOUNT_SID = TEST_TWILIO.accountSid;
const ALICE = '+15005550101';
const CAROL = '+15005550103';
const HOOK_SECRET = 'hook-secret-0123456789';

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let smtp: SmtpStandIn;
let im: WebhookStandIn;
let ingest: TestClient;
let ui: TestClient;

const uniqueHost = (base = 'web') => `${base}-${randomBytes(3).toString('hex')}`;
const smsFor = (host: string) => smsAbout(twilio, host);
const mailsFor = (host: string) => smtp.mails.filter((m) => m.subject.includes(host));
const imFor = (host: string, path: string) => im.requests.filter((r) => r.path === path && r.rawBody.includes(host));

const alertOf = (host: string) => alertDetailOf(ui, host);

beforeAll(async () => {
  [twilio, smtp, im] = await Promise.all([startTwilioStandIn(), startSmtpStandIn(), startWebhookStandIn()]);
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  const config = `
tiers:
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
delivery: { attempts: 3, backoff: 100ms }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}", email: alice@example.com, im: { slack: U0ALICE } }
  - { id: carol, name: Carol, phone: "${CAROL}", email: carol@example.com }
channels:
  - { id: ops-slack, type: slack, url: "${im.url('/slack/T000/B000/XXX')}" }
  - { id: ops-hook, type: webhook, url: "${im.url('/hook')}", secret: "${HOOK_SECRET}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice, channel:ops-slack, channel:ops-hook] }
  - id: dba
    steps:
      - { notify: [user:carol] }
routes:
  - match: { host: "db-*", priority: [P0, P1] }
    policy: dba
  - policy: ops
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

const post = async (lines: string | string[]) => {
  const res = await ingest.postLines(lines, TOKEN);
  expect(res.status).toBe(202);
  return res;
};

describe('a P0', () => {
  it('pages the routed person by SMS (real Twilio SDK), email (SMTP), Slack and a signed webhook', async () => {
    const host = uniqueHost();
    await post(`[P0][PROBLEM][${host}][10.0.0.1][host is down]`);

    const [sms] = await waitFor(() => (smsFor(host).length === 1 ? smsFor(host) : undefined), { what: 'the SMS' });
    const alert = await waitFor(() => alertOf(host));
    expect(sms).toMatchObject({ accountSid: ACCOUNT_SID, authUser: ACCOUNT_SID, to: ALICE, from: '+15005550006' });
    expect(sms!.body).toBe(`[P0][PROBLEM][${host}][10.0.0.1][host is down] #${alert.number} - reply 1a ack, 1s silence 1h`);
    expect(sms!.statusCallback).toBe(`${stack.baseUrl}/api/v1/twilio/status`);

    const [mail] = await waitFor(() => (mailsFor(host).length === 1 ? mailsFor(host) : undefined), { what: 'the email' });
    expect(mail).toMatchObject({ to: ['alice@example.com'], subject: `[P0][PROBLEM] ${host}: host is down (#${alert.number})` });
    expect(mail!.text).toContain(`[P0][PROBLEM][${host}][10.0.0.1][host is down]`);
    expect(mail!.html).toContain(host);

    const [slack] = await waitFor(() => (imFor(host, '/slack/T000/B000/XXX').length === 1 ? imFor(host, '/slack/T000/B000/XXX') : undefined));
    const slackBody = slack!.json as { text: string; blocks: unknown[] };
    expect(slackBody.text).toContain(host);
    expect(slackBody.blocks.length).toBeGreaterThan(0);
    expect(slack!.rawBody).toContain('<@U0ALICE>');

    const [hook] = await waitFor(() => (imFor(host, '/hook').length === 1 ? imFor(host, '/hook') : undefined));
    expect(hook!.json).toMatchObject({ event: 'alert.problem', alert: { number: alert.number, priority: 'P0', host, message: 'host is down' } });
    expect(verifyWebhookSignature(HOOK_SECRET, hook!.headers['x-klaxon-timestamp']!, hook!.rawBody, hook!.headers['x-klaxon-signature']!)).toBe(true);
    expect(verifyWebhookSignature(HOOK_SECRET, hook!.headers['x-klaxon-timestamp']!, hook!.rawBody.replace('host is down', 'all fine'), hook!.headers['x-klaxon-signature']!)).toBe(false);

    // who was paged, how, with what result: on the timeline and in the notifications
    const detail = await waitFor(async () => {
      const a = await alertOf(host);
      return a.events.filter((e: { type: string }) => e.type === 'notified').length === 4 ? a : undefined;
    });
    expect(detail.notifications.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`).sort()).toEqual(['email:sent', 'slack:sent', 'sms:sent', 'webhook:sent']);
    const smsNotification = detail.notifications.find((n: { channel: string }) => n.channel === 'sms');
    expect(smsNotification.providerId).toBe(sms!.sid);
    const notified = detail.events.find((e: { type: string; via: string }) => e.type === 'notified' && e.via === 'sms');
    expect(notified).toMatchObject({ actor: 'alice', via: 'sms' });
    expect(notified.detail.to).not.toContain(ALICE); // masked on the timeline
  });

  it('never lets a CR/LF in an alert become a header: not in the email, the webhook or the SMS', async () => {
    const host = uniqueHost();
    const injected = '\r\nBcc: mallory@evil.example\r\nX-Injected: 1\r\n\r\n<b>body</b>';
    const res = await ingest.request('POST', '/api/v1/alerts', {
      body: { priority: 'P0', status: 'PROBLEM', host, message: `disk full${injected}`, labels: { note: `see runbook${injected}` } },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(202);

    const [mail] = await waitFor(() => (mailsFor(host).length === 1 ? mailsFor(host) : undefined), { what: 'the email' });
    expect(mail!.envelope.to).toEqual(['alice@example.com']);
    expect(mail!.to).toEqual(['alice@example.com']);
    expect(Object.keys(mail!.headers).filter((h) => h === 'bcc' || h === 'x-injected')).toEqual([]);
    const headerBlock = mail!.raw.slice(0, mail!.raw.indexOf('\r\n\r\n'));
    // the text stays in the subject, folded onto continuation lines (which start with a space), never a header line of its own
    expect(headerBlock.split('\r\n').filter((line) => /^(bcc|x-injected)\s*:/i.test(line))).toEqual([]);
    expect(mail!.subject).toContain('disk full Bcc: mallory@evil.example');
    expect(mail!.subject).not.toMatch(/[\r\n]/);

    const [hook] = await waitFor(() => (imFor(host, '/hook').length === 1 ? imFor(host, '/hook') : undefined), { what: 'the webhook' });
    expect(hook!.headers['x-injected']).toBeUndefined();
    expect(hook!.headers.bcc).toBeUndefined();
    expect((hook!.json as { alert: { host: string } }).alert.host).toBe(host);

    const [sms] = await waitFor(() => (smsFor(host).length === 1 ? smsFor(host) : undefined), { what: 'the SMS' });
    expect(sms!.body).not.toMatch(/[\r\n]/);
    expect(Object.keys(sms!.params).filter((k) => !['To', 'From', 'Body', 'StatusCallback'].includes(k))).toEqual([]);
  });

  it('reaches the DBA route for db-* hosts, and nobody else', async () => {
    const host = uniqueHost('db');
    await post(`[P0][PROBLEM][${host}][10.0.0.9][disk full]`);
    const [sms] = await waitFor(() => (smsFor(host).length === 1 ? smsFor(host) : undefined), { what: 'the DBA SMS' });
    expect(sms!.to).toBe(CAROL);
    const detail = await waitFor(async () => {
      const a = await alertOf(host);
      return a?.notifications.length === 2 && a.notifications.every((n: { status: string }) => n.status === 'sent') ? a : undefined;
    });
    expect(detail.policy).toBe('dba');
    expect(detail.notifications.map((n: { userId: string; channel: string }) => `${n.userId}:${n.channel}`).sort()).toEqual(['carol:email', 'carol:sms']);
    expect(imFor(host, '/slack/T000/B000/XXX')).toEqual([]);
  });

  it('pages nobody again for 200 copies', async () => {
    const host = uniqueHost();
    const line = `[P0][PROBLEM][${host}][10.0.0.2][host is down]`;
    await post(Array.from({ length: 100 }, () => line));
    await Promise.all(Array.from({ length: 100 }, () => post(line)));
    await waitFor(async () => (await alertOf(host))?.count === 200, { what: 'count 200' });
    await waitFor(async () => (await alertOf(host)).notifications.every((n: { status: string }) => n.status === 'sent'), { what: 'the pages to finish' });
    expect(smsFor(host)).toHaveLength(1);
    expect(mailsFor(host)).toHaveLength(1);
    expect((await alertOf(host)).notifications).toHaveLength(4);
  });

  it('sends the recovery notice on OK to everyone paged, through the same channels', async () => {
    const host = uniqueHost();
    await post(`[P0][PROBLEM][${host}][10.0.0.3][nginx down]`);
    await waitFor(() => smsFor(host).length === 1 && mailsFor(host).length === 1, { what: 'the pages' });
    await waitFor(async () => (await alertOf(host)).notifications.filter((n: { status: string }) => n.status === 'sent').length === 4);
    await post(`[P0][OK][${host}][10.0.0.3][nginx down]`);
    const recovery = await waitFor(() => smsFor(host).find((m) => m.body.includes('[OK]')), { what: 'the recovery SMS' });
    const alert = await alertOf(host);
    expect(recovery.body).toBe(`[P0][OK][${host}][10.0.0.3][nginx down] #${alert.number} resolved by monitoring`);
    expect(recovery.to).toBe(ALICE);
    await waitFor(() => mailsFor(host).some((m) => m.subject.startsWith('[P0][OK]')), { what: 'the recovery email' });
    await waitFor(() => imFor(host, '/hook').some((r) => (r.json as { event: string }).event === 'alert.ok'), { what: 'the recovery webhook' });
    await waitFor(() => imFor(host, '/slack/T000/B000/XXX').length === 2, { what: 'the recovery Slack message' });
  });
});

describe('acting on an alert (REST)', () => {
  it('acknowledges as the signed-in user, on the timeline; a second acknowledge is a 409 naming who', async () => {
    const host = uniqueHost();
    await post(`[P2][PROBLEM][${host}][][queue depth 900]`);
    const alert = await waitFor(() => alertOf(host));
    const ack = await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ number: alert.number, status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedVia: 'web' });
    const again = await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`);
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`#${alert.number} is already acknowledged by alice via web`);
    const detail = await alertOf(host);
    expect(detail.events.find((e: { type: string }) => e.type === 'acknowledged')).toMatchObject({ actor: 'alice', via: 'web' });
  });

  it('resolves by hand and tells those who were paged, naming who resolved it', async () => {
    const host = uniqueHost();
    await post(`[P0][PROBLEM][${host}][10.0.0.8][api 5xx rate 40%]`);
    await waitFor(() => smsFor(host).length === 1, { what: 'the page' });
    await waitFor(async () => (await alertOf(host)).notifications.filter((n: { status: string }) => n.status === 'sent').length === 4);
    const alert = await alertOf(host);
    const resolved = await ui.request('POST', `/api/v1/alerts/${alert.number}/resolve`);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'alice', resolvedVia: 'web' });
    const recovery = await waitFor(() => smsFor(host).find((m) => m.body.includes('[OK]')), { what: 'the recovery SMS' });
    expect(recovery.body).toBe(`[P0][OK][${host}][10.0.0.8][api 5xx rate 40%] #${alert.number} resolved by alice`);
    expect((await ui.request('POST', `/api/v1/alerts/${alert.number}/resolve`)).status).toBe(409);
  });

  it('acknowledges many at once, answering each number', async () => {
    const hosts = [uniqueHost(), uniqueHost()];
    await post(hosts.map((h) => `[P3][PROBLEM][${h}][][batch ack]`));
    const numbers = await Promise.all(hosts.map(async (h) => (await waitFor(() => alertOf(h))).number));
    const res = await ui.request('POST', '/api/v1/alerts/ack', { body: { numbers: [...numbers, 999999] } });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { number: numbers[0], ok: true },
      { number: numbers[1], ok: true },
      { number: 999999, ok: false, error: 'alert #999999 does not exist' },
    ]);
    expect((await ui.request('POST', '/api/v1/alerts/ack', { body: { numbers: 'all' } })).status).toBe(400);
  });

  it('needs a session and our own origin', async () => {
    expect((await new TestClient(stack.baseUrl).request('POST', '/api/v1/alerts/1/ack')).status).toBe(401);
    const foreign = await ui.request('POST', '/api/v1/alerts/1/ack', { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});

describe('delivery failures', () => {
  it('retries a Twilio 500 without sending twice', async () => {
    const host = uniqueHost();
    twilio.failNext(2, 500);
    const before = twilio.requests.length;
    await post(`[P1][PROBLEM][${host}][][queue stuck]`);
    const [sms] = await waitFor(() => (smsFor(host).length === 1 ? smsFor(host) : undefined), { what: 'the SMS after two 500s' });
    const requests = twilio.requests.slice(before);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(3);
    // each retry first asked Twilio whether the failed try had gone out after all
    expect(requests.filter((r) => r.method === 'GET' && r.path.includes('/Messages.json?'))).toHaveLength(2);
    const detail = await waitFor(async () => {
      const a = await alertOf(host);
      return a?.notifications[0]?.status === 'sent' ? a : undefined;
    });
    expect(detail.notifications).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', attempts: 3, providerId: sms!.sid })]);
    expect(smsFor(host)).toHaveLength(1);
    expect(detail.events.filter((e: { type: string }) => e.type === 'notified')).toHaveLength(1);
  });

  it('falls back to the next contact method when Twilio keeps failing, all on the timeline', async () => {
    const host = uniqueHost();
    // SMS fails 3 times, then the voice fallback fails 3 times (SPEC §7: sms → voice → email), then email
    twilio.failNext(6, 500);
    await post(`[P1][PROBLEM][${host}][][replication broken]`);
    const [mail] = await waitFor(() => (mailsFor(host).length === 1 ? mailsFor(host) : undefined), { what: 'the fallback email' });
    expect(mail!.to).toEqual(['alice@example.com']);
    expect(smsFor(host)).toEqual([]);
    const detail = await waitFor(async () => {
      const a = await alertOf(host);
      return a?.notifications.length === 3 && a.notifications.every((n: { status: string }) => n.status !== 'queued' && n.status !== 'sending') ? a : undefined;
    });
    expect(detail.notifications.map((n: { channel: string; status: string; attempts: number }) => [n.channel, n.status, n.attempts])).toEqual([
      ['sms', 'failed', 3],
      ['voice', 'failed', 3],
      ['email', 'sent', 1],
    ]);
    const types = detail.events.map((e: { type: string; via: string | null }) => `${e.type}${e.via ? `:${e.via}` : ''}`);
    expect(types).toEqual(expect.arrayContaining(['failed:sms', 'notified:email']));
    expect(types.indexOf('failed:sms')).toBeLessThan(types.indexOf('notified:email'));
  });
});

describe('latency', () => {
  const p0Latency = async (host: string, onSms?: () => Promise<void>) => {
    const sent = performance.timeOrigin + performance.now();
    await post(`[P0][PROBLEM][${host}][10.0.0.5][host is down]`);
    const [sms] = await waitFor(() => (smsFor(host).length === 1 ? smsFor(host) : undefined), { timeoutMs: 30_000, intervalMs: 5, what: `the SMS for ${host}` });
    await onSms?.();
    return sms!.receivedAt - sent;
  };

  it('pages a P0 posted in the middle of 20,000 P5 lines about as fast as at idle', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push(await p0Latency(uniqueHost('idle')));
    const flood = (n: number) => Array.from({ length: 10_000 }, (_, i) => `[P5][PROBLEM][flood-${n}-${i}][][disk ${i % 100}%]`);
    let floodTriagedAtPage = -1;
    // the first 10,000 are queued before the P0 is posted; the next 10,000 go in with it
    const a = await ingest.postLines(flood(1), TOKEN);
    const duringFlood = p0Latency(uniqueHost('flood'), async () => {
      floodTriagedAtPage = Number((await queryRows<{ n: string }>(db.url, "SELECT count(*) AS n FROM alerts WHERE host LIKE 'flood-%'"))[0]!.n);
    });
    const second = ingest.postLines(flood(2), TOKEN);
    const [b, latency] = await Promise.all([second, duringFlood]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const idleMedian = [...idle].sort((x, y) => x - y)[2]!;
    // eslint-disable-next-line no-console
    console.log(`P0 POST → SMS: idle median ${idleMedian.toFixed(1)} ms, during a 20,000-line P5 flood ${latency.toFixed(1)} ms (${floodTriagedAtPage} of the flood triaged by then)`);
    // Queued behind the flood, it would have waited for the 10,000 queued before it; it overtook them.
    expect(floodTriagedAtPage).toBeLessThan(10_000);
    expect(latency).toBeLessThan(Math.max(2000, idleMedian * 20));
  });
});
