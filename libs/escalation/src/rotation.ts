/**
 * Who is on call for a schedule (SPEC §6): the rotation, counted in local
 * wall-clock time in the schedule's time zone, and temporary overrides
 * ("I'll cover tonight") on top of it. Pure functions of their arguments.
 *
 * Shift `k` (k = 0 begins at the rotation's `start`; negative k before it)
 * begins at the wall time `start + k × shift` in the schedule's zone and ends
 * where shift `k + 1` begins. So a `1d` or `1w` rotation hands off at the same
 * local time every day or week, and the day the clocks change has a 23 h or
 * 25 h shift; a `12h` rotation starting at 09:00 hands off at 09:00 and 21:00
 * local (an 11 h or 13 h shift across the change). A wall time that does not
 * exist (in a spring-forward gap) hands off at the first valid instant after
 * it, the moment the clocks jump; one that exists twice (in a fall-back
 * overlap) hands off at its first occurrence. See {@link wallClockToInstantMs}.
 * (A shift shorter than the gap, e.g. `30m`, can thereby shrink to nothing:
 * such an empty shift is never on call.)
 *
 * The rotation is anchored on `rotation.start` (whose time of day is the
 * `handoff`); `rotation.startsAtMs` is not used, since it resolves a `start`
 * in a gap by a different rule.
 */
import { formatDuration, parseLocalDateTime, type ScheduleConfig } from '@klaxon/config';
import { wallClockToInstantMs, wallMsAt, wallMsOf } from './wall-clock';

/** One shift of a rotation. */
export interface RotationShift {
  /** user id of the member on call */
  member: string;
  /** shift number: 0 is the shift beginning at the rotation's start, −1 the one before, … */
  index: number;
  /** position of `member` in the rotation's members: `index` modulo the number of members (never negative) */
  memberIndex: number;
  /** inclusive */
  startsAt: Date;
  /** exclusive; the next shift's `startsAt` */
  endsAt: Date;
}

/** A temporary override: `userId` is on call from `startsAt` (inclusive) to `endsAt` (exclusive). */
export interface ScheduleOverride {
  userId: string;
  startsAt: Date;
  endsAt: Date;
  /** when several overrides cover the same instant, the latest created wins (ties: the later in the list) */
  createdAt: Date;
}

/** Who is on call at one instant. */
export interface OnCallAt<O extends ScheduleOverride = ScheduleOverride> {
  userId: string;
  /** true when an override, not the rotation, puts `userId` on call */
  isOverride: boolean;
  /** the override that wins, when `isOverride` */
  override?: O;
  /** the rotation shift at that instant (whoever an override replaces) */
  shift: RotationShift;
}

/**
 * A stretch of time with the same cover: one rotation shift (or what is left
 * of it around overrides) or one winning override. Consecutive stretches may
 * name the same person (a 1-member rotation, an override by the member on
 * shift, a rotation member taking over from their own override).
 */
export interface OnCallPeriod<O extends ScheduleOverride = ScheduleOverride> extends OnCallAt<O> {
  /** when this stretch began (inclusive) */
  since: Date;
  /** when it ends (exclusive): the next change */
  until: Date;
}

const DAY_MS = 86_400_000;

interface Rotation {
  scheduleId: string;
  timeZone: string;
  members: readonly string[];
  shiftMs: number;
  /** wall time of `start` */
  anchorWallMs: number;
}

function rotationOf(schedule: ScheduleConfig): Rotation {
  const { members, shiftMs, start } = schedule.rotation;
  if (members.length === 0) throw new Error(`schedule ${schedule.id} has no members`);
  if (!Number.isSafeInteger(shiftMs) || shiftMs <= 0) throw new RangeError(`schedule ${schedule.id}: shift must be a positive number of milliseconds, got ${shiftMs}`);
  const local = parseLocalDateTime(start);
  if (!local) throw new RangeError(`schedule ${schedule.id}: start "${start}" is not a local date and time`);
  return { scheduleId: schedule.id, timeZone: schedule.timezone, members, shiftMs, anchorWallMs: wallMsOf(local) };
}

