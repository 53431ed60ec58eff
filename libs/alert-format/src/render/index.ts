/** Message rendering: alerts as SMS, email and IM text (pure, no I/O). Re-exported by @klaxon/alert-format. */
export type { RenderableAlert } from './renderable-alert';
export {
  GSM7_BASIC_CHARS,
  GSM7_EXTENSION_CHARS,
  MAX_SMS_SEGMENTS,
  SMS_SEGMENT_SIZES,
  fitsSms,
  gsm7Septets,
  isGsm7,
  smsSegments,
  type SmsEncoding,
  type SmsSegmentCount,
} from './sms-segments';
export { STORM_VARIOUS, renderAlertSms, renderRecoverySms, renderStormSms, sameSmsApartFromCount, type SmsRenderOptions } from './sms-text';
export { renderStormEmail, stormAsAlert, stormTitle, summarizeStorm, type StormEmailOptions, type StormSummary } from './storm';
export { alertEmailSubject, renderAlertEmail, type EmailRenderOptions, type RenderedEmail } from './email';
export {
  RECOVERED_COLOR,
  alertColor,
  alertFacts,
  alertLine,
  alertOutcome,
  alertTitle,
  firstSeenText,
  isoTime,
  readableTime,
  priorityColor,
  renderAlertMarkdown,
  statusEmoji,
  type AlertFact,
  type AlertTextOptions,
  type MarkdownFlavour,
} from './im-text';
export { escapeHtml, escapeMarkdown, escapeSlackMrkdwn } from './escape';
