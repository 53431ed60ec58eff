/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl.
 *
 * A "wall time" here is a local date and time written as a number: the epoch
 * milliseconds the same fields would have in UTC (`Date.UTC(y, m - 1, d, …)`).
 * Adding `24h` to a wall time always gives the same clock time on the next
 * calendar day, whatever the zone's offset does in between.
 */
import { type LocalDateTime, toLocalDateTime } from '@klaxon/config';

const DAY_MS = 86_400_000;

/** `Date.UTC` of the fields of `local`. */
export function wallMsOf(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** The zone's offset from UTC (ms, east positive) at `instantMs`. Offsets are whole seconds. */
export function offsetMsAt(instantMs: number, timeZone: string): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  return wallMsOf(toLocalDateTime(new Date(second), timeZone)) - second;
}

/** The wall time (see above) shown in `timeZone` at `instantMs`, milliseconds kept. */
export function wallMsAt(instantMs: number, timeZone: string): number {
  return instantMs + offsetMsAt(instantMs, timeZone);
}

/**
 * The instant (epoch ms) at which clocks in `timeZone` show `wallMs`.
 *
 * - a wall time that exists once: that instant;
 * - one repeated when the clocks go back (an overlap): its FIRST occurrence,
 *   e.g. 01:30 on 2026-11-01 in New York is 01:30 EDT (05:30Z), not 01:30 EST;
 * - one skipped when the clocks go forward (a gap): the FIRST VALID INSTANT
 *   AFTER it, i.e. the instant the clocks jump, e.g. 02:30 on 2026-03-08 in
 *   New York is 03:00 EDT (07:00Z). (`localDateTimeToUtc` in @klaxon/config
 *   instead shifts such a time by the size of the jump, to 03:30; hand-offs use
 *   this rule so that every time in a gap maps to the same hand-off instant.)
 *
 * Assumes at most one change of offset within a day either side of the time,
 * which holds for every zone in the tz database.
 */
export function wallClockToInstantMs(wallMs: number, timeZone: string): number {
  const offsets = [...new Set([-DAY_MS, 0, DAY_MS].map((d) => offsetMsAt(wallMs + d, timeZone)))];
  let first: number | undefined;
  for (const offset of offsets) {
    const candidate = wallMs - offset;
    if (offsetMsAt(candidate, timeZone) === offset && (first === undefined || candidate < first)) first = candidate;
  }
  if (first !== undefined) return first;

  // A gap: find the instant the clocks jump, the first one whose wall time is not before `wallMs`.
  let lo = wallMs - Math.max(...offsets); // before the jump: shows wallMs - (jump size)
  let hi = wallMs - Math.min(...offsets); // after the jump: shows wallMs + (jump size)
  if (wallMsAt(lo, timeZone) >= wallMs || wallMsAt(hi, timeZone) < wallMs) return hi; // not a single jump: cannot happen in tzdb
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallMsAt(mid, timeZone) >= wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** {@link wallClockToInstantMs} for a {@link LocalDateTime}. */
export function localWallTimeToInstant(local: LocalDateTime, timeZone: string): Date {
  return new Date(wallClockToInstantMs(wallMsOf(local), timeZone));
}
