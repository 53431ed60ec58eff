import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { truncateUtf8, WeComChannel, weComMention, weComPayload, type WeComMessage } from './wecom.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aMessage(url: string, overrides: Partial<WeComMessage> = {}): WeComMessage {
  return { kind: 'wecom', url, alert: anAlert(), mention: 'wangqing', idempotencyKey: 'n-1', ...overrides };
}

describe('weComPayload', () => {
  it('is markdown content with a warning-coloured state, the bracket line, facts, link and a <@userid> mention', () => {
    const payload = weComPayload({ alert: anAlert(), mention: 'wangqing' });
    expect(payload.msgtype).toBe('markdown');
    expect(payload.markdown.content).toBe(
      [
        '🚨 <font color="warning">**P0 problem**</font> #4711 ×3',
        '**[P0][PROBLEM][web-01][10.0.0.1][host is down]**',
        '> Alert: <font color="comment">#4711</font>',
        '> Count: <font color="comment">3</font>',
        '> First seen: <font color="comment">2026-03-01T02:03:04Z (Sun 1 Mar 2026 02:03 UTC)</font>',
        '> Host: <font color="comment">web-01</font>',
        '> IP: <font color="comment">10.0.0.1</font>',
        '[Open alert #4711 in Klaxon](https://klaxon.example.com/alerts/4711)',
        '<@wangqing>',
      ].join('\n'),
    );
  });

  it('makes a recovery green (info) with ✅', () => {
    const content = weComPayload({ alert: anAlert({ status: 'OK', count: 1, actor: 'alice' }) }).markdown.content;
    expect(content.split('\n')[0]).toBe('✅ <font color="info">**Recovered**</font> #4711');
    expect(content).toContain('**[P0][OK][web-01][10.0.0.1][host is down]** resolved by alice');
    expect(content).not.toContain('warning');
    expect(content).not.toContain('<@');
  });

  it('keeps alert text from opening tags and stays within 4096 bytes with the mention kept', () => {
    const content = weComPayload({ alert: anAlert({ message: `<font color="x">${'告警'.repeat(2000)}` }), mention: 'ops' }).markdown.content;
    expect(content).not.toContain('<font color="x">');
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(content.endsWith('…\n<@ops>')).toBe(true);
  });

  it.each([
    ['wangqing', '<@wangqing>'],
    ['@a, b', '<@a> <@b>'],
    ['<@zhangsan>', '<@zhangsan>'],
    ['@all', '<@all>'],
  ])('mention %s → %s', (handle, expected) => {
    expect(weComMention(handle)).toBe(expected);
  });

  it('cuts UTF-8 on a character boundary', () => {
    expect(truncateUtf8('告警告警', 9)).toBe('告警…');
    expect(truncateUtf8('告警告警', 8)).toBe('告…');
    expect(truncateUtf8('告警告警', 12)).toBe('告警告警');
    expect(truncateUtf8('告警告警', 11)).toBe('告警…');
  });
});

describe('WeComChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new WeComChannel();

  beforeAll(async () => {
    standIn = await startWebhookStandIn({ defaultReply: { status: 200, body: { errcode: 0, errmsg: 'ok' } } });
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the markdown JSON to the webhook URL with its key and takes errcode 0 as success', async () => {
    const message = aMessage(standIn.url('/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa'));
    await expect(channel.send(message)).resolves.toEqual({ providerId: null });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({ msgtype: 'markdown', markdown: { content: expect.stringMatching(/\n<@wangqing>$/) } });
    expect(request.json).toEqual(weComPayload(message));
  });

  it.each([
    ['45009 api freq out of limit', 200, { errcode: 45009, errmsg: 'api freq out of limit' }, true, '45009'],
    ['93000 invalid webhook url', 200, { errcode: 93000, errmsg: 'invalid webhook url' }, false, '93000'],
    ['40058 invalid content', 200, { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' }, false, '40058'],
    ['200 without JSON', 200, 'ok', false, 'http_200'],
    ['403 forbidden', 403, '', false, 'http_403'],
    ['429 too many requests', 429, '', true, 'http_429'],
    ['502 bad gateway', 502, '', true, 'http_502'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aMessage(standIn.url('/cgi-bin/webhook/send?key=k'))));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('turns a timeout into a retryable error', async () => {
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(new WeComChannel({ timeoutMs: 150 }).send(aMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });
});
