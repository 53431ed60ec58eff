/**
 * The answers to SMS replies (SPEC §9), in the TwiML response: one line that names the alert
 * (`Acknowledged 1: [P0][web-01] host is down`) or says why nothing happened
 * (`1 is already resolved by alice via web`). Every answer fits MAX_SMS_SEGMENTS; the help text fits one.
 * Text from alerts and users is made one line and cut, never the words Klaxon adds.
 */
import { graphemes, oneLine } from '../render/renderable-alert';
import { MAX_SMS_SEGMENTS, fitsSms, isGsm7 } from '../render/sms-segments';
import { formatReplyDuration } from './reply-duration.parser';
import type { ReplyTarget } from './sms-reply.parser';

/** How an answer names an alert: its reply code (`1`) or its global number (`#4711`). */
export type ReplyLabel = number | `#${number}`;

/** The alert fields an answer shows. */
export interface ReplyAlert {
  priority: string;
  host: string;
  message: string;
}

export interface ListedAlert extends ReplyAlert {
  /** the reply code on this phone */
  code: number;
}

export type ConfirmedAction = 'ack' | 'resolve' | 'escalate' | 'silence';

export interface ConfirmationDetail {
  /** silence: how long (`Silenced 1 for 2h: …`) */
  durationMs?: number;
  /** escalate: the step or person it went to (`Escalated 1 to step 2: …`) */
  escalatedTo?: string;
}

export type ClosedState = 'acknowledged' | 'resolved';

/** After this many help answers in a row a phone gets none, so two robots cannot loop (SPEC §9). */
export const MAX_HELP_ANSWERS_IN_A_ROW = 5;

const HELP_TEXT =
  'Klaxon: reply 1a ack, 1c close, 1s 2h silence, 1e escalate (a, c, s alone: last alert), aa ack all, list, stop, start';

/** One GSM-7 segment listing the reply forms. */
export function helpText(): string {
  return HELP_TEXT;
}

/** True when a phone that has had `helpAnswersInARow` help answers since its last command gets another. */
export function answersHelp(helpAnswersInARow: number): boolean {
  return helpAnswersInARow < MAX_HELP_ANSWERS_IN_A_ROW;
}

/** The label of a code or global-number target; the last alert is labelled by its code, which the caller knows. */
export function replyLabel(target: Exclude<ReplyTarget, { by: 'last' }>): ReplyLabel {
  return target.by === 'code' ? target.code : `#${target.number}`;
}

const DONE: Readonly<Record<ConfirmedAction, string>> = {
  ack: 'Acknowledged',
  resolve: 'Resolved',
  escalate: 'Escalated',
  silence: 'Silenced',
};

// Caps, in UTF-16 units, for the short fields, so that the fixed words and the alert's head always fit
// and only the message has to give way.
const MAX_NAME_UNITS = 32;
const MAX_PRIORITY_UNITS = 8;
const MAX_HOST_UNITS = 48;
const MAX_LIST_HOST_UNITS = 24;
const MAX_LIST_MESSAGE_UNITS = 40;

/** `Acknowledged 1: [P0][web-01] host is down`, `Silenced 1 for 2h: …`, `Escalated #4711 to step 2: …`. */
export function confirmation(
  action: ConfirmedAction,
  label: ReplyLabel,
  alert: ReplyAlert,
  detail: ConfirmationDetail = {},
): string {
  let head = `${DONE[action]} ${label}`;
  if (action === 'silence' && detail.durationMs !== undefined) head += ` for ${formatReplyDuration(detail.durationMs)}`;
  if (action === 'escalate' && detail.escalatedTo !== undefined) {
    head += ` to ${clip(detail.escalatedTo, MAX_NAME_UNITS)}`;
  }
  const alertHead = `[${clip(alert.priority, MAX_PRIORITY_UNITS)}][${clip(alert.host, MAX_HOST_UNITS)}]`;
  return fitField(clean(alert.message), (message) => `${head}: ${alertHead} ${message}`.trimEnd());
}

/** `1 is already resolved by alice via web`; `by` and `via` are left out when unknown. */
export function alreadyDone(label: ReplyLabel, state: ClosedState, by?: string, via?: string): string {
  const who = by === undefined || clean(by) === '' ? '' : ` by ${clip(by, MAX_NAME_UNITS)}`;
  const how = via === undefined || clean(via) === '' ? '' : ` via ${clip(via, MAX_NAME_UNITS)}`;
  return `${label} is already ${state}${who}${how}`;
}

