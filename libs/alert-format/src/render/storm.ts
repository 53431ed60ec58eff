/**
 * Many alerts as one message (a grouping window, folded SMS, a digest) for the channels that are not SMS:
 * one synthetic alert that IM cards show like any other, and an email that lists them all.
 * `[P1][PROBLEM] 37 alerts: host is down — web-01, web-02, web-03 (+34)`, as renderStormSms says it.
 */
import { escapeHtml } from './escape';
import { alertLine } from './im-text';
import { oneLine, priorityRank, safeHttpUrl, type RenderableAlert } from './renderable-alert';
import { STORM_VARIOUS } from './sms-text';
import type { RenderedEmail } from './email';

export interface StormSummary {
  /** the most urgent priority */
  priority: string;
  /** OK only when every alert is OK */
  status: 'PROBLEM' | 'OK';
  count: number;
  /** how many of them are OK (recovered) */
  ok: number;
  /** the message more than half share, else `various` */
  message: string;
  /** distinct hosts, most urgent first, firing before recovered, then earliest first seen */
  hosts: string[];
  /** the alerts in that order */
  ordered: RenderableAlert[];
}

export function summarizeStorm(alerts: readonly RenderableAlert[]): StormSummary {
  if (alerts.length === 0) throw new RangeError('a storm summary needs at least one alert');
  const ordered = alerts
    .map((alert, index) => ({ alert, index }))
    .sort(
      (a, b) =>
        priorityRank(a.alert.priority) - priorityRank(b.alert.priority) ||
        // what still fires before what recovered, as renderStormSms orders them
        (a.alert.status === 'OK' ? 1 : 0) - (b.alert.status === 'OK' ? 1 : 0) ||
        a.alert.firstSeenAt.getTime() - b.alert.firstSeenAt.getTime() ||
        a.index - b.index,
    )
    .map(({ alert }) => alert);
  const counts = new Map<string, number>();
  for (const a of alerts) {
    const m = oneLine(a.message).trim();
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  let message = STORM_VARIOUS;
  for (const [m, n] of counts) if (n * 2 > alerts.length) message = m;
  const ok = alerts.filter((a) => a.status === 'OK').length;
  return {
    priority: (ordered[0] as RenderableAlert).priority,
    status: ok === alerts.length ? 'OK' : 'PROBLEM',
    count: alerts.length,
    ok,
    message,
    hosts: [...new Set(ordered.map((a) => oneLine(a.host).trim()))],
    ordered,
  };
}

/** `web-01, web-02, web-03 (+34)` */
function hostList(hosts: readonly string[], shown: number): string {
  const rest = hosts.length - shown;
  return `${hosts.slice(0, shown).join(', ')}${rest > 0 ? ` (+${rest})` : ''}`;
}

/** `37 alerts: host is down` or `37 alerts (5 OK): host is down` */
function countAndMessage(s: StormSummary): string {
  const ok = s.ok > 0 && s.ok < s.count ? ` (${s.ok} OK)` : '';
  return `${s.count} ${s.count === 1 ? 'alert' : 'alerts'}${ok}: ${s.message}`;
}

/**
 * The alerts as one alert an IM card can show: the most urgent one's number and priority, the hosts as the
 * host, `37 alerts: host is down` as the message, the count of alerts as the count.
 */
export function stormAsAlert(alerts: readonly RenderableAlert[], opts: { url?: string; maxHosts?: number } = {}): RenderableAlert {
  const s = summarizeStorm(alerts);
  const top = s.ordered[0] as RenderableAlert;
  const firstSeenAt = new Date(Math.min(...alerts.map((a) => a.firstSeenAt.getTime())));
  return {
    status: s.status,
    number: top.number,
    priority: s.priority,
    host: hostList(s.hosts, opts.maxHosts ?? 3),
    ip: '',
    message: countAndMessage(s),
    count: s.count,
    firstSeenAt,
    ...(opts.url !== undefined ? { url: opts.url } : top.url !== undefined ? { url: top.url } : {}),
  };
}

/** `[P1][PROBLEM] 37 alerts: host is down — web-01, web-02, web-03 (+34)` */
export function stormTitle(alerts: readonly RenderableAlert[], maxHosts = 3): string {
  const s = summarizeStorm(alerts);
  return `[${s.priority}][${s.status}] ${countAndMessage(s)} — ${hostList(s.hosts, maxHosts)}`;
}

export interface StormEmailOptions {
  /** a line before the list (a digest says what it covers) */
  intro?: string;
  /** the subject's prefix, e.g. `Digest: ` */
  subjectPrefix?: string;
}

/** The alerts as one email: the storm line as the subject, then every alert on its own line with its link. */
export function renderStormEmail(alerts: readonly RenderableAlert[], opts: StormEmailOptions = {}): RenderedEmail {
  const s = summarizeStorm(alerts);
  const subject = `${opts.subjectPrefix ?? ''}${stormTitle(alerts)}`;
  const line = (a: RenderableAlert): string => `${alertLine(a)} #${a.number}${a.count > 1 ? ` ×${a.count}` : ''}`;
  const text = [
    ...(opts.intro !== undefined ? [opts.intro, ''] : []),
    ...s.ordered.map((a) => {
      const url = safeHttpUrl(a.url);
      return url === undefined ? line(a) : `${line(a)}  ${url}`;
    }),
    '',
  ].join('\n');
  const items = s.ordered
    .map((a) => {
      const url = safeHttpUrl(a.url);
      const label = escapeHtml(line(a));
      return `<li>${url === undefined ? label : `<a href="${escapeHtml(url)}">${label}</a>`}</li>`;
    })
    .join('\n');
  const html = [
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...(opts.intro !== undefined ? [`<p>${escapeHtml(opts.intro)}</p>`] : []),
    `<ul style="padding-left:20px;font-family:monospace">`,
    items,
    '</ul></body></html>',
  ].join('\n');
  return { subject, text, html };
}
