import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_ENV, ConfigStore, type AppEnv, type TierConfig, type TierName } from '@klaxon/config';
import { escalationJobId, nextEscalation, type EscalationPosition } from '@klaxon/escalation';
import { AlertRepository, NotificationRepository, ScheduleOverrideRepository, overridesBySchedule } from '@klaxon/db';
import { ChannelRegistry, planPage, recoveryKey } from '@klaxon/notify';
import type { UserConfig } from '@klaxon/config';
import { JobName, JobProducer, NOTIFY_QUEUE, REDIS, optedOutPhones, type EscalateAlertPayload, type PageAlertPayload, type VoiceCallPayload, voiceCallJobId } from '@klaxon/queue';
import { stepTargets } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { DeliveryService } from './delivery.service';

function hasPhone(user: UserConfig | undefined): boolean {
  return typeof user?.phone === 'string' && user.phone !== '';
}

/** Pages the people of an alert's escalation step, and tells them when it recovers. */
@Injectable()
export class PagingService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly notifications: NotificationRepository,
    private readonly overrides: ScheduleOverrideRepository,
    private readonly delivery: DeliveryService,
    private readonly channels: ChannelRegistry,
    private readonly config: ConfigStore,
    private readonly producer: JobProducer,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * A step's timer ran out, or someone escalated by hand (`by`, named on the `escalated` event): page the
   * next step (the page re-checks the alert; a removed timer may already be running).
   */
  async escalate(payload: EscalateAlertPayload): Promise<void> {
    this.logger.info({ alertId: payload.alertId, step: payload.step, round: payload.round, by: payload.by?.actor }, 'escalating');
    await this.page(payload, payload.by);
  }

  async page({ alertId, step, round }: PageAlertPayload, by?: EscalateAlertPayload['by']): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    // Re-checked here, not trusted from the job: it may have been acknowledged or resolved meanwhile.
    if (!alert || alert.status !== 'firing' || alert.silenced || alert.policy === null || alert.tier === null) {
      this.logger.info({ alertId, status: alert?.status, silenced: alert?.silenced }, 'page skipped: the alert no longer needs it');
      return;
    }
    const config = this.config.config;
    const tier = config.tiers[alert.tier as TierName];
    if (!config.lookup.escalationPolicies.has(alert.policy)) {
      this.logger.error({ alertId, policy: alert.policy }, 'page skipped: the policy is no longer in the config');
      return;
    }
    // Schedule overrides apply; one query, and only when the step names a schedule (a P0's page is latency-critical).
    const now = new Date();
    const scheduleIds = [...new Set(config.lookup.escalationPolicies.get(alert.policy)?.steps[step]?.notify.filter((t) => t.kind === 'schedule').map((t) => t.id) ?? [])];
    const overrides = scheduleIds.length > 0 ? overridesBySchedule(await this.overrides.activeOrUpcoming(scheduleIds, now, new Date(now.getTime() + 1))) : undefined;
    // Channels that are not configured (no Twilio or SMTP settings) are left out, not failed.
    const candidates = planPage(config, { alertId, tier, targets: stepTargets(config, alert.policy, step, now, overrides), step, round }).filter((p) =>
      this.channels.has(p.channel),
    );
    // A phone that replied STOP gets no SMS pages until it replies START (the carrier would refuse them anyway).
    const smsPhones = candidates.filter((p) => p.channel === 'sms').map((p) => p.address);
    const stopped = await optedOutPhones(this.redis, this.env.redis.queuePrefix, smsPhones);
    if (stopped.size > 0) this.logger.info({ alertId, phones: stopped.size }, 'SMS left out: the phone replied STOP');
    const planned = candidates.filter((p) => p.channel !== 'sms' || !stopped.has(p.address));
    if (planned.length === 0) {
      // still escalate: the next step may reach somebody
      this.logger.warn({ alertId, number: alert.number, policy: alert.policy, step }, 'nobody to page: the step has no reachable target');
      await this.scheduleNextStep(alert.id, alert.policy, tier, { step, round }, by);
      return;
    }
    const records = await this.notifications.createMany(planned.map((p) => ({ ...p, alertId, kind: 'page' as const })));
    await Promise.all(records.map((r) => this.delivery.attempt(r.id, alert)));
    await this.scheduleVoiceCall(alert.id, tier, { step, round });
    await this.scheduleNextStep(alert.id, alert.policy, tier, { step, round }, by);
  }

  /**
   * voiceAfter (SPEC §5): a delayed job, with a deterministic id, that calls the step's people if the alert
   * is still unacknowledged by then. Tiers that already call at once (channels include voice) need none.
   */
  private async scheduleVoiceCall(alertId: string, tier: TierConfig, at: { step: number; round: number }): Promise<void> {
    if (tier.voiceAfterMs === undefined || tier.channels.includes('voice') || !this.channels.has('voice')) return;
    await this.producer.enqueue(NOTIFY_QUEUE[tier.name], JobName.voiceCall, { alertId, step: at.step, round: at.round }, { jobId: voiceCallJobId(alertId, at), delay: tier.voiceAfterMs });
  }

  /**
   * A step's voiceAfter ran out: call its people who have a phone, while the alert still fires unsilenced
   * (re-checked here: an ack or resolve removes the job, but one already running must stop itself).
   * Keys are the page keys with channel `voice`, so a replay, or an SMS that already fell back to voice, calls once.
   */
  async call({ alertId, step, round }: VoiceCallPayload): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert || alert.status !== 'firing' || alert.silenced || alert.policy === null || alert.tier === null) {
      this.logger.info({ alertId, status: alert?.status, silenced: alert?.silenced }, 'voice call skipped: the alert no longer needs it');
      return;
    }
    if (!this.channels.has('voice')) return;
    const config = this.config.config;
    const tier = config.tiers[alert.tier as TierName];
    const now = new Date();
    const scheduleIds = [...new Set(config.lookup.escalationPolicies.get(alert.policy)?.steps[step]?.notify.filter((t) => t.kind === 'schedule').map((t) => t.id) ?? [])];
    const overrides = scheduleIds.length > 0 ? overridesBySchedule(await this.overrides.activeOrUpcoming(scheduleIds, now, new Date(now.getTime() + 1))) : undefined;
    const voiceTier: TierConfig = { ...tier, channels: ['voice'] };
    const planned = planPage(config, { alertId, tier: voiceTier, targets: stepTargets(config, alert.policy, step, now, overrides), step, round }).filter(
      (p) => p.channel === 'voice' && p.userId !== null && hasPhone(config.lookup.users.get(p.userId)),
    );
    if (planned.length === 0) {
      this.logger.info({ alertId, number: alert.number, step }, 'voice call: nobody on the step has a phone');
      return;
    }
    this.logger.warn({ alertId, number: alert.number, step, round, calls: planned.length }, 'not acknowledged within voiceAfter: calling');
    const records = await this.notifications.createMany(planned.map((p) => ({ ...p, alertId, kind: 'page' as const })));
    await Promise.all(records.map((r) => this.delivery.attempt(r.id, alert)));
  }

  /**
   * Records the step as paged and, for tiers that escalate, starts the timer
   * for the next one: a delayed job with a deterministic id, so an ack can
   * remove it and a replay cannot start it twice.
   */
  private async scheduleNextStep(alertId: string, policyId: string, tier: TierConfig, at: EscalationPosition, by?: EscalateAlertPayload['by']): Promise<void> {
    await this.alerts.recordEscalation(alertId, at.step, at.round, by);
    const policy = this.config.config.lookup.escalationPolicies.get(policyId);
    const next = tier.escalate && policy ? nextEscalation(policy, at) : null;
    if (!next) return;
    await this.producer.enqueue(
      NOTIFY_QUEUE[tier.name],
      JobName.escalateAlert,
      { alertId, step: next.step, round: next.round },
      { jobId: escalationJobId(alertId, next), delay: next.delayMs },
    );
  }

  /** A recovery notice to everyone a page reached, once per person, channel and address. */
  async recover(alertId: string): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert || alert.status !== 'resolved') return;
    const seen = new Set<string>();
    const drafts = [];
    for (const page of await this.notifications.deliveredPages(alertId)) {
      const who = `${page.userId ?? ''}|${page.channel}|${page.address}`;
      if (seen.has(who)) continue;
      seen.add(who);
      drafts.push({ ...page, key: recoveryKey(alertId, page.id), kind: 'recovery' as const, meta: { ...page.meta, recoveryOf: page.id } });
    }
    const records = await this.notifications.createMany(drafts);
    await Promise.all(records.map((r) => this.delivery.attempt(r.id, alert)));
  }
}
