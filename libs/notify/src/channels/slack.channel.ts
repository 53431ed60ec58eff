/**
 * Slack incoming webhooks with Block Kit. The webhook URL comes with each message (a shared channel's
 * `url`, SPEC §8), so one instance serves every Slack destination.
 *
 * Slack answers `ok` (text/plain, 200) on success; failures are a status plus a short error string:
 * 400 invalid_payload / user_not_found, 403 action_prohibited, 404 channel_not_found / no_service,
 * 410 channel_is_archived, 429 with Retry-After, 500 rollup_error. A 200 whose body is not `ok` is not
 * a success either (a proxy's page, a Web-API style `{"ok":false,"error":…}`).
 */
import { DeliveryError, type DeliveryReceipt, type NotificationChannel } from '../notification-channel';
import { alertLine, alertLook, truncate, type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, excerpt, httpStatusRetryable, postWithTimeout, retryAfterSeconds, type HttpReply } from './http-post';

export type SlackMessage = ImMessage & { kind: 'slack' };

export interface SlackChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
}

/** Slack error strings that mean "not now" rather than "never". */
const RETRYABLE_SLACK_ERRORS = new Set(['rate_limited', 'ratelimited', 'rollup_error', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

// Block Kit limits (characters)
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FALLBACK_MAX = 3000;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'actions'; elements: { type: 'button'; text: SlackText; url: string; action_id: string; style?: 'primary' | 'danger' }[] };

export interface SlackWebhookPayload {
  /** the notification text and the fallback where blocks cannot be shown */
  text: string;
  blocks: SlackBlock[];
  /** one attachment, for the coloured side bar, holding the details */
  attachments: { color: string; fallback: string; blocks: SlackBlock[] }[];
}

export class SlackChannel implements NotificationChannel<SlackMessage> {
  readonly kind = 'slack' as const;
  private readonly timeoutMs: number;

  constructor(options: SlackChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  }

  async send(message: SlackMessage): Promise<DeliveryReceipt> {
    const reply = await postWithTimeout({
      url: message.url,
      body: JSON.stringify(slackPayload(message)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'Slack',
    });
    return slackReceipt(reply);
  }
}

/** The webhook body for a page or a recovery notice. */
export function slackPayload(message: Pick<SlackMessage, 'alert' | 'mention'>): SlackWebhookPayload {
  const alert = message.alert;
  const look = alertLook(alert);
  const line = alertLine(alert);
  const mention = message.mention ? slackMention(message.mention) || null : null;
  const who = alert.actor ? ` by ${escapeMrkdwn(alert.actor)}` : '';
  const state = alert.status === 'OK' ? `*Recovered*${who}` : alert.actor ? `*Acknowledged*${who}` : `*${alert.priority} problem*`;

  const summary = [mention, state, `*#${alert.number}*`, alert.count > 1 ? `×${alert.count}` : null].filter(Boolean).join(' · ');
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${look.emoji} ${line}`, HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${summary}\n\`${escapeMrkdwn(line)}\``, SECTION_MAX) } },
  ];

  const details: SlackBlock[] = [
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Alert*\n#${alert.number}` },
        { type: 'mrkdwn', text: `*Priority*\n${escapeMrkdwn(alert.priority)}` },
        { type: 'mrkdwn', text: `*Host*\n${escapeMrkdwn(truncate(alert.host, 500))}${alert.ip ? ` (${escapeMrkdwn(alert.ip)})` : ''}` },
        { type: 'mrkdwn', text: `*Count*\n${alert.count}` },
        { type: 'mrkdwn', text: `*First seen*\n${slackDate(alert.firstSeenAt)}` },
      ],
    },
  ];
  if (alert.url) {
    details.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: `Open alert #${alert.number}` }, url: alert.url, action_id: 'klaxon-open-alert' }],
    });
  }

  const text = truncate(
    `${look.emoji} ${escapeMrkdwn(line)} #${alert.number}${alert.count > 1 ? ` ×${alert.count}` : ''}${mention ? ` ${mention}` : ''}`,
    FALLBACK_MAX,
  );
  return { text, blocks, attachments: [{ color: look.color, fallback: text, blocks: details }] };
}

/**
 * Slack mention markup for one or more handles (separated by spaces or commas): `U024BE7LH` →
 * `<@U024BE7LH>`, a user group `S0614TZR7` → `<!subteam^S0614TZR7>`, `here`/`channel` → `<!here>`;
 * an already formatted `<…>` stays as it is.
 */
export function slackMention(handles: string): string {
  return handles
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((h) => {
      if (/^<[@!#][^<>]+>$/.test(h)) return h;
      if (/^!?(here|channel|everyone)$/.test(h)) return `<!${h.replace(/^!/, '')}>`;
      if (/^S[A-Z0-9]+$/.test(h)) return `<!subteam^${h}>`;
      return `<@${h.replace(/^@/, '').replace(/[<>&]/g, '')}>`;
    })
    .join(' ');
}

/** A Slack date token: readers see it in their own time zone; the fallback is UTC ISO. */
function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/** Slack's mrkdwn needs only &, < and > escaped. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackReceipt(reply: HttpReply): DeliveryReceipt {
  const body = reply.text.trim();
  const json = parseJson(body);
  if (reply.status >= 200 && reply.status < 300) {
    if (body === 'ok') return { providerId: null };
    if (json?.ok === true) return { providerId: typeof json.ts === 'string' ? json.ts : null };
  }
  // Slack's plain-text error strings come with a 4xx/5xx; on a 200 only a JSON `error` counts
  const textError = reply.status >= 300 && /^[a-z_]{2,64}$/.test(body) ? body : null;
  const error = typeof json?.error === 'string' ? json.error : textError;
  const retryAfter = reply.status === 429 ? retryAfterSeconds(reply.headers) : null;
  const retryable = httpStatusRetryable(reply.status) || (error !== null && RETRYABLE_SLACK_ERRORS.has(error));
  throw new DeliveryError(
    `Slack refused the message: HTTP ${reply.status} ${error ?? (excerpt(body) || '(empty body)')}${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}`,
    retryable,
    error ?? `http_${reply.status}`,
  );
}

function parseJson(text: string): { ok?: unknown; error?: unknown; ts?: unknown } | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as { ok?: unknown; error?: unknown; ts?: unknown }) : null;
  } catch {
    return null;
  }
}

