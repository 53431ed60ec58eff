/**
 * SMS pages in the bracket format people know (SPEC §2, §7):
 *   [P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 ×3 — reply 1a ack, 1s silence 1h
 *   [P0][OK][web-01][10.0.0.1][host is down] #4711 recovered
 * and the storm summary of SPEC §5:
 *   [P1][PROBLEM] 37 alerts: host is down — web-01, web-02, web-03 (+34)
 * Every text fits `maxSegments` (default 3). What gets shortened, in order: the message (with an
 * ellipsis), then the ip, then the actor, and only when nothing else is left the host. The priority, the
 * status, the number and the reply hint are never cut.
 */
import { graphemes, hasReplyCode, oneLine, priorityRank, type RenderableAlert } from './renderable-alert';
import { MAX_SMS_SEGMENTS, fitsSms, isGsm7 } from './sms-segments';

export interface SmsRenderOptions {
  /** at most this many segments (default MAX_SMS_SEGMENTS) */
  maxSegments?: number;
}

/** The decorations Klaxon adds. ASCII when the alert is GSM-7, so that `×` alone never makes it UCS-2. */
interface Glyphs {
  times: string;
  dash: string;
  ellipsis: string;
}
const UNICODE_GLYPHS: Glyphs = { times: '×', dash: '—', ellipsis: '…' };
const GSM7_GLYPHS: Glyphs = { times: 'x', dash: '-', ellipsis: '...' };

/** A text field that may have been cut; the ellipsis is added when rendering, in the glyphs chosen then. */
interface Field {
  text: string;
  cut: boolean;
}

function field(text: string): Field {
  return { text, cut: false };
}

function show(value: Field, glyphs: Glyphs): string {
  return value.cut ? `${value.text}${glyphs.ellipsis}` : value.text;
}

/**
 * The longest cut of `value` (whole graphemes, with an ellipsis) for which `fits` holds, or the empty
 * cut when none does. A shorter cut never needs more units, so a binary search finds it.
 */
