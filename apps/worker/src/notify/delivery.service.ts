import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { renderAlertEmail, renderAlertSms } from '@klaxon/alert-format';
import { APP_ENV, ConfigStore, type AppEnv } from '@klaxon/config';
import { AlertRepository, NotificationRepository, ReplyCodeRepository, type AlertSummary, type NotificationRecord } from '@klaxon/db';
import { KlaxonMetrics, maskPhone } from '@klaxon/observability';
import { ChannelRegistry, DeliveryError, planFallback, type ChannelKind, type ContactMethod, type OutboundMessage } from '@klaxon/notify';
import { JobName, JobProducer, NOTIFY_QUEUE, type TierName } from '@klaxon/queue';
import { LOGGER } from '../worker-tokens';
import { alertMessageOf } from './alert-message';

/** An address as logs may show it: phones masked, the rest (emails, IM channel ids) kept. */
export function maskAddress(channel: string, address: string): string {
  return channel === 'sms' || channel === 'voice' ? maskPhone(address) : address;
}

/**
 * One attempt at one notification: claim it, shape the message, hand it to
 * the channel, record the outcome. A retryable failure schedules the next
 * attempt with backoff; the last failure goes on the timeline and falls back
 * to the person's next contact method.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly alerts: AlertRepository,
    private readonly replyCodes: ReplyCodeRepository,
    private readonly channels: ChannelRegistry,
    private readonly config: ConfigStore,
    private readonly producer: JobProducer,
    private readonly metrics: KlaxonMetrics,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async attempt(notificationId: string, known?: AlertSummary): Promise<void> {
    const record = await this.notifications.claim(notificationId);
    if (!record) return; // sent, failed for good, or another worker is sending it
    const alert = known ?? (await this.alerts.findById(record.alertId));
    if (!alert) return;
    if (record.kind === 'page' && (alert.status !== 'firing' || alert.silenced)) {
      await this.notifications.markSkipped(record.id, `the alert is ${alert.silenced ? 'silenced' : alert.status}`);
      return;
    }
    const log = { alertId: alert.id, number: alert.number, notificationId: record.id, channel: record.channel, to: maskAddress(record.channel, record.address) };
    try {
      const message = await this.compose(record, alert);
      const receipt = await this.channels.get(record.channel as ChannelKind).send(message);
      await this.notifications.markSent(record, receipt.providerId, {
        notificationId: record.id,
        channel: record.channel,
        to: maskAddress(record.channel, record.address),
        kind: record.kind,
        providerId: receipt.providerId,
        attempt: record.attempts,
      });
      this.metrics.notificationsSent.inc({ channel: record.channel });
      if (record.kind === 'page') this.metrics.endToEndLatency.observe({ stage: 'paged' }, (Date.now() - alert.lastSeenAt.getTime()) / 1000);
      this.logger.info({ ...log, providerId: receipt.providerId, attempt: record.attempts }, 'notification sent');
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : String(err), true);
      const { attempts, backoffMs } = this.config.config.delivery;
      this.metrics.notificationsFailed.inc({ channel: record.channel });
      if (failure.retryable && record.attempts < attempts) {
        await this.notifications.release(record.id, failure.message);
        const delay = backoffMs * 2 ** (record.attempts - 1);
        this.logger.warn({ ...log, attempt: record.attempts, retryInMs: delay, error: failure.message, providerCode: failure.providerCode }, 'notification failed; will retry');
        await this.producer.enqueue(
          NOTIFY_QUEUE[(alert.tier ?? 'critical') as TierName],
          JobName.retryNotification,
          { notificationId: record.id },
          { jobId: `retry-${record.id}-${record.attempts}`, delay },
        );
        return;
      }
      this.logger.error({ ...log, attempt: record.attempts, error: failure.message, providerCode: failure.providerCode }, 'notification failed for good');
      await this.notifications.markFailed(record, failure.message, {
        notificationId: record.id,
        channel: record.channel,
        to: maskAddress(record.channel, record.address),
        attempts: record.attempts,
        providerCode: failure.providerCode,
      });
      if (record.kind === 'page') await this.fallBack(record, alert);
    }
  }

  /**
   * The provider reported a sent page undelivered or failed (status callback): fall back to the person's
   * next contact method, while the alert still fires and is not silenced. Safe to run twice: the fallback's
   * key makes it one notification, claimed once.
   */
  async fallBackAfterDeliveryFailure(notificationId: string): Promise<void> {
    const record = await this.notifications.findById(notificationId);
    if (!record || record.kind !== 'page' || (record.status !== 'undelivered' && record.status !== 'failed')) return;
    const alert = await this.alerts.findById(record.alertId);
    if (!alert || alert.status !== 'firing' || alert.silenced) {
      this.logger.info({ notificationId, alertId: record.alertId, status: alert?.status, silenced: alert?.silenced }, 'no fallback after a failed delivery: the alert no longer needs it');
      return;
    }
    this.logger.warn({ notificationId, alertId: alert.id, number: alert.number, channel: record.channel, to: maskAddress(record.channel, record.address) }, 'page undelivered; falling back');
    await this.fallBack(record, alert);
  }

  /** The person's next contact method, if they have one this step has not used. */
  private async fallBack(failed: NotificationRecord, alert: AlertSummary): Promise<void> {
    if (failed.userId === null) return;
    const user = this.config.config.lookup.users.get(failed.userId);
    if (!user) return;
    const meta = failed.meta as { step?: number; round?: number };
    const available = new Set<ContactMethod>((['sms', 'voice', 'email'] as const).filter((m) => this.channels.has(m)));
    const next = planFallback(
      user,
      { channel: failed.channel, step: meta.step ?? 0, round: meta.round ?? 0, alertId: alert.id },
      available,
      await this.notifications.keysFor(alert.id),
    );
    if (!next) {
      this.logger.warn({ alertId: alert.id, user: user.id, failed: failed.channel }, 'no contact method left to fall back to');
      return;
    }
    const [created] = await this.notifications.createMany([{ ...next, alertId: alert.id, kind: 'page', meta: { ...next.meta, fallbackFrom: failed.id } }]);
    if (created) await this.attempt(created.id, alert);
  }

  private async compose(record: NotificationRecord, alert: AlertSummary): Promise<OutboundMessage> {
    const status = record.kind === 'recovery' ? 'OK' : 'PROBLEM';
    const publicUrl = this.env.http.publicUrl;
    switch (record.channel) {
      case 'sms': {
        const replyCode = status === 'PROBLEM' ? await this.replyCodes.codeFor(record.address, alert.id) : undefined;
        const body = renderAlertSms(alertMessageOf(alert, status, publicUrl, replyCode === undefined ? {} : { replyCode }));
        return {
          kind: 'sms',
          to: record.address,
          body,
          idempotencyKey: record.key,
          statusCallbackUrl: `${publicUrl.replace(/\/+$/, '')}/api/v1/twilio/status`,
        };
      }
      case 'voice': {
        // Twilio fetches what the call says from the api when it is answered (SPEC §7, §9).
        const base = publicUrl.replace(/\/+$/, '');
        return {
          kind: 'voice',
          to: record.address,
          twimlUrl: `${base}/api/v1/twilio/voice/${record.id}`,
          statusCallbackUrl: `${base}/api/v1/twilio/voice-status`,
          idempotencyKey: record.key,
        };
      }
      case 'email': {
        const { subject, text, html } = renderAlertEmail(alertMessageOf(alert, status, publicUrl));
        return { kind: 'email', to: record.address, subject, text, html, idempotencyKey: record.key };
      }
      default: {
        const channelId = (record.meta as { channelId?: string }).channelId ?? record.address;
        const channel = this.config.config.lookup.channels.get(channelId);
        if (!channel) throw new DeliveryError(`IM channel "${channelId}" is no longer in the config`, false);
        const mentions = (record.meta as { mentions?: string[] }).mentions;
        return {
          kind: channel.type,
          url: channel.url,
          ...(channel.secret !== undefined ? { secret: channel.secret } : {}),
          options: channel.options,
          ...(mentions && mentions.length > 0 ? { mention: mentions.join(' ') } : {}),
          alert: alertMessageOf(alert, status, publicUrl),
          idempotencyKey: record.key,
        };
      }
    }
  }
}
