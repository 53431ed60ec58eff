/**
 * SMS replies to pages (SPEC §9), read into commands. Pure and total: any text gives a command, and what
 * is not understood is `unknown` (the caller answers the help text then).
 *
 *   reply    := keyword                      whole message: aa, list, stop, start, help, ? (sms-reply.keywords)
 *             | verb [target] [duration]     ack 1, a1, ack #4711, 确认1, s, s 2h, silence 1 2h
 *             | target verb [duration]       1a, 1 a, 1s 30m, #4711 ack, 1确认
 *   target   := code (1..9999, per phone) | '#' number (the global alert number)
 *   duration := amount unit [amount unit]…   silence only; 1 s..30 d, default 1 h (reply-duration.parser)
 *
 * Spaces between the parts are optional. No target means the last alert sent to this phone; a number
 * alone (`1`) is ambiguous and unknown.
 */
import { DEFAULT_SILENCE_MS, parseReplyDuration } from './reply-duration.parser';
import { REPLY_KEYWORDS, REPLY_VERBS, type KeywordKind, type TargetedKind } from './sms-reply.keywords';

export type { KeywordKind, TargetedKind } from './sms-reply.keywords';

/** Which alert a reply means. */
export type ReplyTarget =
  /** the per-phone reply code of the page (`1a`) */
  | { by: 'code'; code: number }
  /** the global alert number (`ack #4711`) */
  | { by: 'number'; number: number }
  /** no target given: the last alert sent to this phone */
  | { by: 'last' };

export type SmsReplyCommand =
  | { kind: 'ack' | 'resolve' | 'escalate'; target: ReplyTarget }
  | { kind: 'silence'; target: ReplyTarget; durationMs: number }
  | { kind: 'ack-all' }
  | { kind: 'list' }
  | { kind: 'stop' }
  | { kind: 'start' }
  | { kind: 'help' }
  /** not understood; `text` is the reply as received */
  | { kind: 'unknown'; text: string };

/** Reply codes are small: the lowest free number from 1, per phone. */
export const MAX_REPLY_CODE = 9999;
/** Twilio delivers at most 1600 characters; a command is a few words, so longer is not one. */
const MAX_RAW_LENGTH = 1600;
const MAX_NORMALISED_LENGTH = 64;

// Maps, so that `constructor` or `__proto__` is not found on Object.prototype.
const KEYWORDS: ReadonlyMap<string, KeywordKind> = new Map(Object.entries(REPLY_KEYWORDS));
const VERBS: ReadonlyMap<string, TargetedKind> = new Map(Object.entries(REPLY_VERBS));

// Quotes and brackets people (or their phones) wrap a reply in; stripped from both ends, paired or not.
const WRAPPERS = `"'\`“”‘’„‚«»‹›「」『』【】〔〕〖〗〈〉《》()[]<>`;
// Punctuation a reply may end with.
const TRAILING = '.!?,;:~。、';
const ESCAPED_WRAPPERS = escapeClass(WRAPPERS);
const LEADING_JUNK = new RegExp(`^[\\s${ESCAPED_WRAPPERS}]+`);
const TRAILING_JUNK = new RegExp(`[\\s${ESCAPED_WRAPPERS}${escapeClass(TRAILING)}]+$`);
// Invisible characters a keyboard or a copy-paste can slip in.
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g;

function escapeClass(chars: string): string {
  return chars.replace(/[\\\]\[^-]/g, (c) => `\\${c}`);
}

/**
 * The reply as the grammar reads it: NFKC (full-width `１ａ` → `1a`, the ideographic space → a space),
 * lower case, no invisible characters, single spaces, no wrapping quotes or brackets, no trailing
 * punctuation. A reply that is only question marks stays `?` (help).
 */
export function normaliseSmsReply(text: string): string {
  const spaced = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '').replace(/\s+/g, ' ');
  const core = spaced.replace(LEADING_JUNK, '').replace(TRAILING_JUNK, '');
  return core === '' && spaced.includes('?') ? '?' : core;
}

