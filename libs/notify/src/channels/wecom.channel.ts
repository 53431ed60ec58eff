/**
 * WeCom (企业微信) group robots. The webhook URL (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`)
 * comes with each message, so one instance serves every robot. WeCom robots are not signed: the key in
 * the URL is the credential.
 *
 * The message is `markdown` (at most 4096 bytes of UTF-8) with `<@userid>` mentions in the content and
 * WeCom's three font colours (`warning` orange-red for a problem, `info` green for a recovery). WeCom
 * answers `{"errcode":0,"errmsg":"ok"}`; 45009 (more than 20 messages a minute) can succeed later, the
 * others (93000 invalid webhook key, 40058 bad content, 44004 empty content …) will not.
 */
import { alertFacts, alertLine, alertOutcome, statusEmoji } from '@klaxon/alert-format';
import type { DeliveryReceipt, NotificationChannel } from '../notification-channel';
import { type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, codeReplyReceipt, postWithTimeout, type HttpReply } from './http-post';

export type WeComMessage = ImMessage & { kind: 'wecom' };

export interface WeComChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
}

export interface WeComMarkdownPayload {
  msgtype: 'markdown';
  markdown: { content: string };
}

/** errcodes that mean "not now" rather than "never": 45009 api freq out of limit, -1 system busy. */
const RETRYABLE_WECOM_ERRCODES = new Set([45009, -1]);
export const WECOM_MARKDOWN_MAX_BYTES = 4096;

export class WeComChannel implements NotificationChannel<WeComMessage> {
  readonly kind = 'wecom' as const;
  private readonly timeoutMs: number;

  constructor(options: WeComChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  }

  async send(message: WeComMessage): Promise<DeliveryReceipt> {
    const reply = await postWithTimeout({
      url: message.url,
      body: JSON.stringify(weComPayload(message)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'WeCom',
    });
    return weComReceipt(reply);
  }
}

/** `<@userid>` for each handle (separated by spaces or commas); `all`/`@all` → `<@all>`; `<@…>` stays. */
export function weComMention(handles: string): string {
  return handles
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((h) => (/^<@[^<>]+>$/.test(h) ? h : `<@${h.replace(/^@/, '').replace(/[<>]/g, '')}>`))
    .filter((h) => h !== '<@>')
    .join(' ');
}

/** The markdown message for a page or a recovery notice. */
export function weComPayload(message: Pick<WeComMessage, 'alert' | 'mention'>): WeComMarkdownPayload {
  const alert = message.alert;
  const ok = alert.status === 'OK';
  const outcome = alertOutcome(alert);
  const state = ok ? 'Recovered' : alert.actor !== undefined ? 'Acknowledged' : `${alert.priority} problem`;
  const lines = [
    `${statusEmoji(alert.status, alert.priority)} <font color="${ok ? 'info' : 'warning'}">**${weComText(state)}**</font> #${alert.number}${alert.count > 1 ? ` ×${alert.count}` : ''}`,
    `**${weComText(alertLine(alert))}**${outcome === undefined ? '' : ` ${weComText(outcome)}`}`,
    ...alertFacts(alert).map(({ label, value }) => `> ${label}: <font color="comment">${weComText(value)}</font>`),
  ];
  const url = alert.url?.trim();
  if (url && /^https?:\/\//i.test(url)) lines.push(`[Open alert #${alert.number} in Klaxon](${url.replace(/[()\s]/g, encodeURIComponent)})`);
  const mention = message.mention ? weComMention(message.mention) : '';
  const tail = mention ? `\n${mention}` : '';
  const content = truncateUtf8(lines.join('\n'), WECOM_MARKDOWN_MAX_BYTES - Buffer.byteLength(tail, 'utf8')) + tail;
  return { msgtype: 'markdown', markdown: { content } };
}

/** WeCom markdown has no escape character; keep < and > from opening tags. */
function weComText(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** Cuts text to at most `maxBytes` of UTF-8 on a code point boundary, ending in … when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…', 'utf8');
  let used = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    used += size;
    out += char;
  }
  return `${out}…`;
}

function weComReceipt(reply: HttpReply): DeliveryReceipt {
  return codeReplyReceipt(reply, { name: 'WeCom', codeField: 'errcode', read: (a) => ({ code: a.errcode, message: a.errmsg }), retryableCodes: RETRYABLE_WECOM_ERRCODES });
}