/** `No open alert 7 on this phone`, `No open alert #4711`, or with no label `No open alert on this phone`. */
export function notFound(label?: ReplyLabel): string {
  if (label === undefined) return 'No open alert on this phone';
  return typeof label === 'number' ? `No open alert ${label} on this phone` : `No open alert ${label}`;
}

/** `1 is already at the last escalation step`. */
export function noNextStep(label: ReplyLabel): string {
  return `${label} is already at the last escalation step`;
}

const NO_OPEN_ALERTS = 'No open alerts on this phone';

/**
 * The open alerts paged to this phone, in the order given, one per line with its code:
 *   Open alerts (5):
 *   1 [P0][web-01] host is down
 *   2 [P1][db-02] disk 91%
 *   (+3 more)
 * As many as MAX_SMS_SEGMENTS hold; hosts and messages are shortened so that several do.
 */
export function listText(alerts: readonly ListedAlert[]): string {
  if (alerts.length === 0) return NO_OPEN_ALERTS;
  const lines = alerts.map((a) => {
    const head = `${a.code} [${clip(a.priority, MAX_PRIORITY_UNITS)}][${clip(a.host, MAX_LIST_HOST_UNITS)}]`;
    return `${head} ${clip(a.message, MAX_LIST_MESSAGE_UNITS)}`.trimEnd();
  });
  return fitLines(`Open alerts (${alerts.length}):`, lines, { first: '\n', between: '\n', more: '\n' });
}

/** `Acknowledged 3 alerts: 1, 2, 5`, or that there was nothing to acknowledge. */
export function ackAllConfirmation(codes: readonly number[]): string {
  if (codes.length === 0) return NO_OPEN_ALERTS;
  const head = `Acknowledged ${codes.length} ${codes.length === 1 ? 'alert' : 'alerts'}:`;
  return fitLines(head, codes.map(String), { first: ' ', between: ', ', more: ' ' });
}

// With Twilio's default opt-out handling Twilio answers STOP and START itself; these are the answers when
// Klaxon's own reach them (Advanced Opt-Out, or another provider).
export function stopConfirmation(): string {
  return 'Klaxon: SMS paging is off for this phone. Reply START to turn it on again.';
}

export function startConfirmation(): string {
  return 'Klaxon: SMS paging is on again for this phone. Reply STOP to turn it off.';
}

interface LineSeparators {
  /** between the head and the first item */
  first: string;
  between: string;
  /** before `(+N more)` */
  more: string;
}

/** `head`, then as many of `items` as fit, then `(+N more)` for the rest. */
function fitLines(head: string, items: readonly string[], separators: LineSeparators): string {
  const compose = (shown: number): string => {
    const listed = shown === 0 ? '' : `${separators.first}${items.slice(0, shown).join(separators.between)}`;
    const rest = items.length - shown;
    const more = rest === 0 ? '' : `${shown === 0 ? separators.first : separators.more}(+${rest} more)`;
    return `${head}${listed}${more}`;
  };
  let shown = 0;
  while (shown < items.length && fitsSms(compose(shown + 1), MAX_SMS_SEGMENTS)) shown++;
  return compose(shown);
}

/** `value` as one trimmed line. */
function clean(value: string): string {
  return oneLine(value).trim();
}

function ellipsisFor(value: string): string {
  // '...' keeps a GSM-7 text GSM-7; a text that is not is UCS-2 anyway, where '…' is one unit.
  return isGsm7(value) ? '...' : '…';
}

/** `value` as one line of at most `maxUnits` UTF-16 units, cut between graphemes with an ellipsis. */
function clip(value: string, maxUnits: number): string {
  const line = clean(value);
  if (line.length <= maxUnits) return line;
  const ellipsis = ellipsisFor(line);
  let out = '';
  for (const char of graphemes(line)) {
    if (out.length + char.length + ellipsis.length > maxUnits) break;
    out += char;
  }
  return `${out.trimEnd()}${ellipsis}`;
}

/**
 * `compose(value)` when it fits MAX_SMS_SEGMENTS, else `compose` of the longest cut of `value` (whole
 * graphemes and an ellipsis) that does. A shorter cut never needs more units, so a binary search finds it.
 */
function fitField(value: string, compose: (value: string) => string): string {
  const fits = (text: string): boolean => fitsSms(text, MAX_SMS_SEGMENTS);
  const whole = compose(value);
  if (fits(whole)) return whole;
  const chars = graphemes(value);
  const ellipsis = ellipsisFor(value);
  const cutTo = (n: number): string => compose(`${chars.slice(0, n).join('').trimEnd()}${ellipsis}`);
  let low = 0;
  let high = chars.length - 1;
  let best = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (fits(cutTo(mid))) {
      best = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return cutTo(best);
}
