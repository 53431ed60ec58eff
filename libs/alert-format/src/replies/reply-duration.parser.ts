/**
 * Silence durations as people type them after `1s` or `静默 1` (SPEC §4, §9): `30s`, `10m`, `2h`, `1d`,
 * `1w`, compounds (`1h30m`, `1h 30m`), a decimal (`1.5h`), English words (`30 min`, `2 hours`) and Chinese
 * units (`30秒`, `30分钟`, `2小时`, `2个小时`, `1天`, `1周`). The input is expected already normalised
 * (NFKC, lower case), as parseSmsReply does; a bare number is never a duration (`s 2` means alert 2).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** A silence made by SMS without a duration lasts this long. */
export const DEFAULT_SILENCE_MS = HOUR;
/** Shorter than this is a typo, not a silence. */
export const MIN_SILENCE_MS = SECOND;
/** Longer than this by SMS is more likely a typo than intent; longer silences are made in the web UI. */
export const MAX_SILENCE_MS = 30 * DAY;

const UNIT_MS: Readonly<Record<string, number>> = {
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND, 秒: SECOND, 秒钟: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE, 分: MINUTE, 分钟: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR, 小时: HOUR, 个小时: HOUR, 钟头: HOUR, 个钟头: HOUR,
  d: DAY, day: DAY, days: DAY, 天: DAY, 日: DAY,
  w: WEEK, wk: WEEK, wks: WEEK, week: WEEK, weeks: WEEK, 周: WEEK, 星期: WEEK, 个星期: WEEK,
};

// Longest unit first, so `2hours` reads `hours` and not `h` + garbage; a latin unit must end the word.
const UNITS = Object.keys(UNIT_MS).sort((a, b) => b.length - a.length);
const PART = new RegExp(`^(\\d{1,6}(?:\\.\\d{1,3})?) ?(${UNITS.join('|')})(?![a-z])`);
const MAX_PARTS = 5;

/**
 * Milliseconds of `text` (one or more amount-unit parts, optionally spaced), or undefined when it is not
 * a duration or is outside MIN_SILENCE_MS..MAX_SILENCE_MS (zero, `99d`).
 */
export function parseReplyDuration(text: string): number | undefined {
  let rest = text.trim();
  let total = 0;
  let parts = 0;
  while (rest !== '') {
    const match = PART.exec(rest);
    if (match === null || ++parts > MAX_PARTS) return undefined;
    const [whole, amount = '', unit = ''] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length).trimStart();
  }
  if (parts === 0 || !Number.isFinite(total)) return undefined;
  const ms = Math.round(total);
  return ms >= MIN_SILENCE_MS && ms <= MAX_SILENCE_MS ? ms : undefined;
}

const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
];

/** The shortest compound form, to the second: 5400000 → `1h30m`, 604800000 → `7d`, 0 → `0s`. */
export function formatReplyDuration(ms: number): string {
  let rest = Number.isFinite(ms) && ms > 0 ? Math.round(ms / SECOND) * SECOND : 0;
  let out = '';
  for (const [unit, size] of FORMAT_UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out === '' ? '0s' : out;
}
