import { freePort } from '../../../testing/src/free-port';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { DeliveryError } from '../notification-channel';
import { TelegramChannel, telegramChatId, telegramMention, telegramMethodUrl, telegramText, type TelegramMessage } from './telegram.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aTelegramMessage(url: string, overrides: Partial<TelegramMessage> = {}): TelegramMessage {
  return { kind: 'telegram', url, options: { chatId: '-1001234567890' }, alert: anAlert(), mention: 'alice_ops', idempotencyKey: 'n-1', ...overrides };
}

const okReply = { status: 200, body: { ok: true, result: { message_id: 42, chat: { id: -1001234567890 }, date: 1772330584, text: '…' } } };

describe('telegramText', () => {
  it('is HTML: bold title, the bracket line, the facts, a link and the mention', () => {
    expect(telegramText({ alert: anAlert(), mention: 'alice_ops' })).toBe(
      [
        '🔴 <b>[P0][PROBLEM] web-01: host is down (#4711)</b>',
        '<code>[P0][PROBLEM][web-01][10.0.0.1][host is down]</code>',
        '',
        '<b>Alert:</b> #4711',
        '<b>Count:</b> 3',
        '<b>First seen:</b> 2026-03-01T02:03:04Z (Sun 1 Mar 2026 02:03 UTC)',
        '<b>Host:</b> web-01',
        '<b>IP:</b> 10.0.0.1',
        '',
        '<a href="https://klaxon.example.com/alerts/4711">Open alert #4711 in Klaxon</a>',
        '',
        '@alice_ops',
      ].join('\n'),
    );
  });

  it('shows a recovery with ✅ and who resolved it, without link or mention when there are none', () => {
    const text = telegramText({ alert: anAlert({ status: 'OK', actor: 'alice', url: undefined }) });
    expect(text.split('\n')[0]).toBe('✅ <b>[P0][OK] web-01: host is down (#4711) resolved by alice</b>');
    expect(text).toContain('<b>Resolved by:</b> alice');
    expect(text).not.toContain('<a ');
    expect(text).not.toContain('@');
  });

  it('escapes hostile text and never links a javascript: URL', () => {
    const text = telegramText({ alert: anAlert({ message: '<script>alert("x")</script> & <a href="http://evil">y</a>', url: 'javascript:alert(1)' }) });
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a href=&quot;http://evil&quot;&gt;y&lt;/a&gt;');
    expect(text.match(/<a /g)).toBeNull();
  });
});

describe('telegramMention', () => {
  it.each([
    ['alice_ops', '@alice_ops'],
    ['@alice_ops', '@alice_ops'],
    ['123456789', '<a href="tg://user?id=123456789">user 123456789</a>'],
    ['alice_ops, bob_oncall', '@alice_ops @bob_oncall'],
    ['<b>x</b>', '@&lt;b&gt;x&lt;/b&gt;'],
  ])('%s → %s', (handle, expected) => {
    expect(telegramMention(handle)).toBe(expected);
  });
});

describe('telegramChatId and telegramMethodUrl', () => {
  it('takes numeric ids and @channel names', () => {
    expect(telegramChatId('-1001234567890')).toBe(-1001234567890);
    expect(telegramChatId(12345)).toBe(12345);
    expect(telegramChatId('@klaxon_alerts')).toBe('@klaxon_alerts');
  });

  it.each([undefined, '', 'not a chat', {}])('refuses %p without retrying, naming chatId', (value) => {
    expect(() => telegramChatId(value)).toThrow(DeliveryError);
    expect(() => telegramChatId(value)).toThrow(/chatId/);
    try {
      telegramChatId(value);
    } catch (err) {
      expect(err).toMatchObject({ retryable: false, providerCode: 'invalid_chat_id' });
    }
  });

  it('appends the method to the bot base, with or without a trailing slash', () => {
    expect(telegramMethodUrl('https://api.telegram.org/bot123:ABC', 'sendMessage')).toBe('https://api.telegram.org/bot123:ABC/sendMessage');
    expect(telegramMethodUrl('https://api.telegram.org/bot123:ABC/', 'sendMessage')).toBe('https://api.telegram.org/bot123:ABC/sendMessage');
  });
});

describe('TelegramChannel against a Bot API stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new TelegramChannel();

  beforeAll(async () => {
    standIn = await startWebhookStandIn({ defaultReply: okReply });
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs sendMessage with chat_id, HTML text and no preview, and returns the message_id', async () => {
    const message = aTelegramMessage(standIn.url('/bot123456:ABC-DEF'));
    await expect(channel.send(message)).resolves.toEqual({ providerId: '42' });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/bot123456:ABC-DEF/sendMessage');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({ chat_id: -1001234567890, text: telegramText(message), parse_mode: 'HTML', disable_web_page_preview: true });
  });

  it('refuses a destination without chatId before sending anything', async () => {
    const before = standIn.requests.length;
    const err = await deliveryErrorOf(channel.send(aTelegramMessage(standIn.url('/bot1:x'), { options: {} })));
    expect(err).toMatchObject({ retryable: false, providerCode: 'invalid_chat_id' });
    expect(err.message).toContain('chatId');
    expect(standIn.requests.length).toBe(before);
  });

  it.each([
    ['400 chat not found', 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }, false, 'telegram_400'],
    ['400 can\'t parse entities', 400, { ok: false, error_code: 400, description: "Bad Request: can't parse entities" }, false, 'telegram_400'],
    ['401 bad token', 401, { ok: false, error_code: 401, description: 'Unauthorized' }, false, 'telegram_401'],
    ['403 bot blocked', 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, false, 'telegram_403'],
    ['500', 500, { ok: false, error_code: 500, description: 'Internal Server Error' }, true, 'telegram_500'],
    ['502 from a proxy', 502, '<html>Bad Gateway</html>', true, 'telegram_502'],
    ['200 that is not ok:true', 200, '<html>captive portal</html>', false, 'telegram_200'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aTelegramMessage(standIn.url('/bot1:x'))));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('maps flood control (429) to retryable with its retry_after', async () => {
    standIn.failNext(1, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
    const err = await deliveryErrorOf(channel.send(aTelegramMessage(standIn.url('/bot1:x'))));
    expect(err).toMatchObject({ retryable: true, providerCode: 'telegram_429' });
    expect(err.message).toContain('retry after 7 s');
  });

  it('says where a group migrated to', async () => {
    standIn.failNext(1, 400, { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009876543210 } });
    const err = await deliveryErrorOf(channel.send(aTelegramMessage(standIn.url('/bot1:x'))));
    expect(err).toMatchObject({ retryable: false });
    expect(err.message).toContain('-1009876543210');
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new TelegramChannel({ timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(slow.send(aTelegramMessage(standIn.url('/bot1:x'))));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });

  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const err = await deliveryErrorOf(channel.send(aTelegramMessage(`http://127.0.0.1:${port}/bot1:x`)));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
  });
});