export function parseSmsReply(text: string): SmsReplyCommand {
  const raw = typeof text === 'string' ? text : '';
  const unknown: SmsReplyCommand = { kind: 'unknown', text: raw };
  if (raw.length > MAX_RAW_LENGTH) return unknown;
  const reply = normaliseSmsReply(raw);
  if (reply === '' || reply.length > MAX_NORMALISED_LENGTH) return unknown;

  const keyword = KEYWORDS.get(reply);
  if (keyword !== undefined) return { kind: keyword };
  return parseVerbFirst(reply) ?? parseTargetFirst(reply) ?? unknown;
}

interface Read<T> {
  value: T;
  /** what follows, without leading spaces */
  rest: string;
}

/** `ack 1`, `a1`, `ack #4711`, `确认1`, `s`, `s 2h`, `silence 1 2h`. */
function parseVerbFirst(reply: string): SmsReplyCommand | undefined {
  const verb = readVerb(reply);
  if (verb === undefined) return undefined;
  if (verb.rest === '') return command(verb.value, { by: 'last' }, '');
  // A duration right after the verb is for the last alert: `s 2h`, `静默2小时`. Checked before a target,
  // so `静默12小时` is 12 h and not alert 1 for 2 h.
  if (verb.value === 'silence' && parseReplyDuration(verb.rest) !== undefined) {
    return command(verb.value, { by: 'last' }, verb.rest);
  }
  const target = readTarget(verb.rest);
  return target === undefined ? undefined : command(verb.value, target.value, target.rest);
}

/** `1a`, `1 a`, `1s 30m`, `#4711 ack`, `1确认`. */
function parseTargetFirst(reply: string): SmsReplyCommand | undefined {
  const target = readTarget(reply);
  if (target === undefined) return undefined;
  const verb = readVerb(target.rest);
  return verb === undefined ? undefined : command(verb.value, target.value, verb.rest);
}

/** The command, given what is left after the verb and the target: nothing, or a silence's duration. */
function command(kind: TargetedKind, target: ReplyTarget, rest: string): SmsReplyCommand | undefined {
  if (kind !== 'silence') return rest === '' ? { kind, target } : undefined;
  const durationMs = rest === '' ? DEFAULT_SILENCE_MS : parseReplyDuration(rest);
  return durationMs === undefined ? undefined : { kind, target, durationMs };
}

// A latin verb is a whole word (`ack1` is `ack` + 1, `sa` is nothing); a Chinese one is a known prefix,
// longest first.
const LATIN_WORD = /^[a-z]+/;
const CHINESE_VERBS = [...VERBS.keys()]
  .filter((word) => !LATIN_WORD.test(word))
  .sort((a, b) => b.length - a.length);

function readVerb(text: string): Read<TargetedKind> | undefined {
  const word = LATIN_WORD.exec(text)?.[0] ?? CHINESE_VERBS.find((verb) => text.startsWith(verb));
  if (word === undefined) return undefined;
  const kind = VERBS.get(word);
  return kind === undefined ? undefined : { value: kind, rest: text.slice(word.length).trimStart() };
}

const CODE = /^\d+/;
const NUMBER = /^# ?(\d+)/;

/** A code (1..9999) or `#` and a global number; undefined for anything else, 0 and out-of-range codes too. */
function readTarget(text: string): Read<ReplyTarget> | undefined {
  const number = NUMBER.exec(text);
  if (number !== null) {
    const value = Number(number[1]);
    if (!Number.isSafeInteger(value) || value < 1) return undefined;
    return { value: { by: 'number', number: value }, rest: text.slice(number[0].length).trimStart() };
  }
  const code = CODE.exec(text);
  if (code === null) return undefined;
  const value = Number(code[0]);
  if (!Number.isInteger(value) || value < 1 || value > MAX_REPLY_CODE) return undefined;
  return { value: { by: 'code', code: value }, rest: text.slice(code[0].length).trimStart() };
}
