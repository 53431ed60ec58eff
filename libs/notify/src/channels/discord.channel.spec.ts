import { freePort } from '../../../testing/src/free-port';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { DiscordChannel, discordMentions, discordPayload, discordWebhookUrl, type DiscordMessage, type DiscordWebhookPayload } from './discord.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aDiscordMessage(url: string, overrides: Partial<DiscordMessage> = {}): DiscordMessage {
  return { kind: 'discord', url, alert: anAlert(), mention: '80351110224678912', idempotencyKey: 'n-1', ...overrides };
}

describe('discordPayload', () => {
  it('is one embed with title, bracket line, inline facts, link and time, and pings only the mentioned user', () => {
    expect(discordPayload({ alert: anAlert(), mention: '80351110224678912' })).toEqual<DiscordWebhookPayload>({
      content: '<@80351110224678912> 🔴 \\[P0\\]\\[PROBLEM\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\] #4711 ×3',
      embeds: [
        {
          title: '🔴 \\[P0\\]\\[PROBLEM\\] web-01: host is down (#4711)',
          description: '**\\[P0\\]\\[PROBLEM\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\]**',
          color: 0xe01e5a,
          fields: [
            { name: 'Alert', value: '#4711', inline: true },
            { name: 'Count', value: '3', inline: true },
            { name: 'First seen', value: '2026-03-01T02:03:04Z (Sun 1 Mar 2026 02:03 UTC)', inline: true },
            { name: 'Host', value: 'web-01', inline: true },
            { name: 'IP', value: '10.0.0.1', inline: true },
          ],
          url: 'https://klaxon.example.com/alerts/4711',
          timestamp: '2026-03-01T02:03:04.000Z',
        },
      ],
      allowed_mentions: { parse: [], users: ['80351110224678912'], roles: [] },
    });
  });

  it('shows a recovery in green with ✅', () => {
    const payload = discordPayload({ alert: anAlert({ status: 'OK', count: 1, actor: 'alice' }) });
    expect(payload.content).toBe('✅ \\[P0\\]\\[OK\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\] #4711');
    expect(payload.embeds[0]).toMatchObject({ title: '✅ \\[P0\\]\\[OK\\] web-01: host is down (#4711) resolved by alice', color: 0x2eb67d });
    expect(payload.allowed_mentions).toEqual({ parse: [], users: [], roles: [] });
  });

  it('escapes hostile text and never lets it ping anyone', () => {
    const payload = discordPayload({ alert: anAlert({ message: '<script>alert(1)</script> @everyone [x](http://evil) **b**', url: 'javascript:alert(1)' }) });
    const json = JSON.stringify(payload);
    expect(json).not.toContain('<script>');
    expect(payload.embeds[0]!.description).toContain('\\<script\\>alert(1)\\</script\\>');
    expect(payload.embeds[0]!.description).toContain('\\[x\\](http://evil) \\*\\*b\\*\\*');
    expect(payload.allowed_mentions.parse).toEqual([]);
    expect(payload.embeds[0]!.url).toBeUndefined();
  });
});

describe('discordMentions', () => {
  it.each([
    ['80351110224678912', ['80351110224678912'], []],
    ['<@80351110224678912>', ['80351110224678912'], []],
    ['<@!80351110224678912>, @41771983423143937', ['80351110224678912', '41771983423143937'], []],
    ['<@&41771983444143937> &41771983444143938', [], ['41771983444143937', '41771983444143938']],
    ['alice everyone', [], []],
  ])('%s', (handle, users, roles) => {
    expect(discordMentions(handle)).toEqual({ users, roles });
  });
});

describe('discordWebhookUrl', () => {
  it('adds wait=true and keeps thread_id', () => {
    expect(discordWebhookUrl('https://discord.com/api/webhooks/1/tok?thread_id=9')).toBe('https://discord.com/api/webhooks/1/tok?thread_id=9&wait=true');
  });
});

describe('DiscordChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new DiscordChannel();

  beforeAll(async () => {
    standIn = await startWebhookStandIn();
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the payload to the webhook with ?wait=true and returns the message id', async () => {
    standIn.respondWith(() => ({ status: 200, body: { id: '1159486240151986206', channel_id: '1' } }));
    const message = aDiscordMessage(standIn.url('/api/webhooks/123/tok'));
    await expect(channel.send(message)).resolves.toEqual({ providerId: '1159486240151986206' });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/api/webhooks/123/tok?wait=true');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual(discordPayload(message));
  });

  it('takes 204 as success', async () => {
    standIn.respondWith(() => ({ status: 204 }));
    await expect(channel.send(aDiscordMessage(standIn.url()))).resolves.toEqual({ providerId: null });
  });

  it.each([
    ['400 invalid form body', 400, { code: 50035, message: 'Invalid Form Body' }, false, 'discord_50035'],
    ['401 invalid token', 401, { code: 50027, message: 'Invalid Webhook Token' }, false, 'discord_50027'],
    ['404 unknown webhook', 404, { code: 10015, message: 'Unknown Webhook' }, false, 'discord_10015'],
    ['500', 500, '', true, 'http_500'],
    ['502 from a proxy', 502, '<html>Bad Gateway</html>', true, 'http_502'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aDiscordMessage(standIn.url())));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('maps 429 to retryable with its retry_after', async () => {
    standIn.failNext(1, 429, { message: 'You are being rate limited.', retry_after: 1.5, global: false }, { 'retry-after': '2' });
    const err = await deliveryErrorOf(channel.send(aDiscordMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'rate_limited' });
    expect(err.message).toContain('retry after 1.5 s');
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new DiscordChannel({ timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(slow.send(aDiscordMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });

  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const err = await deliveryErrorOf(channel.send(aDiscordMessage(`http://127.0.0.1:${port}/hook`)));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
  });
});
