/**
 * DingTalk (钉钉) custom group robots. The webhook URL carries the robot's `access_token` and comes with
 * each message (a shared channel's `url`, SPEC §8), so one instance serves every DingTalk robot.
 *
 * Signing ("加签"), when the robot has a secret: `timestamp` (ms) and
 * `sign = urlencode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))` are appended
 * to the URL's query. DingTalk answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}` on success; any other
 * errcode is a refusal: 130101 (more than 20 messages a minute) can succeed later, 310000 (keyword,
 * signature or IP allow-list mismatch) and the token errors (300001, 400102 robot stopped …) will not.
 */
import { createHmac } from 'node:crypto';
import { alertTitle, renderAlertMarkdown, statusEmoji } from '@klaxon/alert-format';
import type { DeliveryReceipt, NotificationChannel } from '../notification-channel';
import { type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, codeReplyReceipt, postWithTimeout, type HttpReply } from './http-post';

export type DingTalkMessage = ImMessage & { kind: 'dingtalk' };

export interface DingTalkChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** the clock for the signature's timestamp (ms since the epoch); default Date.now */
  now?: () => number;
}

export interface DingTalkMarkdownPayload {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: boolean };
}

/** errcodes that mean "not now" rather than "never": 130101 send too fast, -1 system busy. */
const RETRYABLE_DINGTALK_ERRCODES = new Set([130101, -1]);

export class DingTalkChannel implements NotificationChannel<DingTalkMessage> {
  readonly kind = 'dingtalk' as const;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: DingTalkChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  async send(message: DingTalkMessage): Promise<DeliveryReceipt> {
    const url = message.secret ? dingTalkSignedUrl(message.url, message.secret, this.now()) : message.url;
    const reply = await postWithTimeout({
      url,
      body: JSON.stringify(dingTalkPayload(message)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'DingTalk',
    });
    return dingTalkReceipt(reply);
  }
}

/** `base64(HMAC-SHA256(secret, timestamp + "\n" + secret))`, not yet URL-encoded. */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The webhook URL with `&timestamp=…&sign=…` appended (the access_token already in it is kept). */
export function dingTalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const query = `timestamp=${timestampMs}&sign=${encodeURIComponent(dingTalkSign(secret, timestampMs))}`;
  const [base = '', fragment] = url.split('#', 2);
  const joined = base.includes('?') ? `${base}${base.endsWith('?') || base.endsWith('&') ? '' : '&'}${query}` : `${base}?${query}`;
  return fragment === undefined ? joined : `${joined}#${fragment}`;
}

/**
 * Mentions are phone numbers (separated by spaces or commas); `all`/`@all` mentions everyone. Each
 * number goes into `at.atMobiles` and also into the text as `@138…`, which DingTalk needs to highlight it.
 */
export function dingTalkMentions(handles: string | undefined): { atMobiles: string[]; isAtAll: boolean } {
  const atMobiles: string[] = [];
  let isAtAll = false;
  for (const raw of (handles ?? '').split(/[\s,]+/)) {
    const handle = raw.replace(/^@/, '');
    if (handle === '') continue;
    if (handle.toLowerCase() === 'all') isAtAll = true;
    else if (!atMobiles.includes(handle)) atMobiles.push(handle);
  }
  return { atMobiles, isAtAll };
}

/** The markdown message for a page or a recovery notice. */
export function dingTalkPayload(message: Pick<DingTalkMessage, 'alert' | 'mention'>): DingTalkMarkdownPayload {
  const alert = message.alert;
  const at = dingTalkMentions(message.mention);
  const title = `${statusEmoji(alert.status, alert.priority)} ${alertTitle(alert)}`;
  const mentionLine = [...at.atMobiles.map((m) => `@${m}`), ...(at.isAtAll ? ['@all'] : [])].join(' ');
  const text = `### ${title}\n\n${renderAlertMarkdown(alert, 'markdown')}${mentionLine ? `\n\n${mentionLine}` : ''}`;
  return { msgtype: 'markdown', markdown: { title, text }, at };
}

function dingTalkReceipt(reply: HttpReply): DeliveryReceipt {
  return codeReplyReceipt(reply, { name: 'DingTalk', codeField: 'errcode', read: (a) => ({ code: a.errcode, message: a.errmsg }), retryableCodes: RETRYABLE_DINGTALK_ERRCODES });
}

