import { freePort } from '../../../testing/src/free-port';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { SlackChannel, slackMention, slackPayload, type SlackMessage, type SlackWebhookPayload } from './slack.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aSlackMessage(url: string, overrides: Partial<SlackMessage> = {}): SlackMessage {
  return { kind: 'slack', url, alert: anAlert(), mention: 'U024BE7LH', idempotencyKey: 'n-1', ...overrides };
}

describe('slackPayload', () => {
  it('shows a page as Block Kit: the bracket line, #number, count, first seen, a mention and a link button', () => {
    const payload = slackPayload({ alert: anAlert(), mention: 'U024BE7LH' });
    expect(payload).toEqual<SlackWebhookPayload>({
      text: '🔴 [P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 ×3 <@U024BE7LH>',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 [P0][PROBLEM][web-01][10.0.0.1][host is down]', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '<@U024BE7LH> · *P0 problem* · *#4711* · ×3\n`[P0][PROBLEM][web-01][10.0.0.1][host is down]`' } },
      ],
      attachments: [
        {
          color: '#E01E5A',
          fallback: '🔴 [P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 ×3 <@U024BE7LH>',
          blocks: [
            {
              type: 'section',
              fields: [
                { type: 'mrkdwn', text: '*Alert*\n#4711' },
                { type: 'mrkdwn', text: '*Priority*\nP0' },
                { type: 'mrkdwn', text: '*Host*\nweb-01 (10.0.0.1)' },
                { type: 'mrkdwn', text: '*Count*\n3' },
                { type: 'mrkdwn', text: '*First seen*\n<!date^1772330584^{date_short_pretty} {time}|2026-03-01T02:03:04.000Z>' },
              ],
            },
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  text: { type: 'plain_text', text: 'Open alert #4711' },
                  url: 'https://klaxon.example.com/alerts/4711',
                  action_id: 'klaxon-open-alert',
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('shows a recovery in green with ✅ and who resolved it', () => {
    const payload = slackPayload({ alert: anAlert({ status: 'OK', count: 1, actor: 'alice' }) });
    expect(payload.text).toBe('✅ [P0][OK][web-01][10.0.0.1][host is down] #4711');
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '✅ [P0][OK][web-01][10.0.0.1][host is down]', emoji: true } });
    expect(payload.blocks[1]).toMatchObject({ text: { text: expect.stringMatching(/^\*Recovered\* by alice · \*#4711\*\n/) } });
    expect(payload.attachments[0]!.color).toBe('#2EB67D');
  });

  it.each([
    ['P0', '🔴', '#E01E5A'],
    ['P1', '🟠', '#F2952F'],
    ['P2', '🟡', '#ECB22E'],
    ['P5', '🔵', '#1D9BD1'],
  ])('gives %s its emoji and colour', (priority, emoji, color) => {
    const payload = slackPayload({ alert: anAlert({ priority }) });
    expect(payload.text.startsWith(emoji)).toBe(true);
    expect(payload.attachments[0]!.color).toBe(color);
  });

  it('has no button without a URL and no mention without a handle', () => {
    const payload = slackPayload({ alert: anAlert({ url: undefined }) });
    expect(payload.attachments[0]!.blocks.map((b) => b.type)).toEqual(['section']);
    expect(payload.text).not.toContain('<@');
  });

  it('escapes Slack markup in alert text and cuts the header to 150 characters', () => {
    const payload = slackPayload({ alert: anAlert({ message: `load <high> & rising ${'x'.repeat(300)}` }) });
    expect(payload.text).toContain('load &lt;high&gt; &amp; rising');
    const header = payload.blocks[0]!;
    expect(header.type === 'header' && Array.from(header.text.text).length).toBe(150);
    expect(header.type === 'header' && header.text.text.endsWith('…')).toBe(true);
  });
});

describe('slackMention', () => {
  it.each([
    ['U024BE7LH', '<@U024BE7LH>'],
    ['@U024BE7LH', '<@U024BE7LH>'],
    ['<@U024BE7LH>', '<@U024BE7LH>'],
    ['here', '<!here>'],
    ['!channel', '<!channel>'],
    ['S0614TZR7', '<!subteam^S0614TZR7>'],
    ['U0ALICE U0BOB', '<@U0ALICE> <@U0BOB>'],
    ['U0ALICE, here', '<@U0ALICE> <!here>'],
  ])('%s → %s', (handle, expected) => {
    expect(slackMention(handle)).toBe(expected);
  });
});

describe('SlackChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new SlackChannel();

  beforeAll(async () => {
    standIn = await startWebhookStandIn();
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the Block Kit payload as JSON and takes `ok` as success', async () => {
    const message = aSlackMessage(standIn.url('/services/T000/B000/XXXX'));
    const receipt = await channel.send(message);
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/services/T000/B000/XXXX');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual(slackPayload(message));
    expect(receipt).toEqual({ providerId: null });
  });

  it('takes a Web-API style {"ok":true} as success', async () => {
    standIn.respondWith(() => ({ status: 200, body: { ok: true, ts: '1503435956.000247' } }));
    await expect(channel.send(aSlackMessage(standIn.url()))).resolves.toEqual({ providerId: '1503435956.000247' });
  });

  it.each([
    ['400 invalid_payload', 400, 'invalid_payload', false, 'invalid_payload'],
    ['400 user_not_found', 400, 'user_not_found', false, 'user_not_found'],
    ['403 action_prohibited', 403, 'action_prohibited', false, 'action_prohibited'],
    ['404 no_service', 404, 'no_service', false, 'no_service'],
    ['404 channel_not_found', 404, 'channel_not_found', false, 'channel_not_found'],
    ['410 channel_is_archived', 410, 'channel_is_archived', false, 'channel_is_archived'],
    ['500 rollup_error', 500, 'rollup_error', true, 'rollup_error'],
    ['502 from a proxy', 502, '<html>Bad Gateway</html>', true, 'http_502'],
    ['200 with another body', 200, 'maybe', false, 'http_200'],
    ['200 with an empty body', 200, '', false, 'http_200'],
    ['200 {"ok":false} channel_not_found', 200, { ok: false, error: 'channel_not_found' }, false, 'channel_not_found'],
    ['200 {"ok":false} ratelimited', 200, { ok: false, error: 'ratelimited' }, true, 'ratelimited'],
    ['301 redirect', 301, '', false, 'http_301'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aSlackMessage(standIn.url())));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('maps 429 to retryable and says when to retry', async () => {
    standIn.failNext(1, 429, 'rate_limited', { 'retry-after': '30' });
    const err = await deliveryErrorOf(channel.send(aSlackMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'rate_limited' });
    expect(err.message).toContain('retry after 30 s');
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new SlackChannel({ timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(slow.send(aSlackMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });

  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const err = await deliveryErrorOf(channel.send(aSlackMessage(`http://127.0.0.1:${port}/hook`)));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
  });

  it('refuses a URL that is not http(s) without retrying', async () => {
    const err = await deliveryErrorOf(channel.send(aSlackMessage('ftp://hooks.slack.com/x')));
    expect(err).toMatchObject({ retryable: false, providerCode: 'invalid_url' });
  });
});
