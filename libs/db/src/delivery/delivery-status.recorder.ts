import type { Logger } from 'pino';
import { maskPhone } from '@klaxon/observability';
import { JobName, NOTIFY_QUEUE, type DeliveryStatusPayload, type JobProducer, type TierName } from '@klaxon/queue';
import type { AlertRepository } from '../repositories/alert.repository';
import type { NotificationRepository } from '../repositories/notification.repository';

/** Twilio's final message statuses (SPEC §7); queued, sending, sent and the like are intermediate and ignored. */
const FINAL = new Set(['delivered', 'undelivered', 'failed'] as const);
export type FinalDeliveryStatus = 'delivered' | 'undelivered' | 'failed';

export type DeliveryStatusOutcome = 'recorded' | 'ignored' | 'unknown' | 'repeated' | 'parked';

/** How long a report for a sid Klaxon has not stored yet is kept and looked for again. */
export const PARKED_STATUS_TTL_MS = 10 * 60_000;

/**
 * Records what a provider's delivery report says about a sent SMS or call:
 * `delivered`, or `undelivered` / `failed` on the timeline; an undelivered
 * page falls back to the person's next contact method (in the worker).
 *
 * Twilio can report before the worker has stored the sid its API answered
 * with (a call nobody answers, a number that fails at once, a busy worker).
 * Such a report is parked as a job for the worker, which looks for the sid
 * again with backoff for up to ten minutes: a failed page's fallback is
 * never lost to that race. The api and the worker share this one class.
 */
export class DeliveryStatusRecorder {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly alerts: AlertRepository,
    private readonly producer: JobProducer,
    private readonly logger: Logger,
  ) {}

  /** A report as it arrives at the api: recorded at once, or parked for the worker when the sid is not stored yet. */
  async record(providerId: string, providerStatus: string, errorCode: string | undefined): Promise<DeliveryStatusOutcome> {
    const status = providerStatus.trim().toLowerCase();
    if (!FINAL.has(status as FinalDeliveryStatus)) return 'ignored';
    const code = errorCode === undefined || errorCode.trim() === '' ? null : errorCode.trim();
    const outcome = await this.apply(providerId, status as FinalDeliveryStatus, code);
    if (outcome !== 'unknown') return outcome;
    const payload: DeliveryStatusPayload = { providerId, status: status as FinalDeliveryStatus, errorCode: code, until: Date.now() + PARKED_STATUS_TTL_MS };
    await this.producer.enqueue(NOTIFY_QUEUE.critical, JobName.deliveryStatus, payload, {
      jobId: `delivery-status-${providerId}-${status}`,
      delay: 500,
      removeOnComplete: true,
    });
    this.logger.info({ providerId, status }, 'delivery report for a sid not stored yet: parked for the worker');
    return 'parked';
  }

  /** A parked report, in the worker: 'unknown' while the sid is still not stored. */
  async recordParked(payload: DeliveryStatusPayload): Promise<DeliveryStatusOutcome> {
    return this.apply(payload.providerId, payload.status, payload.errorCode);
  }

  private async apply(providerId: string, status: FinalDeliveryStatus, code: string | null): Promise<DeliveryStatusOutcome> {
    const record = await this.notifications.findByProviderId(providerId);
    if (!record) return 'unknown';
    const to = record.channel === 'sms' || record.channel === 'voice' ? maskPhone(record.address) : record.address;
    const detail: Record<string, unknown> =
      status === 'delivered'
        ? { notificationId: record.id, channel: record.channel, to, kind: record.kind, providerId }
        : { notificationId: record.id, channel: record.channel, to, kind: record.kind, providerId, status, errorCode: code };
    const error = status === 'delivered' ? null : `Twilio reported the message ${status}${code === null ? '' : ` (error ${code})`}`;
    const changed = await this.notifications.recordDeliveryStatus(record, status, error, detail);
    if (!changed) return 'repeated';
    this.logger.info({ notificationId: record.id, alertId: record.alertId, status, errorCode: code, to }, `${record.channel === 'voice' ? 'call' : 'SMS'} delivery status recorded`);
    if (status !== 'delivered' && record.kind === 'page') {
      const alert = await this.alerts.findById(record.alertId);
      if (alert && alert.status === 'firing' && !alert.silenced) {
        await this.producer.enqueue(
          NOTIFY_QUEUE[(alert.tier ?? 'critical') as TierName],
          JobName.deliveryFailed,
          { notificationId: record.id },
          { jobId: `delivery-failed-${record.id}` },
        );
      }
    }
    return 'recorded';
  }
}
