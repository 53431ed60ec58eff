/**
 * An alert as an email: a subject people can sort by, a plain-text body and a simple HTML body. The HTML
 * uses no external resources (no images, fonts or style sheets to fetch) and sets no page colours, so the
 * mail client's own light or dark scheme applies; only the priority badge has a colour, with a text colour
 * picked for contrast on it. Every value from the alert is HTML-escaped.
 */
import { escapeHtml } from './escape';
import { alertColor, alertFacts, alertLine, alertOutcome, alertTitle, type AlertFact, type AlertTextOptions } from './im-text';
import { graphemes, oneLine, safeHttpUrl, type RenderableAlert } from './renderable-alert';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type EmailRenderOptions = AlertTextOptions;

/** A subject longer than this has its message cut (the priority, host and number stay). */
const SUBJECT_MESSAGE_MAX = 120;

const SMS_ONLY_NOTE = 'Replying to this email does nothing: reply codes such as 1a work only by SMS.';

/** `[P0][PROBLEM] web-01: host is down (#4711)`; a recovery ends in `recovered` or `resolved by alice`. */
export function alertEmailSubject(alert: RenderableAlert): string {
  const message = graphemes(oneLine(alert.message).trim());
  const short = message.length > SUBJECT_MESSAGE_MAX ? `${message.slice(0, SUBJECT_MESSAGE_MAX - 1).join('').trimEnd()}…` : undefined;
  return alertTitle(short === undefined ? alert : { ...alert, message: short });
}

function whatToDo(alert: RenderableAlert, url: string | undefined): string[] {
  const outcome = alertOutcome(alert);
  if (alert.status === 'OK') return [`The alert ${outcome ?? 'recovered'}; nothing to do.`];
  const where = url === undefined ? 'in the Klaxon web UI' : `at ${url}`;
  const lead = outcome === undefined ? 'To act' : `It is ${outcome}. To act further`;
  return [`${lead}: acknowledge, resolve, silence or escalate it ${where}.`, SMS_ONLY_NOTE];
}

function emailFacts(alert: RenderableAlert, opts: EmailRenderOptions): AlertFact[] {
  return [
    { label: 'Priority', value: alert.priority },
    { label: 'Status', value: alert.status },
    { label: 'Message', value: oneLine(alert.message).trim() },
    ...alertFacts(alert, opts),
  ];
}

function renderText(alert: RenderableAlert, facts: AlertFact[], url: string | undefined): string {
  const width = Math.max(...facts.map((f) => f.label.length), 'Link'.length) + 2;
  const rows = facts.map(({ label, value }) => `${`${label}:`.padEnd(width)}${value}`);
  if (url !== undefined) rows.push(`${'Link:'.padEnd(width)}${url}`);
  return [alertLine(alert), '', ...rows, '', ...whatToDo(alert, url), ''].join('\n');
}

/** Black or white, whichever reads better on `background` (`#RRGGBB`), by WCAG relative luminance. */
function textColorOn(background: string): string {
  const channel = (offset: number): number => {
    const value = parseInt(background.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // contrast with white = 1.05 / (L + 0.05), with black = (L + 0.05) / 0.05; they are equal at L ≈ 0.179
  return luminance > 0.179 ? '#000000' : '#FFFFFF';
}

function renderHtml(alert: RenderableAlert, subject: string, facts: AlertFact[], url: string | undefined): string {
  const badgeColor = alertColor(alert);
  const badge =
    `<span style="display:inline-block;padding:2px 8px;border-radius:3px;font-weight:bold;` +
    `background-color:${badgeColor};color:${textColorOn(badgeColor)}">${escapeHtml(`${alert.priority} ${alert.status}`)}</span>`;
  const rows = facts
    .map(
      ({ label, value }) =>
        `<tr><th scope="row" style="text-align:left;vertical-align:top;padding:4px 16px 4px 0;white-space:nowrap">${escapeHtml(label)}</th>` +
        `<td style="padding:4px 0;word-break:break-word">${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  const [first, ...rest] = whatToDo(alert, undefined);
  const action =
    url === undefined
      ? `<p>${escapeHtml(first ?? '')}</p>`
      : `<p>${escapeHtml(first ?? '')}</p>\n<p><a href="${escapeHtml(url)}" style="font-weight:bold">${escapeHtml(`Open alert #${alert.number} in Klaxon`)}</a></p>`;
  const notes = rest.map((line) => `<p style="font-size:13px;opacity:0.8">${escapeHtml(line)}</p>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="supported-color-schemes" content="light dark">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:16px;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">',
    `<p style="margin:0 0 8px">${badge} <strong>#${alert.number}</strong></p>`,
    `<p style="margin:0 0 16px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;word-break:break-word">${escapeHtml(alertLine(alert))}</p>`,
    '<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px">',
    rows,
    '</table>',
    action,
    ...notes,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The alert as an email: subject, plain text and HTML. */
export function renderAlertEmail(alert: RenderableAlert, opts: EmailRenderOptions = {}): RenderedEmail {
  const subject = alertEmailSubject(alert);
  const url = safeHttpUrl(alert.url);
  const facts = emailFacts(alert, opts);
  return { subject, text: renderText(alert, facts, url), html: renderHtml(alert, subject, facts, url) };
}
