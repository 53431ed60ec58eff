import { freePort } from '../../../testing/src/free-port';
import { startTwilioStandIn, twilioError, type TwilioStandIn } from '../../../testing/src/stand-ins/twilio-stand-in';
import { TwilioBaseUrlRequestClient } from './twilio-base-url.request-client';
import { TwilioSmsChannel, type SmsMessage } from './twilio-sms.channel';
import { deliveryErrorOf } from './channel-spec-helpers';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789';
const FROM = '+15005550006';

function anSms(overrides: Partial<SmsMessage> = {}): SmsMessage {
  return {
    kind: 'sms',
    to: '+15005550001',
    body: '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 ×3 — reply 1a ack, 1s silence 1h',
    idempotencyKey: 'n-1',
    statusCallbackUrl: 'https://klaxon.example.com/api/v1/twilio/status',
    ...overrides,
  };
}

describe('TwilioSmsChannel against the Twilio stand-in', () => {
  let standIn: TwilioStandIn;
  let channel: TwilioSmsChannel;

  beforeAll(async () => {
    standIn = await startTwilioStandIn({ authToken: AUTH_TOKEN });
    channel = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM, apiBaseUrl: standIn.baseUrl });
  });

  afterAll(async () => {
    await channel.close();
    await standIn.close();
  });

  afterEach(() => standIn.respondWith(null));

  it('sends the SDK-built request: account path, form fields, basic auth', async () => {
    const receipt = await channel.send(anSms());

    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.headers['user-agent']).toMatch(/^twilio-node\/6\./);
    expect(request.authUser).toBe(ACCOUNT_SID);
    expect(request.authPassword).toBe(AUTH_TOKEN);
    expect(request.form).toEqual({
      To: '+15005550001',
      From: FROM,
      Body: '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 ×3 — reply 1a ack, 1s silence 1h',
      StatusCallback: 'https://klaxon.example.com/api/v1/twilio/status',
    });

    const [message] = await standIn.waitForMessages(1);
    expect(message!.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(receipt).toEqual({ providerId: message!.sid });
    expect(message).toMatchObject({ accountSid: ACCOUNT_SID, authUser: ACCOUNT_SID, to: '+15005550001', from: FROM });
  });

  it('leaves StatusCallback out when no callback URL is given', async () => {
    await channel.send(anSms({ statusCallbackUrl: undefined }));
    expect(standIn.requests.at(-1)!.form).not.toHaveProperty('StatusCallback');
  });

  it('keeps the connection alive between sends', async () => {
    await channel.send(anSms());
    await channel.send(anSms());
    const [a, b] = standIn.requests.slice(-2);
    expect(b!.remotePort).toBe(a!.remotePort);
  });

  it('reaches the stand-in quickly once warm', async () => {
    await channel.send(anSms());
    const started = performance.timeOrigin + performance.now();
    await channel.send(anSms());
    const finished = performance.timeOrigin + performance.now();
    const arrived = standIn.requests.at(-1)!.receivedAt;
    expect(arrived).toBeGreaterThanOrEqual(started);
    // loopback with a kept-alive socket takes a few ms; the bound only catches a reconnect or a stall
    expect(finished - started).toBeLessThan(500);
  });

  it.each([
    ['a 500', 500, undefined, true, '20500'],
    ['a 503', 503, twilioError(503, 20503, 'Service Unavailable').body, true, '20503'],
    ['a 429', 429, undefined, true, '20429'],
    ['an invalid number (400, 21211)', 400, twilioError(400, 21211, "The 'To' number +15005550001 is not a valid phone number.").body, false, '21211'],
    ['an unverified sender (400, 21608)', 400, twilioError(400, 21608, 'The number is unverified.').body, false, '21608'],
    ['a 400 without a Twilio body', 400, 'Bad Request', false, 'http_400'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(anSms()));
    expect(err.retryable).toBe(retryable);
    expect(err.providerCode).toBe(providerCode);
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('lists what Twilio accepted for the number since a time, newest first, through the SDK', async () => {
    const to = '+15005550031';
    const since = new Date();
    const first = await channel.send(anSms({ to, body: 'first' }));
    const second = await channel.send(anSms({ to, body: 'second' }));
    await channel.send(anSms({ to: '+15005550032', body: 'to someone else' }));

    const accepted = await channel.acceptedSince(anSms({ to }), since);
    expect(accepted).toEqual([
      { providerId: second.providerId, body: 'second' },
      { providerId: first.providerId, body: 'first' },
    ]);
    const lookup = standIn.requests.at(-1)!;
    expect(lookup.method).toBe('GET');
    expect(Object.fromEntries(new URL(lookup.path, 'http://x').searchParams)).toEqual({ To: to, From: FROM, PageSize: '100' });
    expect(lookup.authPassword).toBe(AUTH_TOKEN);
    // older than `since` by more than the clock skew allowed: not this message's
    expect(await channel.acceptedSince(anSms({ to }), new Date(Date.now() + 60_000))).toEqual([]);
  });

  it('pages back through a number that got many messages since', async () => {
    const to = '+15005550033';
    const since = new Date();
    const sent = [];
    for (let i = 0; i < 250; i++) sent.push((await channel.send(anSms({ to, body: `page ${i}` }))).providerId);
    const before = standIn.requests.length;
    const accepted = await channel.acceptedSince(anSms({ to }), since);
    expect(accepted.map((a) => a.providerId)).toEqual(sent.reverse());
    expect(standIn.requests.slice(before).map((r) => new URL(r.path, 'http://x').searchParams.get('Page') ?? '0')).toEqual(['0', '1', '2']);
  });

  it('turns a failed lookup into a DeliveryError', async () => {
    const wrong = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: 'wrong', fromNumber: FROM, apiBaseUrl: standIn.baseUrl });
    try {
      const err = await deliveryErrorOf(wrong.acceptedSince(anSms(), new Date()));
      expect(err).toMatchObject({ retryable: false, providerCode: '20003' });
      expect(err.message).toContain('message lookup');
    } finally {
      await wrong.close();
    }
  });

  it('masks the phone number Twilio echoes in its error', async () => {
    standIn.failNext(1, 400, twilioError(400, 21211, "The 'To' number +15005550001 is not a valid phone number.").body);
    const err = await deliveryErrorOf(channel.send(anSms()));
    expect(err.message).not.toContain('+15005550001');
    expect(err.message).toContain('+15…01');
  });

  it('refuses a wrong auth token as not retryable (20003)', async () => {
    const wrong = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: 'wrong', fromNumber: FROM, apiBaseUrl: standIn.baseUrl });
    try {
      const err = await deliveryErrorOf(wrong.send(anSms()));
      expect(err).toMatchObject({ retryable: false, providerCode: '20003' });
    } finally {
      await wrong.close();
    }
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM, apiBaseUrl: standIn.baseUrl, timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    try {
      const err = await deliveryErrorOf(slow.send(anSms()));
      expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
    } finally {
      await slow.close();
    }
  });
});

