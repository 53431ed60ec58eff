import { PRIORITIES, isPlainObject, type Priority } from '@klaxon/alert-format';
import { compileMessagePattern, DURATION_HINT, formatDuration, tryParseDuration } from '@klaxon/config';
import { SILENCE_MATCHER_KEYS, type SilenceMatchers } from './silence';
import { compileHostGlob, parseIpRange } from './silence-matcher';

/**
 * The body of `POST /api/v1/silences` (SPEC §10), checked and normalised:
 *
 *     {matchers, startsAt?, endsAt | duration, comment}
 *
 * Every problem is reported, each naming its field (`matchers.host: …`,
 * `endsAt: must be after startsAt`), so the UI can show them all at once.
 */

export const DEFAULT_MAX_SILENCE_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_SILENCE_COMMENT_LENGTH = 1000;
/** the longest host glob, message substring or regex a matcher may hold */
export const MAX_SILENCE_MATCHER_LENGTH = 1000;
const MAX_FINGERPRINT_LENGTH = 200;

export interface SilenceInput {
  matchers: SilenceMatchers;
  startsAt: Date;
  endsAt: Date;
  comment: string;
}

type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };
export type SilenceInputResult = Checked<SilenceInput>;
export type SilenceMatchersResult = Checked<SilenceMatchers>;

const BODY_KEYS = ['matchers', 'startsAt', 'endsAt', 'duration', 'comment'] as const;
const BODY_KEY_SET: ReadonlySet<string> = new Set(BODY_KEYS);
const MATCHER_KEY_SET: ReadonlySet<string> = new Set(SILENCE_MATCHER_KEYS);
const PRIORITY_SET: ReadonlySet<string> = new Set(PRIORITIES);
const DAY_MS = 24 * 60 * 60 * 1000;

/** A value as an error message may show it. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}


/** `30d` rather than formatDuration's `4w2d` for whole days. */
function describeDuration(ms: number): string {
  return ms > 0 && ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatDuration(ms);
}

function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})$/;
const TIME_HINT = 'an ISO 8601 time with a zone like 2026-05-01T10:00:00Z';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An ISO 8601 time that says its zone (`Z` or `+08:00`); a Date passes if valid. Undefined when neither. */
export function parseTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if (typeof value !== 'string') return undefined;
  const m = ISO_TIME.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMins = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A string matcher: trimmed (unless kept as is), non-empty, not too long; pushes an error and returns undefined otherwise. */
function stringMatcher(
  value: unknown,
  field: string,
  errors: string[],
  options: { trim: boolean; maxLength: number },
): string | undefined {
  if (typeof value !== 'string') {
    errors.push(`${field}: must be a string, got ${shown(value)}`);
    return undefined;
  }
  if (value.trim() === '') {
    errors.push(`${field}: must not be empty`);
    return undefined;
  }
  const text = options.trim ? value.trim() : value;
  if (characterCount(text) > options.maxLength) {
    errors.push(`${field}: must be at most ${options.maxLength} characters`);
    return undefined;
  }
  return text;
}

function priorityMatcher(value: unknown, field: string, errors: string[]): Priority[] | undefined {
  const list: unknown[] | undefined = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (list === undefined) {
    errors.push(`${field}: must be a list of priorities like ["P0", "P1"], got ${shown(value)}`);
    return undefined;
  }
  if (list.length === 0) {
    errors.push(`${field}: must list at least one priority`);
    return undefined;
  }
  const priorities: Priority[] = [];
  let bad = false;
  list.forEach((item, index) => {
    const upper = typeof item === 'string' ? item.trim().toUpperCase() : undefined;
    if (upper === undefined || !PRIORITY_SET.has(upper)) {
      errors.push(`${field}[${index}]: must be one of P0–P9, got ${shown(item)}`);
      bad = true;
      return;
    }
    if (!priorities.includes(upper as Priority)) priorities.push(upper as Priority);
  });
  return bad ? undefined : priorities;
}

/**
 * Silence matchers from JSON: at least one of host, ip, message, messageRegex,
 * priority, fingerprint; no other keys; null counts as absent. Host and ip are
 * trimmed, priorities upper-cased and deduplicated (a single string is a list
 * of one), message and regex kept as given.
 */
export function parseSilenceMatchers(value: unknown, field = 'matchers'): SilenceMatchersResult {
  if (value === undefined) return { ok: false, errors: [`${field}: required`] };
  if (!isPlainObject(value)) return { ok: false, errors: [`${field}: must be an object, got ${shown(value)}`] };

  const errors: string[] = [];
  let given = 0;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null) continue;
    given++;
    if (!MATCHER_KEY_SET.has(key)) {
      errors.push(`${field}.${key}: unknown matcher (use ${SILENCE_MATCHER_KEYS.join(', ')})`);
    }
  }
  if (given === 0) {
    return { ok: false, errors: [`${field}: give at least one of ${SILENCE_MATCHER_KEYS.join(', ')}`] };
  }

  const matchers: SilenceMatchers = {};
  const at = (key: string) => `${field}.${key}`;
  const present = (key: string) => value[key] !== undefined && value[key] !== null;

  if (present('host')) {
    const host = stringMatcher(value.host, at('host'), errors, { trim: true, maxLength: MAX_SILENCE_MATCHER_LENGTH });
    if (host !== undefined) {
      if (host.includes('/')) errors.push(`${at('host')}: must be a host glob like db-* (no "/"), got ${shown(host)}`);
      else if (!compileHostGlob(host)) errors.push(`${at('host')}: not a valid glob, got ${shown(host)}`);
      else matchers.host = host;
    }
  }
  if (present('ip')) {
    const ip = stringMatcher(value.ip, at('ip'), errors, { trim: true, maxLength: 64 });
    if (ip !== undefined) {
      if (parseIpRange(ip)) matchers.ip = ip;
      else errors.push(`${at('ip')}: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got ${shown(ip)}`);
    }
  }
  if (present('message')) {
    const message = stringMatcher(value.message, at('message'), errors, { trim: false, maxLength: MAX_SILENCE_MATCHER_LENGTH });
    if (message !== undefined) matchers.message = message;
  }
  if (present('messageRegex')) {
    const regex = stringMatcher(value.messageRegex, at('messageRegex'), errors, { trim: false, maxLength: MAX_SILENCE_MATCHER_LENGTH });
    if (regex !== undefined) {
      try {
        compileMessagePattern(regex);
        matchers.messageRegex = regex;
      } catch (error) {
        errors.push(`${at('messageRegex')}: invalid regular expression: ${(error as Error).message}`);
      }
    }
  }
  if (present('priority')) {
    const priority = priorityMatcher(value.priority, at('priority'), errors);
    if (priority !== undefined) matchers.priority = priority;
  }
  if (present('fingerprint')) {
    const fingerprint = stringMatcher(value.fingerprint, at('fingerprint'), errors, { trim: true, maxLength: MAX_FINGERPRINT_LENGTH });
    if (fingerprint !== undefined) matchers.fingerprint = fingerprint;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: matchers };
}

