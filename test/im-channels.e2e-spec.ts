/**
 * Every IM channel of SPEC §7 through the real api and worker: one P0 reaches a stand-in for each
 * provider, and each request is checked against the provider's format, with every signature
 * recomputed here from the provider's documented algorithm (not with Klaxon's own signing code).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { verifyWebhookSignature } from '@klaxon/notify';
import {
  TEST_PASSWORD,
  TestClient,
  alertDetailOf,
  createTestDatabase,
  startKlaxon,
  startWebhookStandIn,
  testPasswordHash,
  waitFor,
  type KlaxonStack,
  type RecordedWebhookRequest,
  type StandInReply,
  type TestDatabase,
  type WebhookStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'im-channels-test-token-0123456789';
const DINGTALK_SECRET = 'SEC-dingtalk-secret-0123456789abcdef';
const FEISHU_SECRET = 'feishu-secret-0123456789';
const HOOK_SECRET = 'hook-secret-0123456789';
const DISCORD_USER = '80351110224678912';
const DISCORD_MESSAGE_ID = '1180000000000000001';
const TELEGRAM_CHAT = -1001234567890;
const TELEGRAM_MESSAGE_ID = 4242;

/** Where each channel points on the stand-in: the provider's own path shape, kept apart by a prefix. */
const PATHS = {
  slack: '/slack/services/T000/B000/XXXX',
  teams: '/teams/workflows/flow-1/triggers/manual/paths/invoke?api-version=2016-06-01&sig=teams-sig',
  discord: '/discord/api/webhooks/123456789012345678/discord-token',
  telegram: '/telegram/bot123456:TEST-token',
  dingtalk: '/dingtalk/robot/send?access_token=ding-token',
  dingtalkBad: '/dingtalk-bad/robot/send?access_token=bad-token',
  feishu: '/feishu/open-apis/bot/v2/hook/feishu-hook-id',
  wecom: '/wecom/cgi-bin/webhook/send?key=wecom-key',
  webhook: '/hook/klaxon',
} as const;

/** Each provider's success answer (and DingTalk's "sign not match" for the bad robot). */
function providerReply(req: RecordedWebhookRequest): StandInReply | undefined {
  const path = req.path;
  if (path.startsWith('/teams/')) return { status: 202, body: '' };
  if (path.startsWith('/discord/')) return { status: 200, body: { id: DISCORD_MESSAGE_ID, type: 0, channel_id: '123' } };
  if (path.startsWith('/telegram/')) return { status: 200, body: { ok: true, result: { message_id: TELEGRAM_MESSAGE_ID, chat: { id: TELEGRAM_CHAT } } } };
  if (path.startsWith('/dingtalk-bad/')) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]' } };
  if (path.startsWith('/dingtalk/')) return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  if (path.startsWith('/feishu/')) return { status: 200, body: { code: 0, msg: 'success', data: {} } };
  if (path.startsWith('/wecom/')) return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  if (path.startsWith('/hook/')) return { status: 204 };
  return undefined; // Slack: the stand-in's default `200 ok`
}

let db: TestDatabase;
let stack: KlaxonStack;
let im: WebhookStandIn;
let ingest: TestClient;
let ui: TestClient;

beforeAll(async () => {
  im = await startWebhookStandIn();
  im.respondWith(providerReply);
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  const config = `
tiers:
  critical: { priorities: [P0], channels: [im], voiceAfter: null, escalate: false, quietHours: ignore, groupWindow: 0s }
delivery: { attempts: 3, backoff: 100ms }
users:
  - id: alice
    name: Alice
    role: admin
    passwordHash: "${hash}"
    im:
      slack: U0ALICE
      teams: "Alice|alice@example.com"
      discord: "${DISCORD_USER}"
      telegram: alice_oncall
      dingtalk: "13800000001"
      feishu: ou_alice
      wecom: alice
channels:
  - { id: ops-slack, type: slack, url: "${im.url(PATHS.slack)}" }
  - { id: ops-teams, type: teams, url: "${im.url(PATHS.teams)}" }
  - { id: ops-discord, type: discord, url: "${im.url(PATHS.discord)}" }
  - { id: ops-telegram, type: telegram, url: "${im.url(PATHS.telegram)}", chatId: "${TELEGRAM_CHAT}" }
  - { id: ops-dingtalk, type: dingtalk, url: "${im.url(PATHS.dingtalk)}", secret: "${DINGTALK_SECRET}" }
  - { id: bad-dingtalk, type: dingtalk, url: "${im.url(PATHS.dingtalkBad)}", secret: "${DINGTALK_SECRET}" }
  - { id: ops-feishu, type: feishu, url: "${im.url(PATHS.feishu)}", secret: "${FEISHU_SECRET}" }
  - { id: ops-wecom, type: wecom, url: "${im.url(PATHS.wecom)}" }
  - { id: ops-hook, type: webhook, url: "${im.url(PATHS.webhook)}", secret: "${HOOK_SECRET}" }
escalationPolicies:
  - id: everywhere
    steps:
      - notify: [user:alice, channel:ops-slack, channel:ops-teams, channel:ops-discord, channel:ops-telegram, channel:ops-dingtalk, channel:ops-feishu, channel:ops-wecom, channel:ops-hook]
  - id: badsign
    steps:
      - { notify: [user:alice, channel:bad-dingtalk] }
routes:
  - match: { host: "badsign-*" }
    policy: badsign
  - policy: everywhere
integrations:
  - { id: monitoring, token: ${TOKEN} }
`;
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: config });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await im?.close();
});