describe('TwilioSmsChannel without a reachable API', () => {
  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const channel = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM, apiBaseUrl: `http://127.0.0.1:${port}` });
    try {
      const err = await deliveryErrorOf(channel.send(anSms()));
      expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
    } finally {
      await channel.close();
    }
  });
});

describe('TwilioBaseUrlRequestClient.rewrite', () => {
  const uri = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=20';

  it.each([
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?PageSize=20'],
    ['http://127.0.0.1:4010/', 'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?PageSize=20'],
    ['https://egress.internal/twilio/', 'https://egress.internal/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=20'],
  ])('keeps Twilio’s path under %s', (base, expected) => {
    const client = new TwilioBaseUrlRequestClient({ apiBaseUrl: base });
    expect(client.rewrite(uri)).toBe(expected);
    client.destroy();
  });

  it('leaves the URL alone without a base URL', () => {
    const client = new TwilioBaseUrlRequestClient();
    expect(client.rewrite(uri)).toBe(uri);
    client.destroy();
  });

  it.each(['not a url', 'ftp://host/x', 'http://host/x?y=1'])('refuses %s as a base URL', (base) => {
    expect(() => new TwilioBaseUrlRequestClient({ apiBaseUrl: base })).toThrow(/TWILIO_API_BASE_URL/);
  });
});
