/**
 * Discord channel webhooks (`https://discord.com/api/webhooks/{id}/{token}`), executed with
 * `?wait=true` so that Discord confirms the message and returns it (200 + the message, whose `id` is
 * the receipt); without wait Discord answers 204, which is accepted too.
 *
 * Failures: 429 with JSON `{message, retry_after (seconds, may be fractional), global}` and a
 * Retry-After header; 400 `{code: 50006 | 50035, message, errors}` for a bad body; 401/404
 * `{code: 10015, message: "Unknown Webhook"}` for a deleted webhook. 5xx and transport failures retry.
 *
 * Mentions: `content` carries `<@userId>` (or `<@&roleId>`), and `allowed_mentions` pings exactly those
 * and nothing else, so `@everyone` in a monitor's message never pings a channel. Alert values are
 * Markdown-escaped.
 */
import { alertFacts, alertTitle, escapeMarkdown } from '@klaxon/alert-format';
import { DeliveryError, type DeliveryReceipt, type NotificationChannel } from '../notification-channel';
import { alertLine, alertLook, truncate, type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, destinationUrl, excerpt, httpStatusRetryable, postWithTimeout, retryAfterSeconds, type HttpReply } from './http-post';

export type DiscordMessage = ImMessage & { kind: 'discord' };

export interface DiscordChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** IANA zone for the readable first-seen time (default UTC) */
  timeZone?: string;
}

export interface DiscordEmbed {
  title: string;
  description: string;
  /** 0xRRGGBB as an integer */
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  url?: string;
  /** ISO 8601: when the alert was first seen */
  timestamp?: string;
}

export interface DiscordWebhookPayload {
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: []; users: string[]; roles: string[] };
}

// Discord limits (characters)
const CONTENT_MAX = 2000;
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const FIELD_VALUE_MAX = 1024;
const MAX_MENTIONS = 100;

export class DiscordChannel implements NotificationChannel<DiscordMessage> {
  readonly kind = 'discord' as const;
  private readonly timeoutMs: number;
  private readonly timeZone: string | undefined;

  constructor(options: DiscordChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.timeZone = options.timeZone;
  }

  async send(message: DiscordMessage): Promise<DeliveryReceipt> {
    const reply = await postWithTimeout({
      url: discordWebhookUrl(message.url),
      body: JSON.stringify(discordPayload(message, this.timeZone)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'Discord',
    });
    return discordReceipt(reply);
  }
}

/** The webhook URL with `wait=true`, keeping any other query (e.g. `thread_id`). */
export function discordWebhookUrl(value: string): string {
  const url = destinationUrl(value, 'Discord');
  url.searchParams.set('wait', 'true');
  return url.href;
}

/** The webhook body for a page or a recovery notice. */
export function discordPayload(message: Pick<DiscordMessage, 'alert' | 'mention'>, timeZone?: string): DiscordWebhookPayload {
  const alert = message.alert;
  const look = alertLook(alert);
  const { users, roles } = message.mention ? discordMentions(message.mention) : { users: [], roles: [] };
  const pings = [...users.map((id) => `<@${id}>`), ...roles.map((id) => `<@&${id}>`)].join(' ');

  const embed: DiscordEmbed = {
    title: truncate(`${look.emoji} ${escapeMarkdown(alertTitle(alert))}`, TITLE_MAX),
    description: truncate(`**${escapeMarkdown(alertLine(alert))}**`, DESCRIPTION_MAX),
    color: Number.parseInt(look.color.replace(/^#/, ''), 16),
    fields: alertFacts(alert, timeZone === undefined ? {} : { timeZone }).map(({ label, value }) => ({
      name: label,
      value: truncate(escapeMarkdown(value), FIELD_VALUE_MAX),
      inline: true,
    })),
  };
  const url = httpUrl(alert.url);
  if (url !== undefined) embed.url = url;
  if (!Number.isNaN(alert.firstSeenAt.getTime())) embed.timestamp = alert.firstSeenAt.toISOString();

  const content = truncate(
    [pings, `${look.emoji} ${escapeMarkdown(alertLine(alert))} #${alert.number}${alert.count > 1 ? ` ×${alert.count}` : ''}`].filter(Boolean).join(' '),
    CONTENT_MAX,
  );
  return { content, embeds: [embed], allowed_mentions: { parse: [], users, roles } };
}

/**
 * User and role ids from one or more handles (spaces or commas): `80351110224678912`, `@8035…`,
 * `<@8035…>`, `<@!8035…>` are users; `&1234…` / `<@&1234…>` are roles. Anything that is not a snowflake
 * is dropped: a webhook cannot look up names.
 */
export function discordMentions(handles: string): { users: string[]; roles: string[] } {
  const users: string[] = [];
  const roles: string[] = [];
  for (const handle of handles.split(/[\s,]+/).filter(Boolean)) {
    const match = /^<?@?(!|&)?(\d{15,25})>?$/.exec(handle);
    if (!match?.[2]) continue;
    const list = match[1] === '&' ? roles : users;
    if (!list.includes(match[2]) && list.length < MAX_MENTIONS) list.push(match[2]);
  }
  return { users, roles };
}

function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

interface DiscordReplyJson {
  id?: unknown;
  code?: unknown;
  message?: unknown;
  retry_after?: unknown;
  global?: unknown;
}

function discordReceipt(reply: HttpReply): DeliveryReceipt {
  const body = reply.text.trim();
  const json = parseJson(body);
  if (reply.status >= 200 && reply.status < 300) {
    return { providerId: typeof json?.id === 'string' ? json.id : null };
  }
  const retryAfter = reply.status === 429 ? (typeof json?.retry_after === 'number' ? json.retry_after : retryAfterSeconds(reply.headers)) : null;
  const code = typeof json?.code === 'number' || typeof json?.code === 'string' ? `discord_${json.code}` : null;
  const detail = typeof json?.message === 'string' ? json.message : excerpt(body) || '(empty body)';
  throw new DeliveryError(
    `Discord refused the message: HTTP ${reply.status} ${detail}${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}`,
    httpStatusRetryable(reply.status),
    reply.status === 429 ? 'rate_limited' : (code ?? `http_${reply.status}`),
  );
}

function parseJson(text: string): DiscordReplyJson | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as DiscordReplyJson) : null;
  } catch {
    return null;
  }
}
