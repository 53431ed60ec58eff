/**
 * Field rules shared by every ingest parser (lines, JSON, Alertmanager, Open-Falcon), so that a host, an
 * ip or a priority means the same thing whichever way it arrived. Validators return the normalised value
 * or a FieldError whose message names the field; the parsers add the `line N: ` / `item N: ` prefix.
 * Nothing here allocates on the success path beyond the normalised strings themselves.
 */
import { isIP } from 'node:net';
import { PRIORITIES, type AlertLineStatus, type Priority } from './alert';

/** Limits on single fields (the line and body limits are INGEST_LIMITS). */
export const ALERT_FIELD_LIMITS = {
  maxMessageBytes: 4 * 1024,
  maxHostBytes: 1024,
  maxDedupKeyLength: 256,
  maxSourceLength: 256,
  maxLabels: 64,
  maxLabelKeyBytes: 1024,
  maxLabelValueBytes: 1024,
  /** a rejected input is kept (and shown in the UI) cut to this many characters */
  maxInputChars: 200,
} as const;

/** Why one field was refused; `message` starts with the field's name. */
export class FieldError {
  constructor(readonly message: string) {}
}

// C0 controls except tab. NUL in particular cannot be stored in a PostgreSQL text column.
const CONTROL_CHAR = /[\u0000-\u0008\u000a-\u001f]/;
// Line breaks are allowed where a value is free text from a structured source (label values).
const CONTROL_CHAR_NO_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const LINE_BREAKS = /[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*/g;
const ANY_SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NON_BLANK = /\S/;

/**
 * `value` with each lone surrogate replaced by U+FFFD, as a UTF-8 decoder does with a broken sequence.
 * JSON can carry one (`"\ud800"`) where UTF-8 cannot, and PostgreSQL refuses it in a json value: one
 * such label would fail the whole triage batch it travels in, with every good alert of it.
 */
export function wellFormed(value: string): string {
  return ANY_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}

/** True when the string holds anything but white space (the same white space String#trim removes). */
export function isNonBlank(value: string): boolean {
  return NON_BLANK.test(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a number`, `null`, `an array`, … for messages like `host must be a string, not a number`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'undefined':
      return 'undefined';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${typeof value}`;
  }
}

/** A value quoted for an error message: JSON-escaped (so control characters are visible), cut at 64 chars. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${cutChars(value, 63)}…` : value);
}

/** The UTF-8 size of `value` when it is over `max` bytes, else 0 (Buffer.byteLength only when it can matter). */
export function bytesOver(value: string, max: number): number {
  // Each UTF-16 unit is 1–3 UTF-8 bytes (a surrogate pair is 4 for 2 units).
  if (value.length * 3 <= max) return 0;
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes > max ? bytes : 0;
}

/** `value` cut to at most `max` characters with an ellipsis, never splitting a surrogate pair. */
export function cutInput(value: string, max: number = ALERT_FIELD_LIMITS.maxInputChars): string {
  return value.length <= max ? value : `${cutChars(value, max - 1)}…`;
}

/** A structured input (a JSON item, callback parameters) as kept in the rejected-input log. */
export function jsonInput(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    // String() of a deeply nested array recurses as deep as JSON.stringify did, so it fails too.
    try {
      text = String(value);
    } catch {
      text = Array.isArray(value) ? '[…nested too deep to show…]' : '(not showable)';
    }
  }
  return cutInput(text);
}

