/**
 * Channel-neutral pieces of an alert that IM channels (and the email) assemble: the bracket line people
 * know, a title, label/value facts, a colour and an emoji, and a Markdown rendering.
 */
import { escapeMarkdown, escapeSlackMrkdwn, markdownLinkTarget, slackLinkTarget } from './escape';
import { oneLine, priorityRank, safeHttpUrl, type RenderableAlert } from './renderable-alert';

export interface AlertTextOptions {
  /** IANA time zone for the readable first-seen time (default UTC); the ISO form is always UTC */
  timeZone?: string;
}

export interface AlertFact {
  label: string;
  value: string;
}

export type MarkdownFlavour = 'slack-mrkdwn' | 'markdown';

/** `[P0][PROBLEM][web-01][10.0.0.1][host is down]`, on one line. */
export function alertLine(alert: RenderableAlert): string {
  const fields = [alert.priority, alert.status, alert.host, alert.ip, alert.message];
  return fields.map((value) => `[${oneLine(value).trim()}]`).join('');
}

/** What became of the alert, when there is something to say: `recovered`, `resolved by alice`, `acknowledged by bob`. */
export function alertOutcome(alert: RenderableAlert): string | undefined {
  const actor = alert.actor === undefined ? undefined : oneLine(alert.actor).trim();
  if (alert.status === 'OK') return actor === undefined ? 'recovered' : `resolved by ${actor}`;
  return actor === undefined ? undefined : `acknowledged by ${actor}`;
}

/** `[P0][PROBLEM] web-01: host is down (#4711)`, with the outcome after it (`… (#4711) recovered`). */
export function alertTitle(alert: RenderableAlert): string {
  const title = `[${alert.priority}][${alert.status}] ${oneLine(alert.host).trim()}: ${oneLine(alert.message).trim()} (#${alert.number})`;
  const outcome = alertOutcome(alert);
  return outcome === undefined ? title : `${title} ${outcome}`;
}

/** `2026-03-01T10:00:00Z` (UTC, whole seconds), or `unknown` for an invalid date. */
export function isoTime(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** one formatter per time zone: building one costs far more than formatting (every IM message and email shows a time) */
const readableFormats = new Map<string, Intl.DateTimeFormat>();

function readableFormat(timeZone: string): Intl.DateTimeFormat {
  let format = readableFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    readableFormats.set(timeZone, format);
  }
  return format;
}

/** `Sun 1 Mar 2026 10:00 UTC`, or `Sun 1 Mar 2026 18:00 GMT+8` in Asia/Shanghai. */
export function readableTime(date: Date, timeZone = 'UTC'): string {
  if (Number.isNaN(date.getTime())) return 'unknown';
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of readableFormat(timeZone).formatToParts(date)) part[type] = value;
  return `${part.weekday} ${part.day} ${part.month} ${part.year} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

/** `2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)`. */
export function firstSeenText(alert: RenderableAlert, opts: AlertTextOptions = {}): string {
  const iso = isoTime(alert.firstSeenAt);
  return iso === 'unknown' ? iso : `${iso} (${readableTime(alert.firstSeenAt, opts.timeZone)})`;
}

/** Label/value pairs for cards and tables: number, count, first seen, host, ip, and who acted when known. */
export function alertFacts(alert: RenderableAlert, opts: AlertTextOptions = {}): AlertFact[] {
  const ip = oneLine(alert.ip).trim();
  const facts: AlertFact[] = [
    { label: 'Alert', value: `#${alert.number}` },
    { label: 'Count', value: String(alert.count) },
    { label: 'First seen', value: firstSeenText(alert, opts) },
    { label: 'Host', value: oneLine(alert.host).trim() },
    { label: 'IP', value: ip === '' ? 'none' : ip },
  ];
  if (alert.actor !== undefined) {
    facts.push({ label: alert.status === 'OK' ? 'Resolved by' : 'Acknowledged by', value: oneLine(alert.actor).trim() });
  }
  return facts;
}

const PRIORITY_COLORS = ['#D32F2F', '#F57C00', '#FBC02D'] as const;
const LOW_PRIORITY_COLOR = '#607D8B';
/** The colour of a recovery. */
export const RECOVERED_COLOR = '#2E7D32';

/** A colour for the priority, as `#RRGGBB`: P0 red, P1 orange, P2 amber, P3–P9 grey-blue. */
export function priorityColor(priority: string): string {
  return PRIORITY_COLORS[priorityRank(priority)] ?? LOW_PRIORITY_COLOR;
}

/** The priority's colour for a problem, green for a recovery. */
export function alertColor(alert: Pick<RenderableAlert, 'status' | 'priority'>): string {
  return alert.status === 'OK' ? RECOVERED_COLOR : priorityColor(alert.priority);
}

const PROBLEM_EMOJI = ['🚨', '🔴', '🟠'] as const;

/** ✅ for a recovery; for a problem 🚨 (P0), 🔴 (P1), 🟠 (P2), 🔵 (P3–P9, or no priority given). */
export function statusEmoji(status: RenderableAlert['status'], priority?: string): string {
  if (status === 'OK') return '✅';
  return (priority === undefined ? undefined : PROBLEM_EMOJI[priorityRank(priority)]) ?? '🔵';
}

/**
 * The alert as Markdown for IM: the bracket line in bold, the facts, the link. Every value is escaped
 * for the flavour: Slack mrkdwn escapes &, < and >; CommonMark backslash-escapes its inline syntax.
 */
export function renderAlertMarkdown(alert: RenderableAlert, flavour: MarkdownFlavour, opts: AlertTextOptions = {}): string {
  const slack = flavour === 'slack-mrkdwn';
  const escape = slack ? escapeSlackMrkdwn : escapeMarkdown;
  const bold = (text: string): string => (slack ? `*${text}*` : `**${text}**`);
  const outcome = alertOutcome(alert);
  const headline = `${statusEmoji(alert.status, alert.priority)} ${bold(escape(alertLine(alert)))}${outcome === undefined ? '' : ` ${escape(outcome)}`}`;
  const facts = alertFacts(alert, opts).map(({ label, value }) =>
    slack ? `${bold(`${label}:`)} ${escape(value)}` : `- ${bold(`${label}:`)} ${escape(value)}`,
  );
  const url = safeHttpUrl(alert.url);
  const linkText = `Open alert #${alert.number} in Klaxon`;
  const link =
    url === undefined ? [] : [slack ? `<${slackLinkTarget(url)}|${linkText}>` : `[${escapeMarkdown(linkText)}](${markdownLinkTarget(url)})`];
  // Slack shows each line as is; CommonMark needs a blank line around the list.
  return slack ? [headline, ...facts, ...link].join('\n') : [headline, '', ...facts, ...(link.length > 0 ? ['', ...link] : [])].join('\n');
}
