/**
 * Open-Falcon alarm's callback (SPEC §3), as form or JSON parameters. falcon-plus's alarm module sends
 * `endpoint, metric, status (PROBLEM|OK), step, priority (a number), time (YYYY-MM-DD HH:MM:SS), tpl_id,
 * exp_id, stra_id, left_value, tags (k:v,k2:v2)`; forks and relays add `leftValue, operator, rightValue,
 * note, func`, so both spellings are read.
 */
import { isIP } from 'node:net';
import type { AlertLineStatus, IncomingAlert, ParsedBody, Priority } from './alert';
import {
  ALERT_FIELD_LIMITS,
  FieldError,
  checkHost,
  checkLabels,
  checkMessage,
  checkPriority,
  checkStatus,
  controlCharError,
  describeType,
  foldMessage,
  isPlainObject,
  jsonInput,
  quote,
  setOwn,
  truncateUtf8,
  wellFormed,
} from './alert-fields';
import { fnv64a } from './label-fingerprint';

export const OPEN_FALCON_SOURCE = 'open-falcon';

const DEFAULT_PRIORITY: Priority = 'P3';
const PRIORITY_NUMBER = /^[pP]?(\d{1,9})$/;
const STEP = /^\d{1,9}$/;
const EVENT_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Parses one callback; a refused one is the single rejection, with `line` 1 and no prefix on the error. */
export function parseOpenFalconCallback(params: Record<string, unknown>): ParsedBody {
  const result = parseCallback(params);
  if (result instanceof FieldError) {
    return { alerts: [], rejected: [{ line: 1, input: jsonInput(params), error: result.message }] };
  }
  return { alerts: [result], rejected: [] };
}

function parseCallback(params: unknown): IncomingAlert | FieldError {
  if (!isPlainObject(params)) {
    return new FieldError(`the callback parameters must be an object, not ${describeType(params)}`);
  }

  const endpoint = required(params, 'endpoint');
  if (endpoint instanceof FieldError) return endpoint;
  const host = checkHost(endpoint, 'endpoint');
  if (host instanceof FieldError) return host;

  const rawStatus = required(params, 'status');
  if (rawStatus instanceof FieldError) return rawStatus;
  const status: AlertLineStatus | FieldError = checkStatus(rawStatus);
  if (status instanceof FieldError) return status;

  const rawPriority = optional(params, 'priority');
  if (rawPriority instanceof FieldError) return rawPriority;
  const priority = falconPriority(rawPriority);
  if (priority instanceof FieldError) return priority;

  const fields = readOptional(params);
  if (fields instanceof FieldError) return fields;
  const { metric, note, stepText, time, strategyId, expressionId } = fields;

  const tags = falconTags(params.tags);
  if (tags instanceof FieldError) return tags;
  const tagText = tags.length === 0 ? '' : `{${tags.map(([key, value]) => `${key}=${value}`).join(',')}}`;

  if (metric === undefined && note === undefined) return new FieldError('metric is missing');
  const message = checkMessage(
    truncateUtf8(foldMessage(falconMessage(fields, tagText)), ALERT_FIELD_LIMITS.maxMessageBytes),
  );
  if (message instanceof FieldError) return message;

  const alert: IncomingAlert = {
    priority,
    status,
    host,
    ip: isIP(host) === 0 ? '' : host,
    message,
    source: OPEN_FALCON_SOURCE,
  };

  if (tags.length > 0 || metric !== undefined) {
    const built: Record<string, string> = {};
    for (const [key, value] of tags) setOwn(built, key, value);
    if (metric !== undefined) setOwn(built, 'metric', metric);
    const labels = checkLabels(built);
    if (labels instanceof FieldError) return labels;
    alert.labels = labels;
  }

  // Repeated callbacks for one strategy must dedupe although leftValue (and so the message) changes.
  if (metric !== undefined || strategyId !== undefined || expressionId !== undefined) {
    let identity = `${host}/${metric ?? ''}${tagText}`;
    if (strategyId !== undefined) identity += `#s${strategyId}`;
    if (expressionId !== undefined) identity += `#e${expressionId}`;
    const key = wellFormed(`${OPEN_FALCON_SOURCE}:${identity}`);
    alert.dedupKey = key.length <= ALERT_FIELD_LIMITS.maxDedupKeyLength ? key : `${OPEN_FALCON_SOURCE}:${fnv64a(identity)}`;
  }

  if (stepText !== undefined) {
    if (!STEP.test(stepText)) return new FieldError(`step ${quote(stepText)} is not a whole number`);
    alert.step = Number(stepText);
  }
  if (time !== undefined) {
    if (!EVENT_TIME.test(time)) return new FieldError(`time ${quote(time)} is not YYYY-MM-DD HH:MM:SS`);
    alert.eventTime = time;
  }
  return alert;
}

