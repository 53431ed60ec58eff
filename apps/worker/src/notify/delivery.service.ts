import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { renderAlertEmail, renderAlertSms, renderStormEmail, renderStormSms, sameSmsApartFromCount, stormAsAlert } from '@klaxon/alert-format';
import { APP_ENV, ConfigStore, type AppEnv } from '@klaxon/config';
import { AlertRepository, NotificationRepository, ReplyCodeRepository, type AlertSummary, type NotificationRecord } from '@klaxon/db';
import { KlaxonMetrics, maskPhone } from '@klaxon/observability';
import { ChannelRegistry, DeliveryError, p0SummaryDueAt, planFallback, type AcceptedMessage, type AlertMessage, type ChannelKind, type ContactMethod, type DeliveryReceipt, type OutboundMessage } from '@klaxon/notify';
import { JobName, JobProducer, NOTIFY_QUEUE, REDIS, RetryAfterError, rateLimitKey, smsBudgetKey, takeWindowSlot, type TierName } from '@klaxon/queue';
import { LOGGER } from '../worker-tokens';
import { alertMessageOf } from './alert-message';
import { HostDownInhibition } from './host-down-inhibition.service';

/** An address as logs may show it: phones masked, the rest (emails, IM channel ids) kept. */
export function maskAddress(channel: string, address: string): string {
  return channel === 'sms' || channel === 'voice' ? maskPhone(address) : address;
}

const IM_CHANNELS = new Set(['slack', 'teams', 'discord', 'telegram', 'dingtalk', 'feishu', 'wecom', 'webhook']);

/** One notification with the alert it is about. */
interface Item {
  record: NotificationRecord;
  alert: AlertSummary;
}

function rank(priority: string): number {
  return Number(priority.slice(1)) || 0;
}