function instantMs(at: Date, what: string): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid date`);
  return ms;
}

function shiftByIndex(r: Rotation, index: number, startsAtMs: number, endsAtMs: number): RotationShift {
  const n = r.members.length;
  const memberIndex = ((index % n) + n) % n;
  const member = r.members[memberIndex];
  if (member === undefined) throw new Error(`schedule ${r.scheduleId} has no member ${memberIndex}`);
  return { member, index, memberIndex, startsAt: new Date(startsAtMs), endsAt: new Date(endsAtMs) };
}

/** The rotation shift containing `at` (startsAt ≤ at < endsAt). */
export function shiftAt(schedule: ScheduleConfig, at: Date): RotationShift {
  const r = rotationOf(schedule);
  const t = instantMs(at, 'at');
  const cache = new Map<number, number>();
  const boundary = (k: number): number => {
    let ms = cache.get(k);
    if (ms === undefined) {
      ms = wallClockToInstantMs(r.anchorWallMs + k * r.shiftMs, r.timeZone);
      cache.set(k, ms);
    }
    return ms;
  };

  // Estimate from the wall clock, then bracket (boundary(lo) ≤ t < boundary(hi)) and
  // bisect: boundaries never decrease with k, so the shift is the largest k with boundary(k) ≤ t.
  const estimate = Math.floor((wallMsAt(t, r.timeZone) - r.anchorWallMs) / r.shiftMs);
  let lo = estimate;
  for (let step = 1; boundary(lo) > t; step *= 2) lo -= step;
  let hi = estimate + 1; // > lo, and boundary(estimate + 1) > t whenever lo had to move
  for (let step = 1; boundary(hi) <= t; step *= 2) hi += step;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (boundary(mid) <= t) lo = mid;
    else hi = mid;
  }
  return shiftByIndex(r, lo, boundary(lo), boundary(lo + 1));
}

interface Ranked<O extends ScheduleOverride> {
  override: O;
  startsAtMs: number;
  endsAtMs: number;
  createdAtMs: number;
  position: number;
}

/** Overrides that cover some time (startsAt < endsAt, both valid dates), with what ranks them. */
function ranked<O extends ScheduleOverride>(overrides: readonly O[]): Ranked<O>[] {
  const out: Ranked<O>[] = [];
  overrides.forEach((override, position) => {
    const startsAtMs = override.startsAt instanceof Date ? override.startsAt.getTime() : Number.NaN;
    const endsAtMs = override.endsAt instanceof Date ? override.endsAt.getTime() : Number.NaN;
    if (!(startsAtMs < endsAtMs)) return;
    const created = override.createdAt instanceof Date ? override.createdAt.getTime() : Number.NaN;
    out.push({ override, startsAtMs, endsAtMs, createdAtMs: Number.isFinite(created) ? created : -Infinity, position });
  });
  return out;
}

/** True when `a` wins over `b` where both cover the same instant. */
function newer<O extends ScheduleOverride>(a: Ranked<O>, b: Ranked<O>): boolean {
  return a.createdAtMs !== b.createdAtMs ? a.createdAtMs > b.createdAtMs : a.position > b.position;
}

function winnerAt<O extends ScheduleOverride>(overrides: readonly Ranked<O>[], t: number): Ranked<O> | undefined {
  let winner: Ranked<O> | undefined;
  for (const o of overrides) {
    if (o.startsAtMs <= t && t < o.endsAtMs && (winner === undefined || newer(o, winner))) winner = o;
  }
  return winner;
}

function onCallAt<O extends ScheduleOverride>(
  schedule: ScheduleConfig,
  overrides: readonly Ranked<O>[],
  t: number,
): { at: OnCallAt<O>; winner: Ranked<O> | undefined } {
  const shift = shiftAt(schedule, new Date(t));
  const winner = winnerAt(overrides, t);
  const at: OnCallAt<O> = winner
    ? { userId: winner.override.userId, isOverride: true, override: winner.override, shift }
    : { userId: shift.member, isOverride: false, shift };
  return { at, winner };
}

/**
 * Who is on call at `at`: the override covering `at` (startsAt ≤ at < endsAt;
 * the latest created if several do), else the rotation's member. Overrides
 * that end before they start are ignored.
 */
export function withOverrides<O extends ScheduleOverride>(schedule: ScheduleConfig, overrides: readonly O[], at: Date): OnCallAt<O> {
  return onCallAt(schedule, ranked(overrides), instantMs(at, 'at')).at;
}

function periodAt<O extends ScheduleOverride>(schedule: ScheduleConfig, overrides: readonly Ranked<O>[], t: number): OnCallPeriod<O> {
  const { at, winner } = onCallAt(schedule, overrides, t);
  let since: number;
  let until: number;
  if (winner) {
    // The winner holds until it ends or a newer override starts; it has held since it
    // started or a newer override (which beat it) ended.
    since = winner.startsAtMs;
    until = winner.endsAtMs;
    for (const o of overrides) {
      if (!newer(o, winner)) continue;
      if (o.endsAtMs <= t) since = Math.max(since, o.endsAtMs);
      if (o.startsAtMs > t) until = Math.min(until, o.startsAtMs);
    }
  } else {
    // The rotation holds until the shift ends or any override starts; it has held since
    // the shift began or the last override ended.
    since = at.shift.startsAt.getTime();
    until = at.shift.endsAt.getTime();
    for (const o of overrides) {
      if (o.endsAtMs <= t) since = Math.max(since, o.endsAtMs);
      if (o.startsAtMs > t) until = Math.min(until, o.startsAtMs);
    }
  }
  return { ...at, since: new Date(since), until: new Date(until) };
}

/**
 * Who is on call at `now`, since when and until when, taking overrides into
 * account: an override ending before the shift does hands back to the rotation
 * member; one starting before the hand-off cuts the stretch short.
 */
export function onCallNow<O extends ScheduleOverride>(schedule: ScheduleConfig, overrides: readonly O[], now: Date): OnCallPeriod<O> {
  return periodAt(schedule, ranked(overrides), instantMs(now, 'now'));
}

/**
 * The next change after `now`: who takes over at `onCallNow(…).until` (its
 * `since`), and until when. It may name the same person as now (see
 * {@link OnCallPeriod}); compare `userId` to skip such changes.
 */
export function onCallNext<O extends ScheduleOverride>(schedule: ScheduleConfig, overrides: readonly O[], now: Date): OnCallPeriod<O> {
  const all = ranked(overrides);
  const current = periodAt(schedule, all, instantMs(now, 'now'));
  return periodAt(schedule, all, current.until.getTime());
}

/** What an API call asks for. */
export interface OverrideRequest {
  userId: string;
  startsAt: Date;
  endsAt: Date;
}

export const MAX_OVERRIDE_MS = 31 * DAY_MS;

export interface ValidateOverrideOptions {
  /** longest allowed override (default {@link MAX_OVERRIDE_MS}, 31 days) */
  maxMs?: number;
  /** when given, an override that has already ended is refused */
  now?: Date;
}

/** Known user ids: `config.lookup.users`, a Set of ids, or a list of ids or users. */
export type KnownUsers = ReadonlyMap<string, unknown> | ReadonlySet<string> | Iterable<string | { readonly id: string }>;

function isKnown(users: KnownUsers, userId: string): boolean {
  if (users instanceof Map || users instanceof Set) return users.has(userId);
  for (const user of users as Iterable<string | { readonly id: string }>) {
    if ((typeof user === 'string' ? user : user.id) === userId) return true;
  }
  return false;
}

/** `31d`, `31d1s`, `8h`: whole days first (formatDuration alone would say `4w3d`). */
function formatSpan(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  if (days === 0) return formatDuration(rest);
  return rest === 0 ? `${days}d` : `${days}d${formatDuration(rest)}`;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

/**
 * The problems with an override for `schedule`, each as `field: message`
 * (empty when it is fine), for the API to answer 400 with.
 */
export function validateOverride(
  override: OverrideRequest,
  schedule: ScheduleConfig,
  users: KnownUsers,
  options: ValidateOverrideOptions = {},
): string[] {
  const problems: string[] = [];
  const maxMs = options.maxMs ?? MAX_OVERRIDE_MS;
  const userId: unknown = override.userId;
  if (typeof userId !== 'string' || userId.trim() === '') problems.push('userId: is required');
  else if (!isKnown(users, userId)) problems.push(`userId: unknown user "${userId}"`);

  const startsOk = isValidDate(override.startsAt);
  const endsOk = isValidDate(override.endsAt);
  if (!startsOk) problems.push('startsAt: must be a valid date and time');
  if (!endsOk) problems.push('endsAt: must be a valid date and time');
  if (startsOk && endsOk) {
    const lengthMs = override.endsAt.getTime() - override.startsAt.getTime();
    if (lengthMs <= 0) {
      problems.push(`endsAt: must be after startsAt (${override.startsAt.toISOString()})`);
    } else if (lengthMs > maxMs) {
      problems.push(`endsAt: an override of schedule ${schedule.id} may last at most ${formatSpan(maxMs)}, this one lasts ${formatSpan(lengthMs)}`);
    }
  }
  if (endsOk && options.now !== undefined && override.endsAt.getTime() <= options.now.getTime()) {
    problems.push(`endsAt: is in the past (${override.endsAt.toISOString()})`);
  }
  return problems;
}
