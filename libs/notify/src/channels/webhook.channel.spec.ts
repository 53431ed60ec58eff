import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { signWebhook, verifyWebhookSignature, WebhookChannel, type WebhookMessage } from './webhook.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

const SECRET = 'whsec-test-0123456789';
const NOW = new Date('2026-03-01T02:05:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function aWebhookMessage(url: string, overrides: Partial<WebhookMessage> = {}): WebhookMessage {
  return { kind: 'webhook', url, secret: SECRET, alert: anAlert(), idempotencyKey: 'n-42', ...overrides };
}

describe('WebhookChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new WebhookChannel({ now: () => NOW });

  beforeAll(async () => {
    standIn = await startWebhookStandIn();
  });
  afterAll(() => standIn.close());

  it('POSTs the versioned JSON document with timestamp, signature and idempotency headers', async () => {
    await expect(channel.send(aWebhookMessage(standIn.url('/klaxon')))).resolves.toEqual({ providerId: null });
    const request = standIn.requests.at(-1)!;

    expect(request.method).toBe('POST');
    expect(request.path).toBe('/klaxon');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({
      version: 1,
      event: 'alert.problem',
      alert: {
        number: 4711,
        priority: 'P0',
        status: 'PROBLEM',
        host: 'web-01',
        ip: '10.0.0.1',
        message: 'host is down',
        count: 3,
        firstSeenAt: '2026-03-01T02:03:04.000Z',
        url: 'https://klaxon.example.com/alerts/4711',
      },
      idempotencyKey: 'n-42',
      sentAt: '2026-03-01T02:05:00.000Z',
    });
    expect(request.headers['x-klaxon-timestamp']).toBe(String(NOW_SECONDS));
    expect(request.headers['x-klaxon-idempotency-key']).toBe('n-42');
    expect(request.headers['x-klaxon-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('signs so that verifyWebhookSignature accepts exactly that body and timestamp', async () => {
    await channel.send(aWebhookMessage(standIn.url()));
    const { rawBody, headers } = standIn.requests.at(-1)!;
    const timestamp = headers['x-klaxon-timestamp'];
    const signature = headers['x-klaxon-signature'];

    expect(verifyWebhookSignature(SECRET, timestamp, rawBody, signature, 300, NOW_SECONDS)).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, Buffer.from(rawBody), signature, 300, NOW_SECONDS)).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, rawBody.replace('web-01', 'web-02'), signature, 300, NOW_SECONDS)).toBe(false);
    expect(verifyWebhookSignature(SECRET, Number(timestamp) + 1, rawBody, signature, 300, NOW_SECONDS)).toBe(false);
    expect(verifyWebhookSignature('another-secret', timestamp, rawBody, signature, 300, NOW_SECONDS)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, rawBody, undefined, 300, NOW_SECONDS)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, rawBody, 'sha256=00', 300, NOW_SECONDS)).toBe(false);
  });

  it('refuses a signature older than the tolerance (a replay)', async () => {
    await channel.send(aWebhookMessage(standIn.url()));
    const { rawBody, headers } = standIn.requests.at(-1)!;
    const [ts, sig] = [headers['x-klaxon-timestamp'], headers['x-klaxon-signature']];
    expect(verifyWebhookSignature(SECRET, ts, rawBody, sig, 300, NOW_SECONDS + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, ts, rawBody, sig, 300, NOW_SECONDS + 301)).toBe(false);
  });

  it('accepts one of several signatures (secret rotation)', () => {
    const body = '{"version":1}';
    const header = `${signWebhook('old-secret', 1000, body)}, ${signWebhook(SECRET, 1000, body)}`;
    expect(verifyWebhookSignature(SECRET, 1000, body, header, 300, 1000)).toBe(true);
  });

  it('sends no signature without a secret, and says alert.ok for a recovery', async () => {
    await channel.send(aWebhookMessage(standIn.url(), { secret: undefined, alert: anAlert({ status: 'OK', url: undefined }) }));
    const request = standIn.requests.at(-1)!;
    expect(request.headers).not.toHaveProperty('x-klaxon-signature');
    expect(request.json).toMatchObject({ event: 'alert.ok', alert: { status: 'OK' } });
    expect((request.json as { alert: object }).alert).not.toHaveProperty('url');
  });

  it('takes any 2xx as success', async () => {
    standIn.failNext(1, 204);
    await expect(channel.send(aWebhookMessage(standIn.url()))).resolves.toEqual({ providerId: null });
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [401, false],
    [404, false],
    [301, false],
  ])('maps HTTP %s (retryable: %s)', async (status, retryable) => {
    standIn.failNext(1, status, 'nope');
    const err = await deliveryErrorOf(channel.send(aWebhookMessage(standIn.url())));
    expect(err).toMatchObject({ retryable, providerCode: `http_${status}` });
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new WebhookChannel({ timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    try {
      const err = await deliveryErrorOf(slow.send(aWebhookMessage(standIn.url())));
      expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
    } finally {
      standIn.respondWith(null);
    }
  });
});
