import { createHmac } from 'node:crypto';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { FeishuChannel, feishuMention, feishuPayload, feishuSign, type FeishuMessage } from './feishu.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aMessage(url: string, overrides: Partial<FeishuMessage> = {}): FeishuMessage {
  return { kind: 'feishu', url, alert: anAlert(), mention: 'ou_7d8a6e6df7621556ce0d21922b676706ccs', idempotencyKey: 'n-1', ...overrides };
}

/** Feishu's documented algorithm, written out again: the string `${timestamp}\n${secret}` is the HMAC key, the message is empty. */
function documentedSign(timestamp: string, secret: string): string {
  return createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8')).update(new Uint8Array(0)).digest('base64');
}

describe('feishuSign', () => {
  it("matches the documented algorithm on the docs' example timestamp", () => {
    // 1599360473 is the timestamp in Feishu's example request; the value was computed with Python's hmac
    expect(feishuSign('demo-secret', 1599360473)).toBe('3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s=');
    expect(feishuSign('other', 1700000000)).toBe(documentedSign('1700000000', 'other'));
  });
});

describe('feishuPayload', () => {
  it('is an interactive card: red header for P0, the facts, a mention and a button to the alert', () => {
    const payload = feishuPayload({ alert: anAlert(), mention: 'ou_abc' });
    expect(payload.msg_type).toBe('interactive');
    expect(payload.card.header).toEqual({ title: { tag: 'plain_text', content: '🚨 [P0][PROBLEM] web-01: host is down (#4711)' }, template: 'red' });
    expect(payload.card.elements[0]).toEqual({
      tag: 'markdown',
      content: '<at id="ou_abc"></at> 🚨 **P0 problem**\n\\[P0\\]\\[PROBLEM\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\]',
    });
    expect(payload.card.elements[1]).toMatchObject({
      tag: 'div',
      fields: expect.arrayContaining([{ is_short: true, text: { tag: 'lark_md', content: '**Count:**\n3' } }]),
    });
    expect(payload.card.elements[2]).toEqual({
      tag: 'action',
      actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'Open alert #4711 in Klaxon' }, type: 'primary', url: 'https://klaxon.example.com/alerts/4711' }],
    });
  });

  it.each([
    ['P1', 'orange'],
    ['P2', 'yellow'],
    ['P4', 'blue'],
  ])('gives %s the %s template', (priority, template) => {
    expect(feishuPayload({ alert: anAlert({ priority }) }).card.header.template).toBe(template);
  });

  it('makes a recovery green with ✅, and has no button without a URL and no mention without a handle', () => {
    const payload = feishuPayload({ alert: anAlert({ status: 'OK', url: undefined }) });
    expect(payload.card.header).toEqual({ title: { tag: 'plain_text', content: '✅ [P0][OK] web-01: host is down (#4711) recovered' }, template: 'green' });
    expect(payload.card.elements.map((e) => e.tag)).toEqual(['markdown', 'div']);
    expect(payload.card.elements[0]).toMatchObject({ content: expect.stringMatching(/^✅ \*\*Recovered\*\*\n/) });
  });

  it.each([
    ['ou_abc', '<at id="ou_abc"></at>'],
    ['@ou_a, ou_b', '<at id="ou_a"></at> <at id="ou_b"></at>'],
    ['all', '<at id=all></at>'],
    ['<at id="ou_x"></at>', '<at id="ou_x"></at>'],
  ])('mention %s → %s', (handle, expected) => {
    expect(feishuMention(handle)).toBe(expected);
  });
});

describe('FeishuChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new FeishuChannel({ now: () => 1599360473_250 });

  beforeAll(async () => {
    standIn = await startWebhookStandIn({ defaultReply: { status: 200, body: { code: 0, msg: 'success', data: {} } } });
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the signed card as JSON and takes code 0 as success', async () => {
    const message = aMessage(standIn.url('/open-apis/bot/v2/hook/5e3d587e'), { secret: 'demo-secret' });
    await expect(channel.send(message)).resolves.toEqual({ providerId: null });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/open-apis/bot/v2/hook/5e3d587e');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({ timestamp: '1599360473', sign: documentedSign('1599360473', 'demo-secret'), ...feishuPayload(message) });
    const card = (request.json as { card: { elements: unknown[] } }).card;
    expect(card.elements[0]).toEqual({ tag: 'markdown', content: expect.stringMatching(/^<at id="ou_7d8a6e6df7621556ce0d21922b676706ccs"><\/at> 🚨/) });
  });

  it('sends no sign fields without a secret and takes the older StatusCode 0 as success', async () => {
    standIn.respondWith(() => ({ status: 200, body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } }));
    await expect(channel.send(aMessage(standIn.url()))).resolves.toEqual({ providerId: null });
    const body = standIn.requests.at(-1)!.json as Record<string, unknown>;
    expect(body).not.toHaveProperty('sign');
    expect(body).not.toHaveProperty('timestamp');
  });

  it.each([
    ['9499 too many requests', 200, { code: 9499, msg: 'too many request', data: {} }, true, '9499'],
    ['11232 frequency limited', 200, { code: 11232, msg: 'sending messages frequency limit', data: {} }, true, '11232'],
    ['19021 sign match fail', 200, { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} }, false, '19021'],
    ['19021 on a 400', 400, { code: 19021, msg: 'sign match fail', data: {} }, false, '19021'],
    ['19024 key words not found', 200, { code: 19024, msg: 'Key Words Not Found' }, false, '19024'],
    ['old StatusCode 9499', 200, { StatusCode: 9499, StatusMessage: 'Bad Request' }, true, '9499'],
    ['200 without JSON', 200, 'ok', false, 'http_200'],
    ['404 no such hook', 404, '', false, 'http_404'],
    ['429 too many requests', 429, '', true, 'http_429'],
    ['500 internal', 500, '', true, 'http_500'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aMessage(standIn.url())));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('turns a timeout into a retryable error', async () => {
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(new FeishuChannel({ timeoutMs: 150 }).send(aMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });
});
