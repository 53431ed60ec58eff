import { freePort } from '../../../testing/src/free-port';
import { startWebhookStandIn, type WebhookStandIn } from '../../../testing/src/stand-ins/webhook-stand-in';
import { TeamsChannel, teamsMentions, teamsPayload, type TeamsMessage, type TeamsWebhookPayload } from './teams.channel';
import { anAlert, deliveryErrorOf } from './channel-spec-helpers';

function aTeamsMessage(url: string, overrides: Partial<TeamsMessage> = {}): TeamsMessage {
  return { kind: 'teams', url, alert: anAlert(), mention: 'alice@example.com', idempotencyKey: 'n-1', ...overrides };
}

describe('teamsPayload', () => {
  it('is a message with one Adaptive Card: coloured title, bracket line, facts, mention and an Open button', () => {
    expect(teamsPayload({ alert: anAlert(), mention: 'alice@example.com' })).toEqual<TeamsWebhookPayload>({
      type: 'message',
      summary: '🔴 [P0][PROBLEM][web-01][10.0.0.1][host is down] #4711',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: '🔴 \\[P0\\]\\[PROBLEM\\] web-01: host is down (#4711)', wrap: true, size: 'Large', weight: 'Bolder', color: 'Attention' },
              { type: 'TextBlock', text: '\\[P0\\]\\[PROBLEM\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\]', wrap: true, isSubtle: true, spacing: 'None' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Alert', value: '#4711' },
                  { title: 'Count', value: '3' },
                  { title: 'First seen', value: '2026-03-01T02:03:04Z (Sun 1 Mar 2026 02:03 UTC)' },
                  { title: 'Host', value: 'web-01' },
                  { title: 'IP', value: '10.0.0.1' },
                ],
              },
              { type: 'TextBlock', text: '<at>alice@example.com</at>', wrap: true },
            ],
            actions: [{ type: 'Action.OpenUrl', title: 'Open alert #4711', url: 'https://klaxon.example.com/alerts/4711' }],
            msteams: {
              width: 'Full',
              entities: [{ type: 'mention', text: '<at>alice@example.com</at>', mentioned: { id: 'alice@example.com', name: 'alice@example.com' } }],
            },
          },
        },
      ],
    });
  });

  it('shows a recovery in green with ✅ and who resolved it', () => {
    const card = teamsPayload({ alert: anAlert({ status: 'OK', actor: 'alice' }) }).attachments[0]!.content;
    expect(card.body[0]).toMatchObject({ text: '✅ \\[P0\\]\\[OK\\] web-01: host is down (#4711) resolved by alice', color: 'Good' });
    expect(card.body[2]).toMatchObject({ facts: expect.arrayContaining([{ title: 'Resolved by', value: 'alice' }]) });
  });

  it.each([
    ['P1', 'Attention'],
    ['P2', 'Warning'],
    ['P5', 'Accent'],
  ])('colours a %s title %s', (priority, color) => {
    expect(teamsPayload({ alert: anAlert({ priority }) }).attachments[0]!.content.body[0]).toMatchObject({ color });
  });

  it('has no actions without a safe URL and no entities without a mention', () => {
    const card = teamsPayload({ alert: anAlert({ url: 'javascript:alert(1)' }) }).attachments[0]!.content;
    expect(card.actions).toBeUndefined();
    expect(card.msteams).toEqual({ width: 'Full' });
    expect(card.body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet']);
  });

  it('escapes hostile text so that it cannot become markup, a link or a mention', () => {
    const payload = teamsPayload({ alert: anAlert({ message: '<script>alert(1)</script> [x](http://evil) <at>bob</at> **b**' }) });
    const json = JSON.stringify(payload.attachments[0]!.content.body);
    expect(json).not.toContain('<script>');
    expect(json).toContain('\\\\<script\\\\>');
    expect(json).toContain('\\\\[x\\\\](http://evil)');
    expect(json).not.toContain('<at>bob</at>');
    expect(json).toContain('\\\\*\\\\*b\\\\*\\\\*');
    expect(payload.attachments[0]!.content.msteams.entities).toBeUndefined();
  });
});

describe('teamsMentions', () => {
  it('mentions UPNs and ids, with an optional display name', () => {
    expect(teamsMentions('alice@example.com, Bob|29:1abc')).toEqual([
      { type: 'mention', text: '<at>alice@example.com</at>', mentioned: { id: 'alice@example.com', name: 'alice@example.com' } },
      { type: 'mention', text: '<at>Bob</at>', mentioned: { id: '29:1abc', name: 'Bob' } },
    ]);
  });
});

describe('TeamsChannel against a webhook stand-in', () => {
  let standIn: WebhookStandIn;
  const channel = new TeamsChannel();

  beforeAll(async () => {
    standIn = await startWebhookStandIn();
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.respondWith(null));

  it('POSTs the card as JSON to the Workflows URL and takes 202 as success', async () => {
    standIn.respondWith(() => ({ status: 202, body: '' }));
    const path = '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=xyz';
    const message = aTeamsMessage(standIn.url(path));
    await expect(channel.send(message)).resolves.toEqual({ providerId: null });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(path);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual(teamsPayload(message));
  });

  it('takes a legacy connector’s 200 "1" as success', async () => {
    standIn.respondWith(() => ({ status: 200, body: '1' }));
    await expect(channel.send(aTeamsMessage(standIn.url()))).resolves.toEqual({ providerId: null });
  });

  it.each([
    ['400 bad card', 400, 'Bad payload received by generic incoming webhook.', false, 'http_400'],
    ['400 Workflows schema error', 400, { error: { code: 'TriggerInputSchemaMismatch', message: 'bad' } }, false, 'TriggerInputSchemaMismatch'],
    ['404 deleted flow', 404, '', false, 'http_404'],
    ['413 too large', 413, 'too large', false, 'http_413'],
    ['500', 500, '', true, 'http_500'],
    ['502 from a proxy', 502, '<html>Bad Gateway</html>', true, 'http_502'],
    ['200 wrapping a 429', 200, 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId x', true, 'http_429'],
    ['200 wrapping a 400', 200, 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400', false, 'http_400'],
  ])('maps %s', async (_name, status, body, retryable, providerCode) => {
    standIn.failNext(1, status, body);
    const err = await deliveryErrorOf(channel.send(aTeamsMessage(standIn.url())));
    expect(err).toMatchObject({ retryable, providerCode });
  });

  it('maps 429 to retryable and says when to retry', async () => {
    standIn.failNext(1, 429, '', { 'retry-after': '12' });
    const err = await deliveryErrorOf(channel.send(aTeamsMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'http_429' });
    expect(err.message).toContain('retry after 12 s');
  });

  it('turns a timeout into a retryable error', async () => {
    const slow = new TeamsChannel({ timeoutMs: 150 });
    standIn.respondWith(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 600)));
    const err = await deliveryErrorOf(slow.send(aTeamsMessage(standIn.url())));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
  });

  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const err = await deliveryErrorOf(channel.send(aTeamsMessage(`http://127.0.0.1:${port}/hook`)));
    expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
  });
});
