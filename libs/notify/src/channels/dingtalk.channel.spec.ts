import { createHmac } from 'node:crypto';
import { freePort } from '../../../testing/src/free-port';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { DingTalkChannel, dingTalkPayload, dingTalkSign, dingTalkSignedUrl, type DingTalkMessage } from './dingtalk.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aMessage(url: string, overrides: Partial<DingTalkMessage> = {}): DingTalkMessage {
  return { kind: 'dingtalk', url, alert: anAlert(), mention: '13800000001', idempotencyKey: 'n-1', ...overrides };
}

/** DingTalk's documented algorithm, written out again: base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)). */
function documentedSign(secret: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(`${timestamp}\n${secret}`, 'utf8')).digest('base64');
}

describe('dingTalkSign', () => {
  it("matches the documented algorithm on the docs' example secret", () => {
    // 'this is secret' is the secret in DingTalk's Python example; the value was computed with Python's hmac
    expect(encodeURIComponent(dingTalkSign('this is secret', 1577808000000))).toBe('ijHEivi6YiCNPZOq4hZstmvZ3sPfbioAiMhP30ae7W0%3D');
    expect(dingTalkSign('SECabc', 1700000000123)).toBe(documentedSign('SECabc', '1700000000123'));
  });

  it('appends timestamp and the URL-encoded sign to the access_token query', () => {
    expect(dingTalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=T0K', 'this is secret', 1577808000000)).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=T0K&timestamp=1577808000000&sign=ijHEivi6YiCNPZOq4hZstmvZ3sPfbioAiMhP30ae7W0%3D',
    );
    expect(dingTalkSignedUrl('http://h/robot/send', 's', 1)).toMatch(/^http:\/\/h\/robot\/send\?timestamp=1&sign=/);
  });
});

describe('dingTalkPayload', () => {
  it('is markdown with the title, the alert, and the phone-number mention in the text and in at.atMobiles', () => {
    const payload = dingTalkPayload({ alert: anAlert(), mention: '13800000001, 13800000002' });
    expect(payload.msgtype).toBe('markdown');
    expect(payload.markdown.title).toBe('🚨 [P0][PROBLEM] web-01: host is down (#4711)');
    expect(payload.markdown.text).toMatch(/^### 🚨 \[P0\]\[PROBLEM\] web-01: host is down \(#4711\)\n\n🚨 \*\*/);
    expect(payload.markdown.text).toContain('- **Count:** 3');
    expect(payload.markdown.text).toContain('(https://klaxon.example.com/alerts/4711)');
    expect(payload.markdown.text.endsWith('\n\n@13800000001 @13800000002')).toBe(true);
    expect(payload.at).toEqual({ atMobiles: ['13800000001', '13800000002'], isAtAll: false });
  });

  it('has no mention without a handle and mentions everyone for "all"', () => {
    expect(dingTalkPayload({ alert: anAlert() }).at).toEqual({ atMobiles: [], isAtAll: false });
    expect(dingTalkPayload({ alert: anAlert() }).markdown.text).not.toContain('@');
    expect(dingTalkPayload({ alert: anAlert(), mention: '@all' }).at).toEqual({ atMobiles: [], isAtAll: true });
  });

  it('makes a recovery look different: ✅ and who resolved it', () => {
    const payload = dingTalkPayload({ alert: anAlert({ status: 'OK', actor: 'alice' }) });
    expect(payload.markdown.title).toBe('✅ [P0][OK] web-01: host is down (#4711) resolved by alice');
    expect(payload.markdown.text).toContain('✅');
    expect(payload.markdown.text).not.toContain('🚨');
  });
});

describe('DingTalkChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const now = 1577808000000;
  const channel = new DingTalkChannel({ now: () => now });
  const ok = { status: 200, body: { errcode: 0, errmsg: 'ok' } };

  beforeAll(async () => {
    standIn = await startWebhookStandIn({ defaultReply: ok });
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the markdown JSON to the signed webhook URL and takes errcode 0 as success', async () => {
    const message = aMessage(standIn.url('/robot/send?access_token=abc123'), { secret: 'this is secret' });
    await expect(channel.send(message)).resolves.toEqual({ providerId: null });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const url = new URL(request.path, 'http://stand-in');
    expect(url.pathname).toBe('/robot/send');
    expect(url.searchParams.get('access_token')).toBe('abc123');
    expect(url.searchParams.get('timestamp')).toBe(String(now));
    expect(url.searchParams.get('sign')).toBe(documentedSign('this is secret', String(now)));
    expect(request.json).toEqual({
      msgtype: 'markdown',
      markdown: { title: '🚨 [P0][PROBLEM] web-01: host is down (#4711)', text: expect.stringContaining('@13800000001') },
      at: { atMobiles: ['13800000001'], isAtAll: false },
    });
  });

  it('does not sign without a secret', async () => {
    await channel.send(aMessage(standIn.url('/robot/send?access_token=abc123')));
    expect(standIn.requests.at(-1)!.path).toBe('/robot/send?access_token=abc123');
  });

  it.each([
    ['130101 send too fast', 200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }, true, '130101'],
    ['310000 keywords not in content', 200, { errcode: 310000, errmsg: 'keywords not in content' }, false, '310000'],
    ['310000 sign not match', 200, { errcode: 310000, errmsg: 'sign not match' }, false, '310000'],
    ['300001 token is not exist', 200, { errcode: 300001, errmsg: 'token is not exist' }, false, '300001'],
    ['200 without JSON', 200, 'ok', false, 'http_200'],
    ['400 bad request', 400, '', false, 'http_400'],
    ['429 too many requests', 429, '', true, 'http_429'],
    ['503 from a proxy', 503, '<html>busy</html>', true, 'http_503'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aMessage(standIn.url('/robot/send?access_token=x'))));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('turns a timeout and a refused connection into retryable errors', async () => {
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const slow = await deliveryErrorOf(new DingTalkChannel({ timeoutMs: 150 }).send(aMessage(standIn.url())));
    expect(slow).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
    const port = await freePort();
    const refused = await deliveryErrorOf(channel.send(aMessage(`http://127.0.0.1:${port}/robot/send?access_token=x`)));
    expect(refused).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
  });
});
