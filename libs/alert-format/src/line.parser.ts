/**
 * The alert line format (SPEC §2): `[P0][PROBLEM][hostname][host_ip][host is down]`, optionally followed by
 * Open-Falcon's sixth field `[O<step> <YYYY-MM-DD HH:MM:SS>]`. Runs on every text/plain ingest request, so
 * it scans with indexOf instead of a regular expression over the whole line.
 */
import { INGEST_LIMITS, TooManyAlertsError, type IncomingAlert, type ParsedBody, type Rejection } from './alert';
import {
  FieldError,
  bytesOver,
  checkHost,
  checkIp,
  checkMessage,
  checkPriority,
  checkStatus,
  cutInput,
  isNonBlank,
  quote,
} from './alert-fields';

export type AlertLineResult = { ok: true; alert: IncomingAlert } | { ok: false; error: string };

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const LETTER_O = 0x4f;
const CARRIAGE_RETURN = 0x0d;
const FIELD_COUNT = 5;
const OPEN_FALCON_FIELD = /^O(\d{1,9}) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$/;

/** Parses one alert line; the error carries no `line N: ` prefix. */
export function parseAlertLine(line: string): AlertLineResult {
  const result = parseLine(withoutCarriageReturn(line));
  return typeof result === 'string' ? { ok: false, error: result } : { ok: true, alert: result };
}

/**
 * Parses a text/plain body of alert lines. Line numbers count physical lines from 1, blank ones included;
 * bad lines land in `rejected` and the good ones are still returned.
 * @throws TooManyAlertsError when the body holds more than INGEST_LIMITS.maxAlertsPerRequest non-blank lines
 */
export function parseAlertLines(text: string): ParsedBody {
  const lines = text.split('\n');
  if (lines.length > INGEST_LIMITS.maxAlertsPerRequest) {
    let count = 0;
    for (const line of lines) if (isNonBlank(line)) count++;
    if (count > INGEST_LIMITS.maxAlertsPerRequest) throw new TooManyAlertsError(count);
  }
  const alerts: IncomingAlert[] = [];
  const rejected: Rejection[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = withoutCarriageReturn(lines[i] as string);
    if (!isNonBlank(line)) continue;
    const result = parseLine(line);
    if (typeof result !== 'string') {
      alerts.push(result);
      continue;
    }
    const oversize = bytesOver(line, INGEST_LIMITS.maxLineBytes) > 0;
    rejected.push({ line: i + 1, input: oversize ? cutInput(line) : line, error: `line ${i + 1}: ${result}` });
  }
  return { alerts, rejected };
}

function withoutCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === CARRIAGE_RETURN ? line.slice(0, -1) : line;
}

/** The alert, or why the line is refused. */
function parseLine(line: string): IncomingAlert | string {
  const bytes = bytesOver(line, INGEST_LIMITS.maxLineBytes);
  if (bytes > 0) return `line is ${bytes} bytes, at most ${INGEST_LIMITS.maxLineBytes}`;
  const text = line.trim();
  if (text.length === 0) return 'line is blank';

  // Fields 1–4 hold no `]`, so each ends at the first `]` after its `[`.
  const end1 = closeOf(text, 0);
  if (end1 < 0) return fieldCountError(0);
  const end2 = closeOf(text, end1 + 1);
  if (end2 < 0) return fieldCountError(1);
  const end3 = closeOf(text, end2 + 1);
  if (end3 < 0) return fieldCountError(2);
  const end4 = closeOf(text, end3 + 1);
  if (end4 < 0) return fieldCountError(3);

  // The message runs from the `[` after field 4 to the last `]` of the line, and may contain brackets.
  const open5 = end4 + 1;
  if (text.charCodeAt(open5) !== OPEN) return fieldCountError(4);
  const last = text.length - 1;
  if (text.charCodeAt(last) !== CLOSE) {
    const lastClose = text.lastIndexOf(']');
    if (lastClose <= open5) return fieldCountError(4);
    return `unexpected text after the last "]": ${quote(text.slice(lastClose + 1).trim())}`;
  }

  let messageEnd = last;
  let step: number | undefined;
  let eventTime: string | undefined;
  const open6 = text.lastIndexOf('[', last - 1);
  if (open6 > open5 + 1 && text.charCodeAt(open6 - 1) === CLOSE && text.charCodeAt(open6 + 1) === LETTER_O) {
    const sixth = OPEN_FALCON_FIELD.exec(text.slice(open6 + 1, last));
    if (sixth !== null) {
      messageEnd = open6 - 1;
      step = Number(sixth[1]);
      eventTime = sixth[2];
    }
  }

  const priority = checkPriority(text.slice(1, end1));
  if (priority instanceof FieldError) return priority.message;
  const status = checkStatus(text.slice(end1 + 2, end2));
  if (status instanceof FieldError) return status.message;
  const host = checkHost(text.slice(end2 + 2, end3));
  if (host instanceof FieldError) return host.message;
  const ip = checkIp(text.slice(end3 + 2, end4));
  if (ip instanceof FieldError) return ip.message;
  const message = checkMessage(text.slice(open5 + 1, messageEnd));
  if (message instanceof FieldError) return message.message;

  const alert: IncomingAlert = { priority, status, host, ip, message };
  if (step !== undefined) {
    alert.step = step;
    alert.eventTime = eventTime;
  }
  return alert;
}

/** The index of the `]` closing the field that opens at `open`, or -1 when there is no such field. */
function closeOf(text: string, open: number): number {
  return text.charCodeAt(open) === OPEN ? text.indexOf(']', open + 1) : -1;
}

function fieldCountError(found: number): string {
  return `expected ${FIELD_COUNT} bracketed fields, found ${found}`;
}