interface FalconFields {
  metric?: string;
  note?: string;
  func?: string;
  left?: string;
  operator?: string;
  right?: string;
  stepText?: string;
  time?: string;
  strategyId?: string;
  expressionId?: string;
}

/** Where each optional parameter goes, by its name and the other spelling some senders use. */
const OPTIONAL_PARAMS: readonly (readonly [keyof FalconFields, string, string?])[] = [
  ['metric', 'metric'],
  ['note', 'note'],
  ['func', 'func'],
  ['left', 'leftValue', 'left_value'],
  ['operator', 'operator'],
  ['right', 'rightValue', 'right_value'],
  ['stepText', 'step'],
  ['time', 'time'],
  ['strategyId', 'stra_id'],
  ['expressionId', 'exp_id'],
];

function readOptional(params: Record<string, unknown>): FalconFields | FieldError {
  const fields: FalconFields = {};
  for (const [target, name, alias] of OPTIONAL_PARAMS) {
    let given = name;
    let value = optional(params, name);
    if (value === undefined && alias !== undefined) {
      given = alias;
      value = optional(params, alias);
    }
    if (value instanceof FieldError) return value;
    if (value === undefined) continue;
    // Each may end up in the message, the labels or the dedup key; none may hold what PostgreSQL refuses (NUL).
    const control = controlCharError(given, value, true);
    if (control !== undefined) return control;
    fields[target] = wellFormed(value);
  }
  // Open-Falcon sends 0 for the id a strategy or expression does not have.
  if (fields.strategyId === '0') delete fields.strategyId;
  if (fields.expressionId === '0') delete fields.expressionId;
  return fields;
}

/**
 * Like Open-Falcon's own SMS, `<note> <func> <metric>{tags} <leftValue><operator><rightValue>`, leaving out
 * what the callback did not send: e.g. `cpu idle low all(#3) cpu.idle{cpu=cpu0} 3.2<10`.
 */
function falconMessage(fields: FalconFields, tagText: string): string {
  const parts: string[] = [];
  if (fields.note !== undefined) parts.push(fields.note);
  if (fields.func !== undefined) parts.push(fields.func);
  if (fields.metric !== undefined) parts.push(`${fields.metric}${tagText}`);
  const comparison = `${fields.left ?? ''}${fields.operator ?? ''}${fields.right ?? ''}`;
  if (comparison.length > 0) parts.push(comparison);
  return parts.join(' ');
}

/** `3` or `P3` → P3; numbers above 9 are the least urgent, P9; no priority at all is P3. */
function falconPriority(raw: string | undefined): Priority | FieldError {
  if (raw === undefined) return DEFAULT_PRIORITY;
  const match = PRIORITY_NUMBER.exec(raw);
  if (match === null) return new FieldError(`priority ${quote(raw)} is not a number from 0 to 9`);
  const n = Math.min(Number(match[1]), 9);
  return checkPriority(`P${n}`);
}

/** Tags as sorted [key, value] pairs, from `k:v,k2:v2` (the callback), `k=v,…` (the SMS) or an object. */
function falconTags(raw: unknown): [string, string][] | FieldError {
  if (raw === undefined || raw === null) return [];
  const pairs: [string, string][] = [];
  if (isPlainObject(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string' && typeof value !== 'number') return new FieldError('tags must be an object of strings');
      pairs.push([key.trim(), String(value).trim()]);
    }
  } else {
    const text = single(raw, 'tags');
    if (text instanceof FieldError) return text;
    for (const part of text.split(',')) {
      const piece = part.trim();
      if (piece.length === 0) continue;
      // `=` wins over `:` so that a value like `url=http://x` keeps its colon.
      const eq = piece.indexOf('=');
      const cut = eq >= 0 ? eq : piece.indexOf(':');
      if (cut < 0) pairs.push([piece, '']);
      else pairs.push([piece.slice(0, cut).trim(), piece.slice(cut + 1).trim()]);
    }
  }
  for (const [key] of pairs) if (key.length === 0) return new FieldError('tags has an empty key');
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function required(params: Record<string, unknown>, name: string): string | FieldError {
  const value = optional(params, name);
  return value === undefined ? new FieldError(`${name} is missing`) : value;
}

/** A parameter as a trimmed string; absent or blank is undefined. */
function optional(params: Record<string, unknown>, name: string): string | undefined | FieldError {
  const raw = params[name];
  if (raw === undefined || raw === null) return undefined;
  const value = single(raw, name);
  if (value instanceof FieldError) return value;
  const trimmed = value.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

/** Form bodies give an array for a repeated parameter; one value is fine, several are ambiguous. */
function single(raw: unknown, name: string): string | FieldError {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (Array.isArray(raw) && raw.length === 1) return single(raw[0], name);
  if (Array.isArray(raw)) return new FieldError(`${name} is given ${raw.length} times`);
  return new FieldError(`${name} must be a string, not ${describeType(raw)}`);
}
