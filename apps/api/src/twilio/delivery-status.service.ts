import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AlertRepository, NotificationRepository } from '@klaxon/db';
import { maskPhone } from '@klaxon/observability';
import { JobName, JobProducer, NOTIFY_QUEUE, type TierName } from '@klaxon/queue';
import { LOGGER } from '../app-tokens';

/** Twilio's final message statuses (SPEC §7); queued, sending, sent and the like are intermediate and ignored. */
const FINAL = new Set(['delivered', 'undelivered', 'failed'] as const);
type FinalStatus = 'delivered' | 'undelivered' | 'failed';

export type DeliveryStatusOutcome = 'recorded' | 'ignored' | 'unknown' | 'repeated';

/**
 * Records what Twilio's status callback says about a sent SMS: `delivered`, or `undelivered` / `failed`
 * on the timeline; an undelivered page falls back to the person's next contact method (in the worker).
 */
@Injectable()
export class DeliveryStatusService {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly alerts: AlertRepository,
    private readonly producer: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(messageSid: string, messageStatus: string, errorCode: string | undefined): Promise<DeliveryStatusOutcome> {
    const status = messageStatus.trim().toLowerCase();
    if (!FINAL.has(status as FinalStatus)) return 'ignored';
    const record = await this.notifications.findByProviderId(messageSid);
    if (!record) {
      this.logger.info({ messageSid, status }, 'Twilio status callback for a message Klaxon does not know: ignored');
      return 'unknown';
    }
    const to = record.channel === 'sms' || record.channel === 'voice' ? maskPhone(record.address) : record.address;
    const code = errorCode === undefined || errorCode.trim() === '' ? null : errorCode.trim();
    const detail: Record<string, unknown> =
      status === 'delivered'
        ? { notificationId: record.id, channel: record.channel, to, kind: record.kind, providerId: messageSid }
        : { notificationId: record.id, channel: record.channel, to, kind: record.kind, providerId: messageSid, status, errorCode: code };
    const error = status === 'delivered' ? null : `Twilio reported the message ${status}${code === null ? '' : ` (error ${code})`}`;
    const changed = await this.notifications.recordDeliveryStatus(record, status as FinalStatus, error, detail);
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
