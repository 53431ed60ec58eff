/** @klaxon/alert-format: the alert formats Klaxon ingests, parsed into IncomingAlert (pure, no I/O). */
export {
  ALERT_STATUSES,
  INGEST_LIMITS,
  PRIORITIES,
  TooManyAlertsError,
  type AlertLineStatus,
  type IncomingAlert,
  type ParsedBody,
  type Priority,
  type Rejection,
} from './alert';
export { ALERT_FIELD_LIMITS, controlCharError, isPlainObject, jsonInput } from './alert-fields';
export { labelsFingerprint } from './label-fingerprint';
export { parseAlertLine, parseAlertLines, type AlertLineResult } from './line.parser';
export { parseJsonAlerts } from './json-body.parser';
export { ALERTMANAGER_SOURCE, parseAlertmanagerWebhook } from './alertmanager.parser';
export { OPEN_FALCON_SOURCE, parseOpenFalconCallback } from './open-falcon.parser';
export * from './render';
export * from './replies';
