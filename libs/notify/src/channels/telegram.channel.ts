/**
 * Telegram through the Bot API: `POST {url}/sendMessage` where `url` is the bot's API base with its
 * token (`https://api.telegram.org/bot<token>`, or a local Bot API server) and `options.chatId` the
 * chat (a numeric id, or `@channelusername`). The text is HTML (parse_mode "HTML"): every alert value
 * is escaped, only Klaxon's own <b>, <a> and <code> tags remain.
 *
 * Every reply is JSON: `{ok: true, result: Message}` (message_id is the receipt) or
 * `{ok: false, error_code, description, parameters?: {retry_after, migrate_to_chat_id}}`, with the
 * HTTP status equal to error_code. 429 (flood control) and 5xx retry; 400 "chat not found", 401 (bad
 * token), 403 "bot was blocked by the user" / "bot was kicked" do not.
 */
import { alertFacts, alertTitle, escapeHtml } from '@klaxon/alert-format';
import { DeliveryError, type DeliveryReceipt, type NotificationChannel } from '../notification-channel';
import { alertLine, alertLook, truncate, type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, destinationUrl, excerpt, httpStatusRetryable, postWithTimeout, retryAfterSeconds, type HttpReply } from './http-post';

export type TelegramMessage = ImMessage & { kind: 'telegram' };

export interface TelegramChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** IANA zone for the readable first-seen time (default UTC) */
  timeZone?: string;
}

export interface TelegramSendMessage {
  chat_id: string | number;
  text: string;
  parse_mode: 'HTML';
  disable_web_page_preview: true;
}

/** Telegram's limit is 4096 characters after entity parsing; escaped values only get shorter there. */
const VALUE_MAX = 1000;

export class TelegramChannel implements NotificationChannel<TelegramMessage> {
  readonly kind = 'telegram' as const;
  private readonly timeoutMs: number;
  private readonly timeZone: string | undefined;

  constructor(options: TelegramChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.timeZone = options.timeZone;
  }

  async send(message: TelegramMessage): Promise<DeliveryReceipt> {
    const chatId = telegramChatId(message.options?.chatId);
    const reply = await postWithTimeout({
      url: telegramMethodUrl(message.url, 'sendMessage'),
      body: JSON.stringify({
        chat_id: chatId,
        text: telegramText(message, this.timeZone),
        parse_mode: 'HTML',
        disable_web_page_preview: true,
      } satisfies TelegramSendMessage),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'Telegram',
    });
    return telegramReceipt(reply);
  }
}

/** `{base}/sendMessage`, whether or not the base ends in a slash. */
export function telegramMethodUrl(base: string, method: string): string {
  const url = destinationUrl(base, 'Telegram');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${method}`;
  return url.href;
}

/** The chat id from the destination's options: an integer id (as number or string) or `@channelusername`. */
export function telegramChatId(value: unknown): string | number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^-?\d+$/.test(trimmed)) return Number.isSafeInteger(Number(trimmed)) ? Number(trimmed) : trimmed;
    if (/^@[A-Za-z0-9_]{4,}$/.test(trimmed)) return trimmed;
  }
  throw new DeliveryError(
    value === undefined || value === null || value === '' ? 'Telegram destination has no chatId option' : 'Telegram destination has an invalid chatId option',
    false,
    'invalid_chat_id',
  );
}

/** The message text in Telegram's HTML: bold title line, the bracket line, the facts, the link, the mention. */
export function telegramText(message: Pick<TelegramMessage, 'alert' | 'mention'>, timeZone?: string): string {
  const alert = message.alert;
  const look = alertLook(alert);
  const headline = `${look.emoji} <b>${escapeHtml(truncate(alertTitle(alert), VALUE_MAX))}</b>`;
  const lines = [headline, `<code>${escapeHtml(truncate(alertLine(alert), VALUE_MAX))}</code>`, ''];
  for (const { label, value } of alertFacts(alert, timeZone === undefined ? {} : { timeZone })) {
    lines.push(`<b>${escapeHtml(label)}:</b> ${escapeHtml(truncate(value, VALUE_MAX))}`);
  }
  const url = httpUrl(alert.url);
  if (url !== undefined) lines.push('', `<a href="${escapeHtml(url)}">Open alert #${alert.number} in Klaxon</a>`);
  const mention = message.mention ? telegramMention(message.mention) : '';
  if (mention !== '') lines.push('', mention);
  return lines.join('\n');
}

/**
 * Mentions for one or more handles (spaces or commas): a username → `@username`; a numeric user id →
 * an inline mention link `tg://user?id=…` (for people without a username).
 */
export function telegramMention(handles: string): string {
  return handles
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((h) => {
      const handle = h.replace(/^@/, '');
      if (/^\d{1,20}$/.test(handle)) return `<a href="tg://user?id=${handle}">user ${handle}</a>`;
      return /^[A-Za-z0-9_]{4,32}$/.test(handle) ? `@${handle}` : `@${escapeHtml(handle)}`;
    })
    .join(' ');
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

interface TelegramReplyJson {
  ok?: unknown;
  result?: { message_id?: unknown };
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown };
}

function telegramReceipt(reply: HttpReply): DeliveryReceipt {
  const body = reply.text.trim();
  const json = parseJson(body);
  if (reply.status >= 200 && reply.status < 300 && json?.ok === true) {
    const id = json.result?.message_id;
    return { providerId: typeof id === 'number' || typeof id === 'string' ? String(id) : null };
  }
  const errorCode = typeof json?.error_code === 'number' ? json.error_code : reply.status;
  const status = errorCode >= 400 ? errorCode : reply.status;
  const description = typeof json?.description === 'string' ? json.description : excerpt(body) || '(empty body)';
  const retryAfter =
    typeof json?.parameters?.retry_after === 'number' ? json.parameters.retry_after : status === 429 ? retryAfterSeconds(reply.headers) : null;
  const migrateTo = json?.parameters?.migrate_to_chat_id;
  // a 2xx that is not {ok:true} (a proxy's page) is not a delivery and will not become one
  const retryable = status >= 300 && (httpStatusRetryable(status) || retryAfter !== null);
  throw new DeliveryError(
    `Telegram refused the message: HTTP ${reply.status} ${description}` +
      `${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}` +
      `${typeof migrateTo === 'number' ? ` (the group is now chat ${migrateTo}; update the chatId)` : ''}`,
    retryable,
    `telegram_${status}`,
  );
}

function parseJson(text: string): TelegramReplyJson | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as TelegramReplyJson) : null;
  } catch {
    return null;
  }
}
