/**
 * Microsoft Teams through a Workflows ("Post to a channel when a webhook request is received") or a
 * legacy incoming-webhook URL: one `message` activity holding one Adaptive Card (v1.4). The URL comes
 * with each message, so one instance serves every Teams destination.
 *
 * Workflows answer 202 Accepted with an empty body; legacy connectors answer 200 with `1`. Legacy
 * connectors also report some failures as a 2xx whose text says so ("Webhook message delivery failed
 * with error: Microsoft Teams endpoint returned HTTP error 429 …"), which is not a success. 429 comes
 * with Retry-After; other 4xx (bad card, deleted flow, 413 too large) do not get better with retries.
 *
 * Mentions: an Adaptive Card mentions someone with `<at>name</at>` in a TextBlock plus an
 * `msteams.entities` entry whose `mentioned.id` is the person's UPN / e-mail or Entra object id.
 *
 * Card text is Markdown in Teams, so every alert value is backslash-escaped (no links, emphasis or
 * `<at>` tags from a monitor's message).
 */
import { alertFacts, alertTitle, escapeMarkdown } from '@klaxon/alert-format';
import { DeliveryError, type AlertMessage, type DeliveryReceipt, type NotificationChannel } from '../notification-channel';
import { alertLine, alertLook, truncate, type ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, excerpt, httpStatusRetryable, postWithTimeout, retryAfterSeconds, type HttpReply } from './http-post';

export type TeamsMessage = ImMessage & { kind: 'teams' };

export interface TeamsChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** IANA zone for the readable first-seen time (default UTC) */
  timeZone?: string;
}

/** Adaptive Card text colours (host-themed names, not hex). */
export type TeamsTextColor = 'Attention' | 'Warning' | 'Accent' | 'Good' | 'Default';

export type TeamsCardElement =
  | { type: 'TextBlock'; text: string; wrap: true; size?: 'Large' | 'Medium' | 'Small'; weight?: 'Bolder'; color?: TeamsTextColor; isSubtle?: boolean; spacing?: 'None' | 'Small' }
  | { type: 'FactSet'; facts: { title: string; value: string }[] };

export interface TeamsMention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: TeamsCardElement[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full'; entities?: TeamsMention[] };
}

export interface TeamsWebhookPayload {
  type: 'message';
  /** shown in notifications and chat lists */
  summary: string;
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }[];
}

// Teams caps a webhook message at about 28 KB; one alert is far below that when the text is bounded.
const TITLE_MAX = 300;
const FACT_MAX = 1000;
const SUMMARY_MAX = 250;

export class TeamsChannel implements NotificationChannel<TeamsMessage> {
  readonly kind = 'teams' as const;
  private readonly timeoutMs: number;
  private readonly timeZone: string | undefined;

  constructor(options: TeamsChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.timeZone = options.timeZone;
  }

  async send(message: TeamsMessage): Promise<DeliveryReceipt> {
    const reply = await postWithTimeout({
      url: message.url,
      body: JSON.stringify(teamsPayload(message, this.timeZone)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs: this.timeoutMs,
      what: 'Teams',
    });
    return teamsReceipt(reply);
  }
}

/** The Workflows / incoming-webhook body for a page or a recovery notice. */
export function teamsPayload(message: Pick<TeamsMessage, 'alert' | 'mention'>, timeZone?: string): TeamsWebhookPayload {
  const alert = message.alert;
  const look = alertLook(alert);
  const mentions = message.mention ? teamsMentions(message.mention) : [];

  const body: TeamsCardElement[] = [
    {
      type: 'TextBlock',
      text: truncate(`${look.emoji} ${escapeMarkdown(alertTitle(alert))}`, TITLE_MAX),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: teamsColor(alert),
    },
    { type: 'TextBlock', text: truncate(escapeMarkdown(alertLine(alert)), FACT_MAX), wrap: true, isSubtle: true, spacing: 'None' },
    {
      type: 'FactSet',
      facts: alertFacts(alert, timeZone === undefined ? {} : { timeZone }).map(({ label, value }) => ({ title: label, value: truncate(escapeMarkdown(value), FACT_MAX) })),
    },
  ];
  if (mentions.length > 0) {
    body.push({ type: 'TextBlock', text: mentions.map((m) => m.text).join(' '), wrap: true });
  }

  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full', ...(mentions.length > 0 ? { entities: mentions } : {}) },
  };
  const url = httpUrl(alert.url);
  if (url !== undefined) card.actions = [{ type: 'Action.OpenUrl', title: `Open alert #${alert.number}`, url }];

  return {
    type: 'message',
    summary: truncate(`${look.emoji} ${alertLine(alert)} #${alert.number}`, SUMMARY_MAX),
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/**
 * Mention entities for one or more handles (separated by spaces, commas or semicolons): each handle is
 * a UPN / e-mail (`alice@example.com`) or an Entra object id, optionally `Name|id` to show a name.
 */
export function teamsMentions(handles: string): TeamsMention[] {
  return handles
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((handle) => {
      const bar = handle.indexOf('|');
      const id = (bar >= 0 ? handle.slice(bar + 1) : handle).replace(/^@/, '');
      const name = (bar >= 0 ? handle.slice(0, bar) : id).replace(/[<>]/g, '');
      return { type: 'mention' as const, text: `<at>${name}</at>`, mentioned: { id, name } };
    })
    .filter((m) => m.mentioned.id !== '' && m.mentioned.name !== '');
}

/** Red for P0/P1, amber for P2, accent for lower priorities, green for a recovery. */
function teamsColor(alert: AlertMessage): TeamsTextColor {
  if (alert.status === 'OK') return 'Good';
  if (alert.priority === 'P0' || alert.priority === 'P1') return 'Attention';
  if (alert.priority === 'P2') return 'Warning';
  return 'Accent';
}

/** An http(s) URL for Action.OpenUrl, or undefined (never a `javascript:` link). */
function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function teamsReceipt(reply: HttpReply): DeliveryReceipt {
  const body = reply.text.trim();
  const ok = reply.status >= 200 && reply.status < 300;
  // a legacy connector's failure wrapped in a 2xx names the status it got from Teams
  const embedded = /HTTP error (\d{3})/i.exec(body);
  const failedIn2xx = ok && (embedded !== null || /delivery failed|^error/i.test(body));
  if (ok && !failedIn2xx) return { providerId: null };

  const status = failedIn2xx ? Number(embedded?.[1] ?? 500) : reply.status;
  const retryAfter = status === 429 ? retryAfterSeconds(reply.headers) : null;
  const code = teamsErrorCode(body);
  throw new DeliveryError(
    `Teams refused the message: HTTP ${reply.status}${failedIn2xx ? ` (Teams said HTTP ${status})` : ''} ${excerpt(body) || '(empty body)'}${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}`,
    httpStatusRetryable(status),
    code ?? `http_${status}`,
  );
}

/** A Workflows / Power Automate error body: `{"error":{"code":"TriggerInputSchemaMismatch","message":…}}`. */
function teamsErrorCode(body: string): string | null {
  if (!body.startsWith('{')) return null;
  try {
    const json = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof json.error?.code === 'string' ? json.error.code : null;
  } catch {
    return null;
  }
}