/**
 * Sends notifications: one at a time (`attempt`), or every held one of a destination as one message
 * (`flush`). Before a send, the limits that make it wait rather than go: the person's SMS budget (SPEC §5;
 * a P0 waits at most 60 s, then goes over it) and the IM destination's rate limit. A retryable failure is
 * tried again with backoff; the last failure goes on the timeline and falls back to the person's next
 * contact method.
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
    private readonly inhibition: HostDownInhibition,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Notifications whose send this process started and could not finish because PostgreSQL or Redis failed
   * (their claim could not be given back). Nobody else is sending them, so this process takes them over at
   * once when the job is retried, rather than waiting for the claim to go stale.
   */
  private readonly interrupted = new Set<string>();

  async attempt(notificationId: string, known?: AlertSummary): Promise<void> {
    const record = await this.notifications.claim(notificationId, { takeOver: this.interrupted.has(notificationId) });
    this.interrupted.delete(notificationId);
    if (!record) {
      // Sent, failed for good, held or skipped: nothing to do. But one still `sending` is either being sent
      // right now or was interrupted (its worker died, or PostgreSQL or Redis failed mid-send): fail this
      // job so BullMQ retries it when the claim goes stale (by then a live sender has finished), and takes
      // it over if it is still unfinished.
      const staleInMs = await this.notifications.msUntilClaimStale(notificationId);
      if (staleInMs !== null) throw new RetryAfterError(`notification ${notificationId} is still being sent; trying again when its claim is stale`, staleInMs + 250);
      return;
    }
    const alert = known ?? (await this.alerts.findById(record.alertId));
    if (!alert) return;
    const stale = this.noLongerNeeded(record, alert);
    if (stale !== null) {
      await this.notifications.markSkipped(record.id, stale);
      return;
    }
    await this.sendMarkingInterruptions([{ record, alert }]);
  }

  /** send(), remembering what an infrastructure failure interrupted (see `interrupted`). */
  private async sendMarkingInterruptions(items: Item[]): Promise<void> {
    try {
      await this.send(items);
    } catch (err) {
      for (const { record } of items) this.interrupted.add(record.id);
      throw err;
    }
  }

  /**
   * Held notifications of one destination are due: the ones still needed go as one message (a storm
   * summary when there are several), the rest are skipped. A flush whose worker died is picked up again.
   */
  async flush(channel: string, address: string): Promise<void> {
    const taken = await this.notifications.takeHeld(channel, address, new Date(), undefined, [...this.interrupted]);
    for (const record of taken) this.interrupted.delete(record.id);
    if (taken.length > 0) {
      const alerts = new Map((await this.alerts.findManyById([...new Set(taken.map((r) => r.alertId))])).map((a) => [a.id, a]));
      const inhibited = await this.inhibition.inhibitedNow([...alerts.values()].filter((a) => taken.some((r) => r.alertId === a.id && r.kind === 'page')));
      const live: Item[] = [];
      const skipped = new Map<string, string[]>();
      for (const record of taken) {
        const alert = alerts.get(record.alertId);
        const reason = !alert ? 'the alert is gone' : inhibited.has(alert.id) && record.kind === 'page' ? 'the alert is held by a host-down alert' : this.noLongerNeeded(record, alert);
        if (reason === null && alert) live.push({ record, alert });
        else skipped.set(reason ?? '', [...(skipped.get(reason ?? '') ?? []), record.id]);
      }
      for (const [reason, ids] of skipped) await this.notifications.markSkippedMany(ids, reason);
      if (skipped.size > 0) this.logger.info({ channel, to: maskAddress(channel, address), skipped: taken.length - live.length }, 'held notifications no longer needed');
      if (live.length > 0) await this.sendMarkingInterruptions(live);
    }
    // Anything left for later (a later window, a claim whose worker died) gets its own flush.
    const next = await this.notifications.nextHeldAt(channel, address);
    if (next !== null) await this.scheduleFlush(channel, address, next, 'critical');
  }

  /** Keeps notifications back until `at` and makes sure a flush of their destination runs then. */
  async hold(records: readonly NotificationRecord[], tier: string | null, at: Date, reason: string): Promise<void> {
    const [first] = records;
    if (!first) return;
    await this.notifications.hold(records.map((r) => r.id), at, reason);
    await this.scheduleFlush(first.channel, first.address, at, tier);
  }

  private async scheduleFlush(channel: string, address: string, at: Date, tier: string | null): Promise<void> {
    const queue = NOTIFY_QUEUE[(tier ?? 'critical') as TierName] ?? NOTIFY_QUEUE.critical;
    const destination = createHash('sha256').update(`${channel}\n${address}`).digest('hex').slice(0, 20);
    await this.producer.enqueue(queue, JobName.flushHeld, { channel, address }, { jobId: `flush-${destination}-${at.getTime()}`, delay: Math.max(0, at.getTime() - Date.now()) });
  }

  /** Why a notification need not go any more, or null if it still must. */
  private noLongerNeeded(record: NotificationRecord, alert: AlertSummary): string | null {
    if (record.kind !== 'page' && record.kind !== 'flapping') return null;
    if (alert.silenced) return 'the alert is silenced';
    if (alert.status !== 'firing') return `the alert is ${alert.status}`;
    if (record.kind === 'page' && alert.inhibitedById) return 'the alert is held by a host-down alert';
    return null;
  }

  /**
   * The limits that hold a send back: a person's SMS budget, an IM destination's rate limit. Returns when
   * to try again, or null to send now (the slot is then taken).
   */
  private async mustWait(items: readonly Item[]): Promise<Date | null> {
    const { record } = items[0] as Item;
    const now = Date.now();
    if (record.channel === 'sms') {
      // A folded P0 waits at most 60 s; then it goes even over budget, due a margin early so that it is out by then.
      // Counted from when the alert was last reported, if that is earlier than the page (ingest and triage took a while).
      const p0Since = Math.min(
        ...items.filter((i) => i.alert.priority === 'P0' && i.record.kind === 'page').map((i) => Math.min(i.record.createdAt.getTime(), i.alert.lastSeenAt.getTime())),
      );
      const p0DueAt = p0SummaryDueAt(p0Since);
      const force = Number.isFinite(p0Since) && now >= p0DueAt - 1000;
      const slot = await takeWindowSlot(this.redis, smsBudgetKey(this.env.redis.queuePrefix, record.address), this.config.config.smsBudget, now, force);
      if (slot.taken) return null;
      return new Date(Number.isFinite(p0Since) ? Math.min(slot.freesAt, p0DueAt) : slot.freesAt);
    }
    if (IM_CHANNELS.has(record.channel)) {
      const limit = this.config.config.rateLimits[record.channel];
      if (!limit) return null;
      const slot = await takeWindowSlot(this.redis, rateLimitKey(this.env.redis.queuePrefix, record.address), limit, now);
      return slot.taken ? null : new Date(slot.freesAt);
    }
    return null;
  }

  /** One message for these notifications (one destination), after the limits allow it. */
  private async send(items: Item[]): Promise<void> {
    // most urgent first, then in the order they were opened
    items.sort((a, b) => rank(a.alert.priority) - rank(b.alert.priority) || a.alert.number - b.alert.number);
    const lead = items[0] as Item;
    const records = items.map((i) => i.record);
    const log = {
      alertId: lead.alert.id,
      number: lead.alert.number,
      notificationId: lead.record.id,
      channel: lead.record.channel,
      to: maskAddress(lead.record.channel, lead.record.address),
      ...(items.length > 1 ? { together: items.length } : {}),
    };
    // Tried before: the provider may have taken it while we could not record that (PostgreSQL away).
    if (lead.record.attempts > 1 && (await this.recordAcceptedEarlier(items, log))) return;
    let message: OutboundMessage;
    try {
      const waitUntil = await this.mustWait(items);
      if (waitUntil !== null) {
        const reason = lead.record.channel === 'sms' ? 'SMS budget spent' : 'rate limit';
        this.logger.info({ ...log, until: waitUntil.toISOString() }, `${reason}: held`);
        await this.hold(records, lead.alert.tier, waitUntil, reason);
        return;
      }
      message = items.length === 1 ? await this.compose(lead.record, lead.alert) : this.composeTogether(items);
    } catch (err) {
      if (err instanceof DeliveryError) return this.failed(items, err, log);
      // Redis or PostgreSQL failed before anything was sent: give the claim back, and fail the job so it is retried.
      await this.unclaim(items).catch(() => undefined);
      throw err;
    }
    // Tried before, and the provider can be asked: the earlier attempt may have gone out with its answer lost.
    const earlier = lead.record.attempts > 1 ? await this.acceptedByProvider(message, lead.record.createdAt, log) : null;
    let receipt: DeliveryReceipt;
    try {
      receipt = earlier ?? (await this.channels.get(lead.record.channel as ChannelKind).send(message));
    } catch (err) {
      return this.failed(items, err, log);
    }
    const detail = {
      notificationId: lead.record.id,
      channel: lead.record.channel,
      to: maskAddress(lead.record.channel, lead.record.address),
      kind: lead.record.kind,
      providerId: receipt.providerId,
      attempt: lead.record.attempts,
      ...(items.length > 1 ? { together: items.length } : {}),
      ...(earlier ? { acceptedEarlier: true } : {}),
    };
    try {
      if (items.length === 1) await this.notifications.markSent(lead.record, receipt.providerId, detail);
      else await this.notifications.markSentTogether(records, receipt.providerId, detail);
    } catch (err) {
      // Sent, but not recorded: remember that in Redis, so the retry records it instead of sending again.
      await this.redis.set(this.acceptedKey(lead.record.id), receipt.providerId ?? '', 'EX', 86_400).catch(() => undefined);
      this.logger.error({ ...log, providerId: receipt.providerId, error: (err as Error).message }, 'sent, but could not record it; will record it on retry');
      throw err;
    }
    this.metrics.notificationsSent.inc({ channel: lead.record.channel });
    for (const { record, alert } of items) {
      if (record.kind === 'page') this.metrics.endToEndLatency.observe({ stage: 'paged' }, (Date.now() - alert.lastSeenAt.getTime()) / 1000);
    }
    if (earlier) this.logger.warn({ ...log, providerId: receipt.providerId, attempt: lead.record.attempts }, 'the provider had accepted an earlier attempt; recorded it, not sent again');
    else this.logger.info({ ...log, providerId: receipt.providerId, attempt: lead.record.attempts }, 'notification sent');
  }

  /**
   * The provider's receipt if it already has this message (accepted since the notification was made; for
   * an SMS, the same text apart from the repeat count), else null. When the provider cannot be asked,
   * null: the message goes again, since a page missed is worse than a page twice.
   */
  private async acceptedByProvider(message: OutboundMessage, since: Date, log: Record<string, unknown>): Promise<DeliveryReceipt | null> {
    let accepted: AcceptedMessage[];
    try {
      accepted = await this.channels.acceptedSince(message, since);
    } catch (err) {
      this.logger.warn({ ...log, error: (err as Error).message }, 'could not ask the provider whether an earlier attempt went out; sending again');
      return null;
    }
    const same = message.kind === 'sms' ? accepted.find((a) => sameSmsApartFromCount(a.body, message.body)) : undefined;
    return same ? { providerId: same.providerId } : null;
  }

  private acceptedKey(notificationId: string): string {
    return `${this.env.redis.queuePrefix}:accepted:${notificationId}`;
  }

  /** If a provider took this message on an earlier attempt that could not record it, record it now: true. */
  private async recordAcceptedEarlier(items: readonly Item[], log: Record<string, unknown>): Promise<boolean> {
    const lead = items[0] as Item;
    const providerId = await this.redis.get(this.acceptedKey(lead.record.id));
    if (providerId === null) return false;
    const detail = { notificationId: lead.record.id, channel: lead.record.channel, to: maskAddress(lead.record.channel, lead.record.address), kind: lead.record.kind, providerId: providerId || null, recordedLate: true };
    if (items.length === 1) await this.notifications.markSent(lead.record, providerId || null, detail);
    else await this.notifications.markSentTogether(items.map((i) => i.record), providerId || null, detail);
    await this.redis.del(this.acceptedKey(lead.record.id));
    this.logger.warn({ ...log, providerId }, 'recorded a send the provider had accepted earlier; not sending it again');
    return true;
  }

  /** Gives claimed notifications back after an infrastructure failure, without counting the attempt. */
  private async unclaim(items: readonly Item[]): Promise<void> {
    const records = items.map((i) => i.record);
    if (records.length === 1) await this.notifications.release((records[0] as NotificationRecord).id, 'interrupted; will retry', { uncount: true });
    // held ones go back to being held, due at once, so the destination's flush takes them again
    else await this.notifications.hold(records.map((r) => r.id), new Date(), 'interrupted; will retry');
  }

  private async failed(items: Item[], err: unknown, log: Record<string, unknown>): Promise<void> {
    const lead = items[0] as Item;
    const records = items.map((i) => i.record);
    const failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : String(err), true);
    const { attempts, backoffMs } = this.config.config.delivery;
    this.metrics.notificationsFailed.inc({ channel: lead.record.channel });
    if (failure.retryable && lead.record.attempts < attempts) {
      const delay = backoffMs * 2 ** (lead.record.attempts - 1);
      this.logger.warn({ ...log, attempt: lead.record.attempts, retryInMs: delay, error: failure.message, providerCode: failure.providerCode }, 'notification failed; will retry');
      if (items.length > 1) {
        await this.notifications.hold(records.map((r) => r.id), new Date(Date.now() + delay), failure.message, { countAttempt: true });
        await this.scheduleFlush(lead.record.channel, lead.record.address, new Date(Date.now() + delay), lead.alert.tier);
        return;
      }
      await this.notifications.release(lead.record.id, failure.message);
      await this.producer.enqueue(
        NOTIFY_QUEUE[(lead.alert.tier ?? 'critical') as TierName],
        JobName.retryNotification,
        { notificationId: lead.record.id },
        { jobId: `retry-${lead.record.id}-${lead.record.attempts}`, delay },
      );
      return;
    }
    this.logger.error({ ...log, attempt: lead.record.attempts, error: failure.message, providerCode: failure.providerCode }, 'notification failed for good');
    const detail = {
      notificationId: lead.record.id,
      channel: lead.record.channel,
      to: maskAddress(lead.record.channel, lead.record.address),
      attempts: lead.record.attempts,
      providerCode: failure.providerCode,
      ...(items.length > 1 ? { together: items.length } : {}),
    };
    if (items.length === 1) await this.notifications.markFailed(lead.record, failure.message, detail);
    else await this.notifications.markFailedTogether(records, failure.message, detail);
    // One fallback for a message, for its most urgent page (not one call per alert of a storm).
    const page = items.find((i) => i.record.kind === 'page');
    if (page) await this.fallBack(page.record, page.alert);
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

  private statusOf(record: NotificationRecord): 'PROBLEM' | 'OK' {
    return record.kind === 'recovery' ? 'OK' : 'PROBLEM';
  }

  private messageOf(record: NotificationRecord, alert: AlertSummary, extra: Partial<AlertMessage> = {}): AlertMessage {
    const flapping = record.kind === 'flapping' ? (record.meta as { cycles?: number }).cycles : undefined;
    const base = alertMessageOf(alert, this.statusOf(record), this.env.http.publicUrl, extra);
    return flapping === undefined ? base : { ...base, message: `${base.message} (flapping ×${flapping})` };
  }

  /** Several alerts' notifications to one destination as one message: the storm summary. */
  private composeTogether(items: readonly Item[]): OutboundMessage {
    const lead = (items[0] as Item).record;
    const alerts = items.map((i) => this.messageOf(i.record, i.alert));
    const idempotencyKey = `together:${createHash('sha256').update(items.map((i) => i.record.key).join('\n')).digest('hex').slice(0, 32)}`;
    const base = this.env.http.publicUrl.replace(/\/+$/, '');
    switch (lead.channel) {
      case 'sms':
        return { kind: 'sms', to: lead.address, body: renderStormSms(alerts), idempotencyKey, statusCallbackUrl: `${base}/api/v1/twilio/status` };
      case 'voice':
        // one call, about the most urgent alert
        return { kind: 'voice', to: lead.address, twimlUrl: `${base}/api/v1/twilio/voice/${lead.id}`, statusCallbackUrl: `${base}/api/v1/twilio/voice-status`, idempotencyKey };
      case 'email': {
        const { subject, text, html } = renderStormEmail(alerts);
        return { kind: 'email', to: lead.address, subject, text, html, idempotencyKey };
      }
      default:
        return this.imMessage(lead, stormAsAlert(alerts, { url: `${base}/` }), idempotencyKey);
    }
  }

  private imMessage(record: NotificationRecord, alert: AlertMessage, idempotencyKey: string): OutboundMessage {
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
      alert,
      idempotencyKey,
    };
  }

  /** A digest (SPEC §5): the alerts opened since the last one, and how many older ones are still open. */
  private async composeDigest(record: NotificationRecord): Promise<OutboundMessage> {
    const meta = record.meta as { alertIds?: string[]; recent?: number; older?: number; tier?: string };
    const alerts = (await this.alerts.findManyById(meta.alertIds ?? [])).map((a) => alertMessageOf(a, 'PROBLEM', this.env.http.publicUrl));
    if (alerts.length === 0) throw new DeliveryError('the digest lists no alert any more', false);
    const recent = meta.recent ?? alerts.length;
    const older = meta.older ?? 0;
    const intro = `${recent} new ${recent === 1 ? 'alert' : 'alerts'} since the last digest${recent > alerts.length ? ` (the first ${alerts.length} listed)` : ''}; ${older} older ${older === 1 ? 'one' : 'ones'} still open.`;
    if (record.channel === 'email') {
      const { subject, text, html } = renderStormEmail(alerts, { intro, subjectPrefix: 'Digest: ' });
      return { kind: 'email', to: record.address, subject, text, html, idempotencyKey: record.key };
    }
    const base = this.env.http.publicUrl.replace(/\/+$/, '');
    const summary = stormAsAlert(alerts, { url: `${base}/` });
    return this.imMessage(record, { ...summary, message: `digest, ${summary.message}; ${older} older still open` }, record.key);
  }

  private async compose(record: NotificationRecord, alert: AlertSummary): Promise<OutboundMessage> {
    if (record.kind === 'digest') return this.composeDigest(record);
    const publicUrl = this.env.http.publicUrl;
    switch (record.channel) {
      case 'sms': {
        const replyCode = this.statusOf(record) === 'PROBLEM' ? await this.replyCodes.codeFor(record.address, alert.id) : undefined;
        const body = renderAlertSms(this.messageOf(record, alert, replyCode === undefined ? {} : { replyCode }));
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
        const { subject, text, html } = renderAlertEmail(this.messageOf(record, alert));
        return { kind: 'email', to: record.address, subject, text, html, idempotencyKey: record.key };
      }
      default:
        return this.imMessage(record, this.messageOf(record, alert), record.key);
    }
  }
}