/**
 * The body of `POST /api/v1/silences`, checked against `now`:
 * - `matchers`: see parseSilenceMatchers;
 * - `startsAt`: optional, default now; may be in the future; one in the past
 *   starts now (a silence does not act on what already happened);
 * - exactly one of `endsAt` (after startsAt and in the future) or `duration`
 *   (`30s`, `10m`, `2h`, `1d`, `1w`, `1h30m`, counted from startsAt), for at
 *   most `maxDurationMs`;
 * - `comment`: required, not blank, at most 1000 characters; trimmed.
 * Unknown fields are refused, so a misspelt one is not silently ignored.
 */
export function parseSilenceInput(body: unknown, now: Date, maxDurationMs: number = DEFAULT_MAX_SILENCE_MS): SilenceInputResult {
  if (!isPlainObject(body)) return { ok: false, errors: [`body: must be a JSON object, got ${shown(body)}`] };
  const errors: string[] = [];

  for (const key of Object.keys(body)) {
    if (!BODY_KEY_SET.has(key)) errors.push(`${key}: unknown field (use ${BODY_KEYS.join(', ')})`);
  }

  const matchers = parseSilenceMatchers(body.matchers);
  if (!matchers.ok) errors.push(...matchers.errors);

  // when it starts: as given, but not before now
  const startGiven = body.startsAt !== undefined && body.startsAt !== null;
  let requestedStart: Date | undefined = new Date(now.getTime());
  if (startGiven) {
    requestedStart = parseTimestamp(body.startsAt);
    if (requestedStart === undefined) errors.push(`startsAt: must be ${TIME_HINT}, got ${shown(body.startsAt)}`);
  }
  const startsAt =
    requestedStart === undefined ? undefined : new Date(Math.max(requestedStart.getTime(), now.getTime()));

  // when it ends: endsAt, or startsAt + duration
  const maxText = describeDuration(maxDurationMs);
  const hasEndsAt = body.endsAt !== undefined && body.endsAt !== null;
  const hasDuration = body.duration !== undefined && body.duration !== null;
  let endsAt: Date | undefined;
  if (hasEndsAt && hasDuration) {
    errors.push('duration: give endsAt or duration, not both');
  } else if (!hasEndsAt && !hasDuration) {
    errors.push('endsAt: required (or give duration)');
  } else if (hasEndsAt) {
    const given = parseTimestamp(body.endsAt);
    if (given === undefined) {
      errors.push(`endsAt: must be ${TIME_HINT}, got ${shown(body.endsAt)}`);
    } else if (requestedStart !== undefined && startsAt !== undefined) {
      // (startsAt is the later of requestedStart and now)
      if (startGiven && given.getTime() <= requestedStart.getTime()) errors.push('endsAt: must be after startsAt');
      else if (given.getTime() <= now.getTime()) errors.push('endsAt: must be in the future');
      else if (given.getTime() - startsAt.getTime() > maxDurationMs) errors.push(`endsAt: must be at most ${maxText} after startsAt`);
      else endsAt = given;
    }
  } else {
    const ms = typeof body.duration === 'string' ? tryParseDuration(body.duration) : undefined;
    if (ms === undefined) errors.push(`duration: must be ${DURATION_HINT}, got ${shown(body.duration)}`);
    else if (ms <= 0) errors.push('duration: must be longer than 0');
    else if (ms > maxDurationMs) errors.push(`duration: must be at most ${maxText}`);
    else if (startsAt !== undefined) endsAt = new Date(startsAt.getTime() + ms);
  }

  let comment: string | undefined;
  if (body.comment === undefined || body.comment === null) {
    errors.push('comment: required');
  } else if (typeof body.comment !== 'string') {
    errors.push(`comment: must be a string, got ${shown(body.comment)}`);
  } else if (body.comment.trim() === '') {
    errors.push('comment: must not be empty');
  } else {
    comment = body.comment.trim();
    const length = characterCount(comment);
    if (length > MAX_SILENCE_COMMENT_LENGTH) {
      errors.push(`comment: must be at most ${MAX_SILENCE_COMMENT_LENGTH} characters, got ${length}`);
    }
  }

  if (errors.length > 0 || !matchers.ok || startsAt === undefined || endsAt === undefined || comment === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, value: { matchers: matchers.value, startsAt, endsAt, comment } };
}
