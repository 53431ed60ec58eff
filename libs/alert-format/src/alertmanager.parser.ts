/**
 * Prometheus Alertmanager's webhook payload, version 4 (SPEC §3):
 * `{version, groupKey, status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL,
 *   alerts: [{status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}]}`.
 * Each entry of `alerts` becomes one alert; `line` in a rejection is its 1-based position.
 */
import { isIP } from 'node:net';
import {
  INGEST_LIMITS,
  TooManyAlertsError,
  type AlertLineStatus,
  type IncomingAlert,
  type ParsedBody,
  type Priority,
  type Rejection,
} from './alert';
import {
  ALERT_FIELD_LIMITS,
  FieldError,
  checkHost,
  checkLabels,
  checkMessage,
  checkPriority,
  controlCharError,
  describeType,
  foldMessage,
  isNonBlank,
  isPlainObject,
  jsonInput,
  quote,
  truncateUtf8,
  wellFormed,
} from './alert-fields';
import { labelsFingerprint } from './label-fingerprint';

export const ALERTMANAGER_SOURCE = 'alertmanager';

/** `severity` label values (lower-cased) and their priority; any other severity is P3. */
const SEVERITY_PRIORITIES: ReadonlyMap<string, Priority> = new Map<string, Priority>([
  ['critical', 'P0'],
  ['error', 'P1'],
  ['high', 'P1'],
  ['warning', 'P2'],
  ['info', 'P3'],
]);
const DEFAULT_PRIORITY: Priority = 'P3';
const DIGITS = /^\d+$/;

/**
 * Parses an already JSON-decoded Alertmanager webhook body.
 * @throws TooManyAlertsError when it holds more than INGEST_LIMITS.maxAlertsPerRequest alerts
 */
export function parseAlertmanagerWebhook(body: unknown): ParsedBody {
  if (!isPlainObject(body) || !Array.isArray(body.alerts)) {
    const error = 'body is not an Alertmanager webhook payload (version 4): it has no "alerts" array';
    return { alerts: [], rejected: [{ line: 1, input: jsonInput(body), error }] };
  }
  const items: unknown[] = body.alerts;
  if (items.length > INGEST_LIMITS.maxAlertsPerRequest) throw new TooManyAlertsError(items.length);
  const alerts: IncomingAlert[] = [];
  const rejected: Rejection[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const result = parseAlert(item, body.status);
    if (result instanceof FieldError) {
      rejected.push({ line: i + 1, input: jsonInput(item), error: `item ${i + 1}: ${result.message}` });
    } else {
      alerts.push(result);
    }
  }
  return { alerts, rejected };
}

function parseAlert(item: unknown, groupStatus: unknown): IncomingAlert | FieldError {
  if (!isPlainObject(item)) return new FieldError(`must be an alert object, not ${describeType(item)}`);

  // Each alert carries its own status; the group's is only a fallback for senders that leave it out.
  const status = alertStatus(item.status ?? groupStatus);
  if (status instanceof FieldError) return status;

  const labels: Record<string, string> | FieldError =
    item.labels === undefined || item.labels === null ? {} : checkLabels(item.labels, 'skip');
  if (labels instanceof FieldError) return labels;
  const annotations = isPlainObject(item.annotations) ? item.annotations : {};

  const hostLabel = nonBlankString(labels.host);
  const instance = nonBlankString(labels.instance);
  const hostValue = hostLabel ?? (instance === undefined ? undefined : hostOfInstance(instance));
  if (hostValue === undefined || !isNonBlank(hostValue)) return new FieldError('no host or instance label');
  const host = checkHost(hostValue);
  if (host instanceof FieldError) return host;

  const text =
    nonBlankString(annotations.summary) ?? nonBlankString(annotations.description) ?? nonBlankString(labels.alertname);
  if (text === undefined) return new FieldError('no summary or description annotation and no alertname label');
  const message = checkMessage(truncateUtf8(foldMessage(text), ALERT_FIELD_LIMITS.maxMessageBytes));
  if (message instanceof FieldError) return message;

  // A fingerprint Klaxon could not store (too long, a control character) gives way to the labels' own.
  const fingerprint = nonBlankString(item.fingerprint)?.trim();
  const dedupKey =
    fingerprint !== undefined && fingerprint.length <= ALERT_FIELD_LIMITS.maxDedupKeyLength && controlCharError('fingerprint', fingerprint) === undefined
      ? wellFormed(fingerprint)
      : labelsFingerprint(labels);

  return {
    priority: alertPriority(labels),
    status,
    host,
    ip: isIP(host) === 0 ? '' : host,
    message,
    dedupKey,
    labels,
    source: ALERTMANAGER_SOURCE,
  };
}

function alertStatus(raw: unknown): AlertLineStatus | FieldError {
  if (typeof raw !== 'string') {
    return raw === undefined || raw === null
      ? new FieldError('status is missing')
      : new FieldError(`status must be a string, not ${describeType(raw)}`);
  }
  const value = raw.trim().toLowerCase();
  if (value === 'firing') return 'PROBLEM';
  if (value === 'resolved') return 'OK';
  return new FieldError(`status ${quote(raw.trim())} is not firing or resolved`);
}

/** Label `priority` when it is P0..P9, else from `severity`. */
function alertPriority(labels: Readonly<Record<string, string>>): Priority {
  const explicit = labels.priority;
  if (explicit !== undefined) {
    const priority = checkPriority(explicit);
    if (!(priority instanceof FieldError)) return priority;
  }
  const severity = labels.severity;
  if (severity === undefined) return DEFAULT_PRIORITY;
  return SEVERITY_PRIORITIES.get(severity.trim().toLowerCase()) ?? DEFAULT_PRIORITY;
}

/**
 * The host of an `instance` label: `host:9100` → `host`, `[::1]:9100` → `::1`, `10.0.0.1:9100` →
 * `10.0.0.1`, a bare IPv6 address or host name as is, and a probe URL (blackbox exporter) → its host.
 */
export function hostOfInstance(instance: string): string {
  let value = instance.trim();
  const scheme = value.indexOf('://');
  if (scheme > 0) {
    value = value.slice(scheme + 3);
    const pathStart = value.search(/[/?#]/);
    if (pathStart >= 0) value = value.slice(0, pathStart);
    const at = value.lastIndexOf('@');
    if (at >= 0) value = value.slice(at + 1);
  }
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    return close > 0 ? value.slice(1, close) : value;
  }
  const colon = value.indexOf(':');
  // Exactly one colon followed by digits is a port; more colons make an IPv6 address.
  if (colon > 0 && value.indexOf(':', colon + 1) < 0 && DIGITS.test(value.slice(colon + 1))) {
    return value.slice(0, colon);
  }
  return value;
}

function nonBlankString(value: unknown): string | undefined {
  return typeof value === 'string' && isNonBlank(value) ? value : undefined;
}
