/**
 * `application/json` ingest bodies (SPEC §3): one alert object or an array of them,
 * `{priority, status, host, ip?, message, dedupKey?, labels?, source?}`. Validated by the same field rules
 * as alert lines; unknown keys are ignored so senders can add their own.
 */
import { INGEST_LIMITS, TooManyAlertsError, type IncomingAlert, type ParsedBody, type Rejection } from './alert';
import {
  FieldError,
  checkDedupKey,
  checkHost,
  checkIp,
  checkLabels,
  checkMessage,
  checkPriority,
  checkSource,
  checkStatus,
  describeType,
  foldMessage,
  isPlainObject,
  jsonInput,
} from './alert-fields';

/**
 * Parses an already JSON-decoded body. `line` in a rejection is the item's 1-based position (1 for a
 * single object).
 * @throws TooManyAlertsError when an array holds more than INGEST_LIMITS.maxAlertsPerRequest items
 */
export function parseJsonAlerts(body: unknown): ParsedBody {
  const alerts: IncomingAlert[] = [];
  const rejected: Rejection[] = [];
  if (Array.isArray(body)) {
    if (body.length > INGEST_LIMITS.maxAlertsPerRequest) throw new TooManyAlertsError(body.length);
    for (let i = 0; i < body.length; i++) collect(body[i], i + 1, alerts, rejected);
  } else if (isPlainObject(body)) {
    collect(body, 1, alerts, rejected);
  } else {
    rejected.push({ line: 1, input: jsonInput(body), error: 'body must be an alert object or an array of them' });
  }
  return { alerts, rejected };
}

function collect(item: unknown, position: number, alerts: IncomingAlert[], rejected: Rejection[]): void {
  const result = parseItem(item);
  if (result instanceof FieldError) {
    rejected.push({ line: position, input: jsonInput(item), error: `item ${position}: ${result.message}` });
  } else {
    alerts.push(result);
  }
}

function parseItem(item: unknown): IncomingAlert | FieldError {
  if (!isPlainObject(item)) return new FieldError(`must be an alert object, not ${describeType(item)}`);

  const rawPriority = requiredString(item, 'priority');
  if (rawPriority instanceof FieldError) return rawPriority;
  const priority = checkPriority(rawPriority);
  if (priority instanceof FieldError) return priority;

  const rawStatus = requiredString(item, 'status');
  if (rawStatus instanceof FieldError) return rawStatus;
  const status = checkStatus(rawStatus);
  if (status instanceof FieldError) return status;

  const rawHost = requiredString(item, 'host');
  if (rawHost instanceof FieldError) return rawHost;
  const host = checkHost(rawHost);
  if (host instanceof FieldError) return host;

  const rawIp = item.ip;
  let ip = '';
  if (rawIp !== undefined && rawIp !== null) {
    if (typeof rawIp !== 'string') return new FieldError(`ip must be a string, not ${describeType(rawIp)}`);
    const checked = checkIp(rawIp);
    if (checked instanceof FieldError) return checked;
    ip = checked;
  }

  const rawMessage = requiredString(item, 'message');
  if (rawMessage instanceof FieldError) return rawMessage;
  const message = checkMessage(foldMessage(rawMessage));
  if (message instanceof FieldError) return message;

  const alert: IncomingAlert = { priority, status, host, ip, message };

  if (item.dedupKey !== undefined && item.dedupKey !== null) {
    const dedupKey = checkDedupKey(item.dedupKey);
    if (dedupKey instanceof FieldError) return dedupKey;
    alert.dedupKey = dedupKey;
  }
  if (item.labels !== undefined && item.labels !== null) {
    const labels = checkLabels(item.labels);
    if (labels instanceof FieldError) return labels;
    alert.labels = labels;
  }
  if (item.source !== undefined && item.source !== null) {
    const source = checkSource(item.source);
    if (source instanceof FieldError) return source;
    if (source.length > 0) alert.source = source;
  }
  return alert;
}

function requiredString(item: Record<string, unknown>, field: string): string | FieldError {
  const value = item[field];
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return new FieldError(`${field} is missing`);
  return new FieldError(`${field} must be a string, not ${describeType(value)}`);
}