function cutChars(value: string, end: number): string {
  const last = value.charCodeAt(end - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** `value` cut to at most `maxBytes` UTF-8 bytes, with an ellipsis when cut. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (bytesOver(value, maxBytes) === 0) return value;
  const budget = maxBytes - 3; // the ellipsis is 3 bytes
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return `${value.slice(0, end)}…`;
}

/**
 * A message from a structured source made fit for the one-line alert format Klaxon writes back in SMS and
 * IM: line breaks (and the blanks around them) become one space, outer white space goes.
 */
export function foldMessage(value: string): string {
  const folded = value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 ? value.replace(LINE_BREAKS, ' ') : value;
  return folded.trim();
}

export function controlCharError(field: string, value: string, allowLineBreaks = false): FieldError | undefined {
  const found = (allowLineBreaks ? CONTROL_CHAR_NO_BREAKS : CONTROL_CHAR).exec(value);
  if (found === null) return undefined;
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return new FieldError(`${field} contains a control character (U+${code})`);
}

/** `P0`..`P9`, any case, surrounding blanks ignored. */
export function checkPriority(raw: string): Priority | FieldError {
  const value = raw.trim();
  if (value.length === 0) return new FieldError('priority is empty');
  if (value.length === 2) {
    const p = value.charCodeAt(0);
    const digit = value.charCodeAt(1) - 48;
    if ((p === 80 || p === 112) && digit >= 0 && digit <= 9) return PRIORITIES[digit] as Priority;
  }
  return new FieldError(`priority ${quote(value)} is not P0–P9`);
}

/** `PROBLEM` or `OK`, any case, surrounding blanks ignored. */
export function checkStatus(raw: string): AlertLineStatus | FieldError {
  const value = raw.trim();
  if (value === 'PROBLEM' || value === 'OK') return value;
  if (value.length === 0) return new FieldError('status is empty');
  if (value.length <= 7) {
    const upper = value.toUpperCase();
    if (upper === 'PROBLEM' || upper === 'OK') return upper;
  }
  return new FieldError(`status ${quote(value)} is not PROBLEM or OK`);
}

/** A non-empty host name; surrounding blanks ignored. */
export function checkHost(raw: string, field = 'host'): string | FieldError {
  const value = wellFormed(raw.trim());
  if (value.length === 0) return new FieldError(`${field} is empty`);
  const control = controlCharError(field, value);
  if (control !== undefined) return control;
  const bytes = bytesOver(value, ALERT_FIELD_LIMITS.maxHostBytes);
  if (bytes > 0) return new FieldError(`${field} is ${bytes} bytes, at most ${ALERT_FIELD_LIMITS.maxHostBytes}`);
  return value;
}

/** An IPv4 or IPv6 address, or '' for none; surrounding blanks ignored. */
export function checkIp(raw: string): string | FieldError {
  const value = raw.trim();
  if (value.length === 0 || isIP(value) !== 0) return value;
  return new FieldError(`ip ${quote(value)} is not an IPv4 or IPv6 address`);
}

/** The message as given (not trimmed); it must hold something other than blanks. */
export function checkMessage(raw: string): string | FieldError {
  const message = wellFormed(raw);
  if (!NON_BLANK.test(message)) return new FieldError('message is empty');
  const control = controlCharError('message', message);
  if (control !== undefined) return control;
  const bytes = bytesOver(message, ALERT_FIELD_LIMITS.maxMessageBytes);
  if (bytes > 0) return new FieldError(`message is ${bytes} bytes, at most ${ALERT_FIELD_LIMITS.maxMessageBytes}`);
  return message;
}

/** A caller-chosen fingerprint: a non-empty string of at most 256 characters. */
export function checkDedupKey(raw: unknown): string | FieldError {
  if (typeof raw !== 'string') return new FieldError(`dedupKey must be a string, not ${describeType(raw)}`);
  if (!NON_BLANK.test(raw)) return new FieldError('dedupKey is empty');
  const max = ALERT_FIELD_LIMITS.maxDedupKeyLength;
  if (raw.length > max) return new FieldError(`dedupKey is ${raw.length} characters, at most ${max}`);
  return controlCharError('dedupKey', raw) ?? wellFormed(raw);
}

/** The sender's name for itself; '' means none. */
export function checkSource(raw: unknown): string | FieldError {
  if (typeof raw !== 'string') return new FieldError(`source must be a string, not ${describeType(raw)}`);
  const value = raw.trim();
  const max = ALERT_FIELD_LIMITS.maxSourceLength;
  if (value.length > max) return new FieldError(`source is ${value.length} characters, at most ${max}`);
  return controlCharError('source', value) ?? wellFormed(value);
}

/**
 * Labels: an object of strings, at most 64, keys and values at most 1 KiB each. With `nonStrings: 'skip'`
 * values that are not strings are dropped instead of refusing the whole object (Alertmanager). The input
 * object is returned as is when nothing had to be dropped.
 */
export function checkLabels(
  raw: unknown,
  nonStrings: 'reject' | 'skip' = 'reject',
): Record<string, string> | FieldError {
  if (!isPlainObject(raw)) return new FieldError('labels must be an object of strings');
  const keys = Object.keys(raw);
  let copy: Record<string, string> | undefined;
  let count = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = raw[key];
    if (typeof value !== 'string') {
      if (nonStrings === 'reject') return new FieldError('labels must be an object of strings');
      copy ??= copyLabels(raw, keys, i);
      continue;
    }
    const error = labelError(key, value);
    if (error !== undefined) return error;
    count++;
    const fixedKey = wellFormed(key);
    const fixedValue = wellFormed(value);
    if (copy === undefined && (fixedKey !== key || fixedValue !== value)) copy = copyLabels(raw, keys, i);
    if (copy !== undefined) setOwn(copy, fixedKey, fixedValue);
  }
  if (count > ALERT_FIELD_LIMITS.maxLabels) {
    return new FieldError(`labels has ${count} entries, at most ${ALERT_FIELD_LIMITS.maxLabels}`);
  }
  return copy ?? (raw as Record<string, string>);
}

function labelError(key: string, value: string): FieldError | undefined {
  if (key.length === 0) return new FieldError('labels has an empty key');
  const keyError = controlCharError(`label key ${quote(key)}`, key);
  if (keyError !== undefined) return keyError;
  const keyBytes = bytesOver(key, ALERT_FIELD_LIMITS.maxLabelKeyBytes);
  if (keyBytes > 0) {
    return new FieldError(`label key ${quote(key)} is ${keyBytes} bytes, at most ${ALERT_FIELD_LIMITS.maxLabelKeyBytes}`);
  }
  const valueError = controlCharError(`label ${quote(key)}`, value, true);
  if (valueError !== undefined) return valueError;
  const valueBytes = bytesOver(value, ALERT_FIELD_LIMITS.maxLabelValueBytes);
  if (valueBytes > 0) {
    return new FieldError(`label ${quote(key)} is ${valueBytes} bytes, at most ${ALERT_FIELD_LIMITS.maxLabelValueBytes}`);
  }
  return undefined;
}

/** The string labels among keys[0..end). */
function copyLabels(raw: Record<string, unknown>, keys: string[], end: number): Record<string, string> {
  const copy: Record<string, string> = {};
  for (let i = 0; i < end; i++) {
    const key = keys[i] as string;
    const value = raw[key];
    if (typeof value === 'string') setOwn(copy, key, value);
  }
  return copy;
}

/** Sets an own property even for a key like `__proto__`, which plain assignment would treat specially. */
export function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
