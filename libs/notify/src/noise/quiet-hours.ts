import type { QuietHours, TierConfig, UserConfig } from '@klaxon/config';

/**
 * Quiet hours (SPEC §5): a daily window `[from, to)` in the person's own IANA time zone, during which SMS
 * and voice wait for tiers whose `quietHours` is `defer`. `to` earlier than `from` spans midnight
 * (23:00–08:00); `from == to` means no quiet hours at all.
 *
 * DST rule: membership is decided by the local wall-clock time, so a window is always "23:00 to 08:00 on
 * the clock", whatever the offset. The end instant is the local `to` on the right calendar day; when that
 * wall time does not exist (spring-forward gap) the quiet hours end at the instant the clocks jump; when it
 * occurs twice (fall-back) they end at its first occurrence.
 */

export type QuietHoursUser = Pick<UserConfig, 'timezone' | 'quietHours'>;
export type SmsDecision = { send: 'now' } | { send: 'at'; at: Date };

const MINUTE_MS = 60_000;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: (parts['hour'] ?? 0) % 24,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** The local wall-clock time as if it were UTC, in ms (whole seconds). */
function wallMs(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function offsetMs(ms: number, timeZone: string): number {
  return wallMs(ms, timeZone) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local wall time (given as if it were UTC, in ms) happens in `timeZone`: the earliest one
 * after `after` if it happens twice, the instant the clocks jump if it never happens.
 */
export function zonedWallTimeToInstant(wall: number, timeZone: string, after = -Infinity): Date {
  const day = 24 * 60 * MINUTE_MS;
  const offsets = [offsetMs(wall - day, timeZone), offsetMs(wall + day, timeZone)];
  const hits = offsets.map((o) => wall - o).filter((t) => t > after && wallMs(t, timeZone) === wall);
  if (hits.length > 0) return new Date(Math.min(...hits));
  // A gap: find the first instant whose wall time is at or after `wall`.
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  if (lo > hi) [lo, hi] = [hi, lo];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

function parseHhMm(value: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (m === null) throw new RangeError(`quiet hours must be HH:MM, got ${JSON.stringify(value)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

interface Window {
  from: number;
  to: number;
}

function windowOf(quietHours: QuietHours | undefined): Window | null {
  if (quietHours === undefined) return null;
  const from = parseHhMm(quietHours.from);
  const to = parseHhMm(quietHours.to);
  return from === to ? null : { from, to };
}

function zoneOf(user: QuietHoursUser): string {
  return user.timezone === '' ? 'UTC' : user.timezone;
}

function contains(w: Window, minuteOfDay: number): boolean {
  return w.from < w.to ? minuteOfDay >= w.from && minuteOfDay < w.to : minuteOfDay >= w.from || minuteOfDay < w.to;
}

/** Whether `at` falls in the user's quiet hours (`[from, to)`, local wall clock). */
export function inQuietHours(user: QuietHoursUser, at: Date): boolean {
  const w = windowOf(user.quietHours);
  if (w === null) return false;
  const p = localParts(at.getTime(), zoneOf(user));
  return contains(w, p.hour * 60 + p.minute);
}

/** When the quiet period `at` is in ends, or null when `at` is not in quiet hours. */
export function quietHoursEnd(user: QuietHoursUser, at: Date): Date | null {
  const w = windowOf(user.quietHours);
  if (w === null) return null;
  const zone = zoneOf(user);
  const p = localParts(at.getTime(), zone);
  const minute = p.hour * 60 + p.minute;
  if (!contains(w, minute)) return null;
  // Spanning midnight and still before it: the window ends tomorrow.
  const dayShift = w.from > w.to && minute >= w.from ? 1 : 0;
  const wall = Date.UTC(p.year, p.month - 1, p.day + dayShift, Math.floor(w.to / 60), w.to % 60);
  return zonedWallTimeToInstant(wall, zone, at.getTime());
}

/**
 * When an SMS (or voice call) for this tier may go to this user: `ignore` tiers (critical, high) pierce quiet
 * hours; `defer` tiers wait until they end. The caller drops a deferred SMS whose alert resolved meanwhile.
 */
export function smsDecision(tier: Pick<TierConfig, 'quietHours'>, user: QuietHoursUser, at: Date): SmsDecision {
  if (tier.quietHours === 'ignore') return { send: 'now' };
  const end = quietHoursEnd(user, at);
  return end === null ? { send: 'now' } : { send: 'at', at: end };
}
