/**
 * What the renderers read; libs/notify calls it `AlertMessage` (notify depends on alert-format, never
 * the other way).
 */
export interface RenderableAlert {
  status: 'PROBLEM' | 'OK';
  /** the global number, shown as `#4711` */
  number: number;
  /** `P0`..`P9` */
  priority: string;
  host: string;
  /** '' when the sender gave none */
  ip: string;
  message: string;
  /** how many times the monitor reported it (dedup count) */
  count: number;
  firstSeenAt: Date;
  /** the per-phone reply code (SMS only) */
  replyCode?: number;
  /** link to the alert in the web UI */
  url?: string;
  /** who acknowledged (status PROBLEM) or resolved (status OK) it, when known */
  actor?: string;
}

// Line breaks and other C0/C1 controls: a rendered alert is one line, and a control character in an SMS
// or a mail header is at best noise.
const CONTROLS = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]*[\u0000-\u001f\u007f-\u009f\u2028\u2029][\s\u0000-\u001f\u007f-\u009f\u2028\u2029]*/g;

/** `value` as one line: each run of line breaks or control characters (and blanks around it) becomes one space. */
export function oneLine(value: string): string {
  return value.replace(CONTROLS, ' ');
}

/** 0 for P0 … 9 for P9; anything else sorts after P9. */
export function priorityRank(priority: string): number {
  const match = /^[Pp]([0-9])$/.exec(priority.trim());
  return match === null ? 10 : Number(match[1]);
}

/** True when the reply code can be shown: a positive integer. */
export function hasReplyCode(alert: Pick<RenderableAlert, 'replyCode'>): alert is { replyCode: number } {
  return alert.replyCode !== undefined && Number.isSafeInteger(alert.replyCode) && alert.replyCode > 0;
}

/** An `http:` or `https:` URL as given, or undefined (a `javascript:` link must never become clickable). */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
}

const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The user-perceived characters of `value`, so that a cut never splits an emoji, a flag or an accent. */
export function graphemes(value: string): string[] {
  const out: string[] = [];
  for (const { segment } of GRAPHEMES.segment(value)) out.push(segment);
  return out;
}
