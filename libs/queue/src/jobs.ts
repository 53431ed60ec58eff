import type { IncomingAlert } from '@klaxon/alert-format';

/*
 * Queue and job names are persisted in Redis: renaming one orphans the jobs
 * already queued under the old name. Add new names; never rename.
 */
export const QueueName = {
  /** triage of alerts whose tier pages at once (P0, P1 by default): never behind a flood of low ones */
  triageUrgent: 'triage-urgent',
  triage: 'triage',
  notifyCritical: 'notify-critical',
  notifyHigh: 'notify-high',
  notifyMedium: 'notify-medium',
  notifyLow: 'notify-low',
  /** silences ending: alerts they held page again */
  silences: 'silences',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  triageBatch: 'triage-batch',
  /** page the people of an alert's escalation step */
  pageAlert: 'page-alert',
  /** tell those who were paged that the alert recovered */
  sendRecovery: 'send-recovery',
  /** try a notification again after a retryable failure */
  retryNotification: 'retry-notification',
  /** a step's timer ran out with nobody acknowledging: page the next step */
  escalateAlert: 'escalate-alert',
  /** a silence ended (its time ran out, or someone expired it) */
  silenceEnded: 'silence-ended',
  /** the provider reported a sent page undelivered (Twilio status callback): fall back to the next contact method */
  deliveryFailed: 'delivery-failed',
  /** a provider's delivery report arrived before the worker stored the message's sid: record it once the sid is known */
  deliveryStatus: 'delivery-status',
  /** a step's voiceAfter ran out with nobody acknowledging: call the step's people (SPEC §5) */
  voiceCall: 'voice-call',
  /** a medium step's smsAfter ran out with nobody acknowledging: text the step's people (SPEC §5) */
  smsAfter: 'sms-after',
  /** held notifications of one destination are due: send them as one message */
  flushHeld: 'flush-held',
  /** a digest tier's window ran out: send the policy's digest */
  sendDigest: 'send-digest',
  /** a flapping alert's OK has held for `stableFor`: resolve it if nothing came since */
  checkStable: 'check-stable',
  /** an alert began flapping: one `flapping ×N` notice to those paged for it */
  flapNotice: 'flap-notice',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** An accepted alert as ingest enqueues it. */
export interface QueuedAlert extends IncomingAlert {
  /** the id ingest answered with for this alert */
  id: string;
  /** ingest sequence from one Redis counter (assigned when the batch is written); orders PROBLEM/OK */
  seq: number;
  /** when ingest accepted it (ms since the epoch) */
  receivedAt: number;
  /** the integration whose token was used */
  integration: string;
  source: string;
}

/** A rejected line or item, kept in the rejected-input log. */
export interface QueuedRejection {
  receivedAt: number;
  integration: string;
  endpoint: string;
  line: number | null;
  input: string;
  error: string;
}

/** Alerts and rejections from one or more ingest requests, applied by triage in one transaction. */
export interface TriageBatchPayload {
  batchId: string;
  alerts: QueuedAlert[];
  rejected: QueuedRejection[];
}

export interface PageAlertPayload {
  alertId: string;
  /** escalation step index (0 = first) and how many times the policy has run before */
  step: number;
  round: number;
}

/** An escalation: by its timer, or at once by someone (`by`), who is then named on the `escalated` event. */
export interface EscalateAlertPayload extends PageAlertPayload {
  by?: { actor: string; via: 'sms' | 'voice' | 'web' | 'api' | 'im' | 'email' };
}

export interface DeliveryFailedPayload {
  notificationId: string;
}

/** A final delivery report for a provider id Klaxon had not stored yet; looked for again until `until` (epoch ms). */
export interface DeliveryStatusPayload {
  providerId: string;
  status: 'delivered' | 'undelivered' | 'failed';
  errorCode: string | null;
  until: number;
}

/** The step whose people are called; the job id is voiceCallJobId(alertId, round, step). */
export type VoiceCallPayload = PageAlertPayload;

/** Deterministic: a replayed page cannot schedule the call twice, and an ack or resolve can remove it. */
export function voiceCallJobId(alertId: string, position: { step: number; round: number }): string {
  return `voice-call-${alertId}-${position.round}-${position.step}`;
}

/** The step whose people get the late SMS; the job id is lateSmsJobId(alertId, round, step). */
export type SmsAfterPayload = PageAlertPayload;

export function smsAfterJobId(alertId: string, position: { step: number; round: number }): string {
  return `sms-after-${alertId}-${position.round}-${position.step}`;
}

/** One destination (a channel and an address: a phone, an email, an IM channel id). */
export interface FlushHeldPayload {
  channel: string;
  address: string;
}

export interface SendDigestPayload {
  tier: string;
}

export interface CheckStablePayload {
  alertId: string;
}

export interface FlapNoticePayload {
  alertId: string;
  /** names this notice (the batch that saw the flapping begin), so a replayed batch sends it once */
  noticeId: string;
}

export interface SendRecoveryPayload {
  alertId: string;
}

export interface RetryNotificationPayload {
  notificationId: string;
}

/** Which payload each job name carries; producers and processors are typed by it. */
export interface JobPayloads {
  [JobName.triageBatch]: TriageBatchPayload;
  [JobName.pageAlert]: PageAlertPayload;
  [JobName.sendRecovery]: SendRecoveryPayload;
  [JobName.retryNotification]: RetryNotificationPayload;
  [JobName.escalateAlert]: EscalateAlertPayload;
  [JobName.silenceEnded]: { silenceId: string };
  [JobName.deliveryFailed]: DeliveryFailedPayload;
  [JobName.deliveryStatus]: DeliveryStatusPayload;
  [JobName.voiceCall]: VoiceCallPayload;
  [JobName.smsAfter]: SmsAfterPayload;
  [JobName.flushHeld]: FlushHeldPayload;
  [JobName.sendDigest]: SendDigestPayload;
  [JobName.checkStable]: CheckStablePayload;
  [JobName.flapNotice]: FlapNoticePayload;
}

export type TierName = 'critical' | 'high' | 'medium' | 'low';

/** Each tier's own notification queue, so a flood in one never delays another. */
export const NOTIFY_QUEUE: { readonly [T in TierName]: QueueName } = {
  critical: QueueName.notifyCritical,
  high: QueueName.notifyHigh,
  medium: QueueName.notifyMedium,
  low: QueueName.notifyLow,
};

