/**
 * Feishu / Lark custom bots (自定义机器人) with an interactive message card. The webhook URL
 * (`https://open.feishu.cn/open-apis/bot/v2/hook/…` or `https://open.larksuite.com/…`) comes with each
 * message, so one instance serves every bot.
 *
 * Signing, when the bot has a secret: the body carries `timestamp` (seconds, as a string) and
 * `sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty))`; the bot refuses a
 * timestamp more than an hour off. Success is `{"code":0,…}` (older deployments: `{"StatusCode":0,…}`);
 * a non-zero code is a refusal: 9499 / 11232 (rate limits) can succeed later, 19021 (sign match fail),
 * 19024 (IP not allowed), 19007 (bot not in the chat) and the like will not.
 */
import { createHmac } from 'node:crypto';
import { alertFacts, alertLine, alertTitle, escapeMarkdown, statusEmoji } from '@klaxon/alert-format';
import type { AlertMessage, DeliveryReceipt, NotificationChannel } from '../notification-channel';
import { truncate, type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, codeReplyReceipt, postWithTimeout, type HttpReply } from './http-post';

export type FeishuMessage = ImMessage & { kind: 'feishu' };

export interface FeishuChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** the clock for the signature's timestamp (ms since the epoch); default Date.now */
  now?: () => number;
}

export type FeishuTemplate = 'red' | 'orange' | 'yellow' | 'blue' | 'green';

export type FeishuCardElement =
  | { tag: 'markdown'; content: string }
  | { tag: 'div'; fields: { is_short: boolean; text: { tag: 'lark_md'; content: string } }[] }
  | { tag: 'action'; actions: { tag: 'button'; text: { tag: 'plain_text'; content: string }; type: 'primary' | 'danger' | 'default'; url: string }[] };

export interface FeishuCard {
  config: { wide_screen_mode: true };
  header: { title: { tag: 'plain_text'; content: string }; template: FeishuTemplate };
  elements: FeishuCardElement[];
}

export interface FeishuCardPayload {
  timestamp?: string;
  sign?: string;
  msg_type: 'interactive';
  card: FeishuCard;
}

/** codes that mean "not now" rather than "never": 9499 / 11232 too many requests, 11233 frequency limited. */
const RETRYABLE_FEISHU_CODES = new Set([9499, 11232, 11233]);
const TITLE_MAX = 200;

export class FeishuChannel implements NotificationChannel<FeishuMessage> {
  readonly kind = 'feishu' as const;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: FeishuChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  async send(message: FeishuMessage): Promise<DeliveryReceipt> {
    const signature = message.secret ? feishuSignature(message.secret, Math.floor(this.now() / 1000)) : {};
    const reply = await postWithTimeout({
      url: message.url,
      body: JSON.stringify({ ...signature, ...feishuPayload(message) }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'Feishu',
    });
    return feishuReceipt(reply);
  }
}

/** `base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty))`: the string is the key. */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
}

export function feishuSignature(secret: string, timestampSeconds: number): { timestamp: string; sign: string } {
  return { timestamp: String(timestampSeconds), sign: feishuSign(secret, timestampSeconds) };
}

/** The header colour: green for a recovery, otherwise by priority (P0 red, P1 orange, P2 yellow, lower blue). */
export function feishuTemplate(alert: Pick<AlertMessage, 'status' | 'priority'>): FeishuTemplate {
  if (alert.status === 'OK') return 'green';
  const rank = /^[Pp]([0-9])$/.exec(alert.priority.trim())?.[1];
  return rank === '0' ? 'red' : rank === '1' ? 'orange' : rank === '2' ? 'yellow' : 'blue';
}

/**
 * Feishu mention markup for open ids (`ou_…`) or user ids, separated by spaces or commas; `all`/`@all`
 * mentions everyone. An already formatted `<at …></at>` stays as it is.
 */
export function feishuMention(handles: string): string {
  const tags: string[] = [];
  const formatted = handles.match(/<at\b[^>]*>[^<]*<\/at>/g) ?? [];
  tags.push(...formatted);
  const rest = handles.replace(/<at\b[^>]*>[^<]*<\/at>/g, ' ');
  for (const raw of rest.split(/[\s,]+/)) {
    const handle = raw.replace(/^@/, '').replace(/[<>"&]/g, '');
    if (handle === '') continue;
    tags.push(handle.toLowerCase() === 'all' ? '<at id=all></at>' : `<at id="${handle}"></at>`);
  }
  return tags.join(' ');
}

/** The interactive card for a page or a recovery notice (the signature fields are added by send). */
export function feishuPayload(message: Pick<FeishuMessage, 'alert' | 'mention'>): FeishuCardPayload {
  const alert = message.alert;
  const emoji = statusEmoji(alert.status, alert.priority);
  const mention = message.mention ? feishuMention(message.mention) : '';
  const state = alert.status === 'OK' ? '**Recovered**' : alert.actor !== undefined ? '**Acknowledged**' : `**${escapeMarkdown(alert.priority)} problem**`;
  const elements: FeishuCardElement[] = [
    { tag: 'markdown', content: `${mention ? `${mention} ` : ''}${emoji} ${state}\n${escapeMarkdown(alertLine(alert))}` },
    {
      tag: 'div',
      fields: alertFacts(alert).map(({ label, value }) => ({ is_short: true, text: { tag: 'lark_md', content: `**${label}:**\n${escapeMarkdown(value)}` } })),
    },
  ];
  const url = alert.url?.trim();
  if (url && /^https?:\/\//i.test(url)) {
    elements.push({
      tag: 'action',
      actions: [{ tag: 'button', text: { tag: 'plain_text', content: `Open alert #${alert.number} in Klaxon` }, type: alert.status === 'OK' ? 'default' : 'primary', url }],
    });
  }
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: truncate(`${emoji} ${alertTitle(alert)}`, TITLE_MAX) }, template: feishuTemplate(alert) },
      elements,
    },
  };
}

function feishuReceipt(reply: HttpReply): DeliveryReceipt {
  return codeReplyReceipt(reply, {
    name: 'Feishu',
    codeField: 'code',
    // the newer API answers `code`/`msg`, the older one `StatusCode`/`StatusMessage`
    read: (a) => ({ code: a.code ?? a.StatusCode, message: a.msg ?? a.StatusMessage }),
    retryableCodes: RETRYABLE_FEISHU_CODES,
  });
}