const uniqueHost = (base: string) => `${base}${randomBytes(4).toString('hex')}`;
const post = async (line: string) => expect((await ingest.postLines(line, TOKEN)).status).toBe(202);
/** The one request to a channel's stand-in path that is about this host. */
const requestTo = (prefix: string, host: string) => {
  const found = im.requests.filter((r) => r.path.startsWith(prefix) && r.rawBody.includes(host));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const urlOf = (req: RecordedWebhookRequest) => new URL(req.path, im.baseUrl);
const hmacBase64 = (key: string, message: string) => createHmac('sha256', key).update(message, 'utf8').digest('base64');

describe('every IM channel (SPEC §7)', () => {
  it("sends one P0 to each provider's stand-in, formatted and signed as the provider documents", async () => {
    const host = uniqueHost('imhost');
    const line = `[P0][PROBLEM][${host}][10.0.0.1][host is down]`;
    const before = Date.now();
    await post(line);

    const prefixes = ['/slack/', '/teams/', '/discord/', '/telegram/', '/dingtalk/', '/feishu/', '/wecom/', '/hook/'];
    await waitFor(() => prefixes.every((p) => im.requests.some((r) => r.path.startsWith(p) && r.rawBody.includes(host))), {
      what: 'a request to every IM stand-in',
    });
    const after = Date.now();
    const alert = await waitFor(() => alertDetailOf(ui, host));
    const number: number = alert.number;
    const title = `[P0][PROBLEM] ${host}: host is down (#${number})`;

    for (const prefix of prefixes) {
      const req = requestTo(prefix, host);
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toMatch(/^application\/json/);
    }

    // Slack: an incoming webhook with Block Kit blocks, the fallback text and the mention
    const slack = requestTo('/slack/', host);
    expect(slack.path).toBe(PATHS.slack);
    const slackBody = slack.json as { text: string; blocks: { type: string; text?: { type: string; text: string } }[]; attachments: { color: string; blocks: unknown[] }[] };
    expect(slackBody.text).toBe(`🔴 ${line} #${number} <@U0ALICE>`);
    expect(slackBody.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(slackBody.blocks[0]!.text).toEqual({ type: 'plain_text', text: `🔴 ${line}`, emoji: true });
    expect(slackBody.blocks[1]!.text).toMatchObject({ type: 'mrkdwn', text: expect.stringContaining(`<@U0ALICE> · *P0 problem* · *#${number}*`) });
    expect(slackBody.attachments).toEqual([expect.objectContaining({ color: '#E01E5A', blocks: expect.any(Array) })]);

    // Teams: a message activity holding one Adaptive Card 1.4, the person mentioned by entity
    const teams = requestTo('/teams/', host);
    expect(teams.path).toBe(PATHS.teams);
    const teamsBody = teams.json as {
      type: string;
      attachments: { contentType: string; contentUrl: null; content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[]; msteams: { entities?: unknown[] } } }[];
    };
    expect(teamsBody.type).toBe('message');
    expect(teamsBody.attachments).toHaveLength(1);
    const card = teamsBody.attachments[0]!;
    expect(card).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { type: 'AdaptiveCard', version: '1.4' } });
    expect(card.content.body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet', 'TextBlock']);
    expect(card.content.body[0]!.text).toContain(host);
    expect(card.content.body[2]!.facts).toEqual(expect.arrayContaining([{ title: 'Host', value: host }, { title: 'Alert', value: `#${number}` }]));
    expect(card.content.body[3]!.text).toBe('<at>Alice</at>');
    expect(card.content.msteams.entities).toEqual([{ type: 'mention', text: '<at>Alice</at>', mentioned: { id: 'alice@example.com', name: 'Alice' } }]);

    // Discord: executed with ?wait=true, one embed, and a ping for exactly the mentioned user
    const discord = requestTo('/discord/', host);
    expect(urlOf(discord).pathname).toBe('/discord/api/webhooks/123456789012345678/discord-token');
    expect(urlOf(discord).searchParams.get('wait')).toBe('true');
    const discordBody = discord.json as { content: string; embeds: { title: string; description: string; color: number; fields: { name: string; value: string }[]; timestamp: string }[]; allowed_mentions: unknown };
    expect(discordBody.content.startsWith(`<@${DISCORD_USER}> 🔴 `)).toBe(true);
    expect(discordBody.allowed_mentions).toEqual({ parse: [], users: [DISCORD_USER], roles: [] });
    expect(discordBody.embeds).toHaveLength(1);
    expect(discordBody.embeds[0]!.title).toContain(host);
    expect(discordBody.embeds[0]!.color).toBe(0xe01e5a);
    expect(discordBody.embeds[0]!.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Host', value: host })]));
    expect(new Date(discordBody.embeds[0]!.timestamp).getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Telegram: Bot API sendMessage on the bot's URL, HTML text, the configured chat
    const telegram = requestTo('/telegram/', host);
    expect(telegram.path).toBe(`${PATHS.telegram}/sendMessage`);
    const telegramBody = telegram.json as { chat_id: number; text: string; parse_mode: string; disable_web_page_preview: boolean };
    expect(telegramBody).toMatchObject({ chat_id: TELEGRAM_CHAT, parse_mode: 'HTML', disable_web_page_preview: true });
    expect(telegramBody.text.split('\n').slice(0, 2)).toEqual([`🔴 <b>${title}</b>`, `<code>${line}</code>`]);
    expect(telegramBody.text).toContain(`<b>Host:</b> ${host}`);
    expect(telegramBody.text).toContain('@alice_oncall');

    // DingTalk: signed in the query (timestamp in ms, sign url-encoded), markdown with @mobile
    const dingtalk = requestTo('/dingtalk/', host);
    const dingUrl = urlOf(dingtalk);
    expect(dingUrl.pathname).toBe('/dingtalk/robot/send');
    expect(dingUrl.searchParams.get('access_token')).toBe('ding-token');
    const dingTimestamp = Number(dingUrl.searchParams.get('timestamp'));
    expect(dingTimestamp).toBeGreaterThanOrEqual(before);
    expect(dingTimestamp).toBeLessThanOrEqual(after);
    const dingSign = hmacBase64(DINGTALK_SECRET, `${dingTimestamp}\n${DINGTALK_SECRET}`);
    expect(dingUrl.searchParams.get('sign')).toBe(dingSign);
    // url-encoded on the wire: base64's + / = would otherwise be mangled by DingTalk's query parsing
    expect(dingtalk.path).toContain(`&sign=${encodeURIComponent(dingSign)}`);
    const dingBody = dingtalk.json as { msgtype: string; markdown: { title: string; text: string }; at: unknown };
    expect(dingBody.msgtype).toBe('markdown');
    expect(dingBody.markdown.title).toBe(`🚨 ${title}`);
    expect(dingBody.markdown.text.startsWith(`### 🚨 ${title}\n\n`)).toBe(true);
    expect(dingBody.markdown.text.endsWith('\n\n@13800000001')).toBe(true);
    expect(dingBody.at).toEqual({ atMobiles: ['13800000001'], isAtAll: false });

    // Feishu: timestamp (seconds) and sign in the body, an interactive card with a red header
    const feishu = requestTo('/feishu/', host);
    expect(feishu.path).toBe(PATHS.feishu);
    const feishuBody = feishu.json as {
      timestamp: string;
      sign: string;
      msg_type: string;
      card: { header: { title: { tag: string; content: string }; template: string }; elements: { tag: string; content?: string }[] };
    };
    expect(feishuBody.timestamp).toMatch(/^\d{10}$/);
    const feishuTimestamp = Number(feishuBody.timestamp);
    expect(feishuTimestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(feishuTimestamp).toBeLessThanOrEqual(Math.ceil(after / 1000));
    // the key is timestamp + "\n" + secret and the message is empty
    expect(feishuBody.sign).toBe(createHmac('sha256', `${feishuBody.timestamp}\n${FEISHU_SECRET}`).update('').digest('base64'));
    expect(feishuBody.msg_type).toBe('interactive');
    expect(feishuBody.card.header).toEqual({ title: { tag: 'plain_text', content: `🚨 ${title}` }, template: 'red' });
    expect(feishuBody.card.elements[0]).toMatchObject({ tag: 'markdown', content: expect.stringMatching(/^<at id="ou_alice"><\/at> 🚨 \*\*P0 problem\*\*\n/) });

    // WeCom: markdown with the warning colour and the <@userid> mention
    const wecom = requestTo('/wecom/', host);
    expect(wecom.path).toBe(PATHS.wecom);
    const wecomBody = wecom.json as { msgtype: string; markdown: { content: string } };
    expect(wecomBody.msgtype).toBe('markdown');
    const wecomLines = wecomBody.markdown.content.split('\n');
    expect(wecomLines[0]).toBe(`🚨 <font color="warning">**P0 problem**</font> #${number}`);
    expect(wecomLines[1]).toBe(`**${line}**`);
    expect(wecomLines).toContain(`> Host: <font color="comment">${host}</font>`);
    expect(wecomLines[wecomLines.length - 1]).toBe('<@alice>');

    // the generic webhook: the versioned JSON document, signed over timestamp + "." + raw body
    const hook = requestTo('/hook/', host);
    expect(hook.path).toBe(PATHS.webhook);
    const timestamp = hook.headers['x-klaxon-timestamp']!;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    const expectedSignature = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${hook.rawBody}`).digest('hex')}`;
    expect(hook.headers['x-klaxon-signature']).toBe(expectedSignature);
    expect(verifyWebhookSignature(HOOK_SECRET, timestamp, hook.rawBody, hook.headers['x-klaxon-signature'])).toBe(true);
    expect(verifyWebhookSignature(HOOK_SECRET, timestamp, hook.rawBody.replace(host, `${host}x`), hook.headers['x-klaxon-signature'])).toBe(false);
    expect(verifyWebhookSignature('another-secret', timestamp, hook.rawBody, hook.headers['x-klaxon-signature'])).toBe(false);
    expect(hook.json).toEqual({
      version: 1,
      event: 'alert.problem',
      alert: { number, priority: 'P0', status: 'PROBLEM', host, ip: '10.0.0.1', message: 'host is down', count: 1, firstSeenAt: expect.any(String), url: expect.stringContaining(String(number)) },
      idempotencyKey: hook.headers['x-klaxon-idempotency-key'],
      sentAt: expect.any(String),
    });

    // each provider's answer was taken as a delivery, with its message id where the provider gives one
    const detail = await waitFor(async () => {
      const a = await alertDetailOf(ui, host);
      return a.notifications.length === 8 && a.notifications.every((n: { status: string }) => n.status === 'sent') ? a : undefined;
    }, { what: 'eight notifications sent' });
    const byChannel = new Map<string, { providerId: string | null }>(detail.notifications.map((n: { channel: string; providerId: string | null }) => [n.channel, n]));
    expect([...byChannel.keys()].sort()).toEqual(['dingtalk', 'discord', 'feishu', 'slack', 'teams', 'telegram', 'webhook', 'wecom']);
    expect(byChannel.get('telegram')!.providerId).toBe(String(TELEGRAM_MESSAGE_ID));
    expect(byChannel.get('discord')!.providerId).toBe(DISCORD_MESSAGE_ID);
    expect(detail.events.filter((e: { type: string }) => e.type === 'notified')).toHaveLength(8);
  });

  it("records the notification failed on the alert's timeline when DingTalk answers errcode 310000 (sign mismatch)", async () => {
    const host = uniqueHost('badsign-');
    await post(`[P0][PROBLEM][${host}][10.0.0.2][host is down]`);
    const failed = await waitFor(async () => {
      const a = await alertDetailOf(ui, host);
      return a?.events.some((e: { type: string }) => e.type === 'failed') ? a : undefined;
    }, { what: 'the failure on the timeline' });

    const request = requestTo('/dingtalk-bad/', host);
    // it was signed properly, and DingTalk's refusal is final: no retries of a sign mismatch
    const timestamp = urlOf(request).searchParams.get('timestamp')!;
    expect(urlOf(request).searchParams.get('sign')).toBe(hmacBase64(DINGTALK_SECRET, `${timestamp}\n${DINGTALK_SECRET}`));
    expect(failed.notifications).toEqual([expect.objectContaining({ channel: 'dingtalk', status: 'failed', error: expect.stringContaining('errcode 310000') })]);
    expect(failed.events.find((e: { type: string }) => e.type === 'failed')).toMatchObject({ detail: expect.objectContaining({ error: expect.stringContaining('310000') }) });
    expect(im.requests.filter((r) => r.path.startsWith('/dingtalk-bad/') && r.rawBody.includes(host))).toHaveLength(1);
  });
});