function longestCut(value: Field, fits: (candidate: Field) => boolean): { value: Field; fits: boolean } {
  const chars = graphemes(value.text);
  const cutTo = (n: number): Field => ({ text: chars.slice(0, n).join('').trimEnd(), cut: true });
  let low = 0;
  let high = chars.length - 1;
  let best = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (fits(cutTo(mid))) {
      best = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best >= 0 ? { value: cutTo(best), fits: true } : { value: cutTo(0), fits: false };
}

function checkMaxSegments(maxSegments: number): number {
  if (!Number.isInteger(maxSegments) || maxSegments < 1) {
    throw new RangeError(`maxSegments must be a positive integer, not ${maxSegments}`);
  }
  return maxSegments;
}

interface AlertSmsFields {
  host: Field;
  ip: Field;
  message: Field;
  actor: Field | undefined;
}

function composeAlertSms(alert: RenderableAlert, fields: AlertSmsFields): string {
  const raw = `${fields.host.text}${fields.ip.text}${fields.message.text}${fields.actor?.text ?? ''}`;
  const glyphs = isGsm7(raw) ? GSM7_GLYPHS : UNICODE_GLYPHS;
  const line = `[${alert.priority}][${alert.status}][${show(fields.host, glyphs)}][${show(fields.ip, glyphs)}][${show(fields.message, glyphs)}]`;
  if (alert.status === 'OK') {
    const outcome = fields.actor === undefined ? 'recovered' : `resolved by ${show(fields.actor, glyphs)}`;
    return `${line} #${alert.number} ${outcome}`;
  }
  const count = alert.count > 1 ? ` ${glyphs.times}${alert.count}` : '';
  const hint = hasReplyCode(alert)
    ? ` ${glyphs.dash} reply ${alert.replyCode}a ack, ${alert.replyCode}s silence 1h`
    : '';
  return `${line} #${alert.number}${count}${hint}`;
}

/**
 * One alert as an SMS page (PROBLEM) or recovery notice (OK), in at most `maxSegments` segments. The
 * count shows when above 1, the reply hint when the alert has a reply code; an OK says who resolved it
 * when `actor` is set.
 */
export function renderAlertSms(alert: RenderableAlert, opts: SmsRenderOptions = {}): string {
  const maxSegments = checkMaxSegments(opts.maxSegments ?? MAX_SMS_SEGMENTS);
  const fits = (text: string): boolean => fitsSms(text, maxSegments);
  let fields: AlertSmsFields = {
    host: field(oneLine(alert.host).trim()),
    ip: field(oneLine(alert.ip).trim()),
    message: field(oneLine(alert.message).trim()),
    actor: alert.status === 'OK' && alert.actor !== undefined ? field(oneLine(alert.actor).trim()) : undefined,
  };
  let text = composeAlertSms(alert, fields);
  if (fits(text)) return text;

  const message = longestCut(fields.message, (m) => fits(composeAlertSms(alert, { ...fields, message: m })));
  fields = { ...fields, message: message.value };
  if (message.fits) return composeAlertSms(alert, fields);

  // Only an absurdly long host or actor gets here (the fixed parts alone are under 100 characters).
  fields = { ...fields, ip: field('') };
  text = composeAlertSms(alert, fields);
  if (fits(text)) return text;
  if (fields.actor !== undefined) {
    const actor = longestCut(fields.actor, (a) => fits(composeAlertSms(alert, { ...fields, actor: a })));
    fields = { ...fields, actor: actor.value };
    if (actor.fits) return composeAlertSms(alert, fields);
  }
  const host = longestCut(fields.host, (h) => fits(composeAlertSms(alert, { ...fields, host: h })));
  return composeAlertSms(alert, { ...fields, host: host.value });
}

/**
 * Whether two SMS texts are one message, apart from the repeat count (`#4711 ×3` against `#4711 ×5`, or
 * none): a retry renders the alert again, and repeats may have come in since the try it repeats.
 */
export function sameSmsApartFromCount(a: string, b: string): boolean {
  return a === b || a.replace(COUNT_AFTER_NUMBER, '$1') === b.replace(COUNT_AFTER_NUMBER, '$1');
}

/** the repeat count composeAlertSms writes after the alert's number, in either glyph set */
const COUNT_AFTER_NUMBER = /(#\d+) [×x]\d+/;

/** A recovery notice: the alert rendered with status OK (`… #4711 recovered` or `… resolved by alice`). */
export function renderRecoverySms(alert: RenderableAlert, opts: SmsRenderOptions = {}): string {
  return renderAlertSms({ ...alert, status: 'OK' }, opts);
}

/** The word for many messages that differ with no majority. */
export const STORM_VARIOUS = 'various';

/**
 * Many alerts as one SMS (a storm, or pages folded by the SMS budget):
 * `[P1][PROBLEM] 37 alerts: host is down — web-01, web-02, web-03 (+34)`.
 * The priority is the most urgent one; the status is OK only when every alert is OK, and a mix says how
 * many recovered (`37 alerts (5 OK): …`). The message is the one more than half the alerts share, else
 * `various`. Distinct hosts follow, most urgent first (then earliest first seen), as many as the segment
 * budget holds, then `(+N)` for the hosts left out.
 */
export function renderStormSms(alerts: readonly RenderableAlert[], opts: SmsRenderOptions = {}): string {
  if (alerts.length === 0) throw new RangeError('a storm summary needs at least one alert');
  const maxSegments = checkMaxSegments(opts.maxSegments ?? MAX_SMS_SEGMENTS);
  const fits = (text: string): boolean => fitsSms(text, maxSegments);

  const ordered = alerts
    .map((alert, index) => ({ alert, index }))
    .sort(
      (a, b) =>
        priorityRank(a.alert.priority) - priorityRank(b.alert.priority) ||
        statusRank(a.alert) - statusRank(b.alert) ||
        timeOf(a.alert) - timeOf(b.alert) ||
        a.index - b.index,
    )
    .map(({ alert }) => alert);
  const top = ordered[0] as RenderableAlert;
  const problems = alerts.filter((a) => a.status === 'PROBLEM').length;
  const status = problems === 0 ? 'OK' : 'PROBLEM';
  const recovered = problems > 0 && problems < alerts.length ? ` (${alerts.length - problems} OK)` : '';
  const head = `[${top.priority}][${status}] ${alerts.length} ${alerts.length === 1 ? 'alert' : 'alerts'}${recovered}: `;
  const hosts = distinct(ordered.map((a) => oneLine(a.host).trim()));

  const compose = (message: Field, listed: number): string => {
    const shown = hosts.slice(0, listed);
    const glyphs = isGsm7(`${message.text}${shown.join('')}`) ? GSM7_GLYPHS : UNICODE_GLYPHS;
    const rest = hosts.length - listed;
    const more = rest === 0 ? '' : listed === 0 ? `${rest} ${rest === 1 ? 'host' : 'hosts'}` : ` (+${rest})`;
    return `${head}${show(message, glyphs)} ${glyphs.dash} ${shown.join(', ')}${more}`;
  };

  // The message keeps as much as it can next to the first host; the hosts take what is left.
  let message = field(stormMessage(alerts));
  if (!fits(compose(message, 1))) {
    const cut = longestCut(message, (m) => fits(compose(m, 1)));
    if (!cut.fits) {
      // Not even the first host fits (an absurd host name): the message and a host count, then.
      return fits(compose(message, 0)) ? compose(message, 0) : compose(longestCut(message, (m) => fits(compose(m, 0))).value, 0);
    }
    message = cut.value;
  }
  let listed = 1;
  while (listed < hosts.length && fits(compose(message, listed + 1))) listed++;
  return compose(message, listed);
}

function statusRank(alert: RenderableAlert): number {
  return alert.status === 'PROBLEM' ? 0 : 1;
}

function timeOf(alert: RenderableAlert): number {
  const time = alert.firstSeenAt.getTime();
  return Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : time;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

function stormMessage(alerts: readonly RenderableAlert[]): string {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const message = oneLine(alert.message).trim();
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  for (const [message, count] of counts) {
    if (count * 2 > alerts.length) return message;
  }
  return STORM_VARIOUS;
}
