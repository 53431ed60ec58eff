import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_ENV, ConfigStore, type AppEnv, type TierConfig, type TierName } from '@klaxon/config';
import { escalationJobId, nextEscalation, type EscalationPosition } from '@klaxon/escalation';
import { AlertRepository, NoiseRepository, NotificationRepository, ReplyCodeRepository, ScheduleOverrideRepository, SilenceRepository, overridesBySchedule, type AlertSummary, type NotificationRecord } from '@klaxon/db';
import { ChannelRegistry, planHolds, planPage, recoveryKey } from '@klaxon/notify';
import type { UserConfig } from '@klaxon/config';
import {
  JobName,
  JobProducer,
  NOTIFY_QUEUE,
  REDIS,
  optedOutPhones,
  smsAfterJobId,
  type EscalateAlertPayload,
  type PageAlertPayload,
  type VoiceCallPayload,
  voiceCallJobId,
} from '@klaxon/queue';
import { stepTargets } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { DeliveryService } from './delivery.service';
import { HostDownInhibition } from './host-down-inhibition.service';

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
    private readonly noise: NoiseRepository,
    private readonly replyCodes: ReplyCodeRepository,
    private readonly silences: SilenceRepository,
    private readonly delivery: DeliveryService,
    private readonly channels: ChannelRegistry,
    private readonly config: ConfigStore,
    private readonly producer: JobProducer,
    private readonly inhibition: HostDownInhibition,
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
    // Its host is down: the host-down alert pages; this one waits for it to resolve (and escalates with it).
    if (await this.inhibition.holdIfHostDown(alert)) return;
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
    // the next step's timer goes first (its job id makes a replay harmless): a worker killed once the SMS is
    // out must not leave the escalation to this job's stall recovery, 30 s later
    await this.enqueueNextStep(alert.id, alert.policy, tier, { step, round });
    await this.dispatch(records, alert, tier);
    await this.scheduleLateChannels(alert.id, tier, { step, round });
    await this.alerts.recordEscalation(alert.id, step, round, by);
  }

  /**
   * Sends each notification now, or holds it (SPEC §5): SMS and voice of tiers that defer wait out the
   * person's quiet hours; a tier with a grouping window holds everything for one destination until the
   * window, opened by the first page, ends, and then sends it as one message. The SMS budget and IM rate
   * limits are applied when it is sent.
   */
  async dispatch(records: readonly NotificationRecord[], alert: AlertSummary, tier: TierConfig): Promise<void> {
    const now = new Date();
    // A replayed page: what was sent or held stays so; one still `sending` was interrupted (or is being sent
    // right now): attempt() takes it over once its claim is stale, failing this job until then.
    const interrupted = records.filter((r) => r.status === 'sending');
    const { sendNow, held } = await planHolds(
      records.filter((r) => r.status === 'queued'),
      { tier, now, userOf: (id) => this.config.config.lookup.users.get(id), windowEnd: (r) => this.groupWindowEnd(tier, r, now) },
    );
    for (const group of held) await this.delivery.hold(group.records, tier.name, group.at, group.reason);
    await Promise.all([...sendNow, ...interrupted].map((r) => this.delivery.attempt(r.id, alert)));
  }

  /**
   * When the destination's grouping window for this tier ends: the first page opens it (now + the window)
   * and every page within it shares that end, across workers (one atomic Redis SET NX).
   */
  private async groupWindowEnd(tier: TierConfig, record: NotificationRecord, now: Date): Promise<Date> {
    const key = `${this.env.redis.queuePrefix}:group-window:${tier.name}:${record.channel}:${record.address}`;
    const end = now.getTime() + tier.groupWindowMs;
    const opened = await this.redis.set(key, String(end), 'PX', tier.groupWindowMs, 'NX');
    if (opened === 'OK') return new Date(end);
    const current = Number(await this.redis.get(key));
    return new Date(Number.isFinite(current) && current > 0 ? current : end);
  }

  /**
   * voiceAfter and smsAfter (SPEC §5): delayed jobs, with deterministic ids, that call or text the step's
   * people if the alert is still unacknowledged by then. Tiers that already use the channel need none.
   */
  private async scheduleLateChannels(alertId: string, tier: TierConfig, at: { step: number; round: number }): Promise<void> {
    const payload = { alertId, step: at.step, round: at.round };
    if (tier.voiceAfterMs !== undefined && !tier.channels.includes('voice') && this.channels.has('voice')) {
      await this.producer.enqueue(NOTIFY_QUEUE[tier.name], JobName.voiceCall, payload, { jobId: voiceCallJobId(alertId, at), delay: tier.voiceAfterMs });
    }
    if (tier.smsAfterMs !== undefined && !tier.channels.includes('sms') && this.channels.has('sms')) {
      await this.producer.enqueue(NOTIFY_QUEUE[tier.name], JobName.smsAfter, payload, { jobId: smsAfterJobId(alertId, at), delay: tier.smsAfterMs });
    }
  }

  /**
   * A step's voiceAfter (call) or smsAfter (text) ran out: reach its people who have a phone that way,
   * while the alert still fires unsilenced (re-checked here: an ack or resolve removes the job, but one
   * already running must stop itself). Keys are the page keys with that channel, so a replay, or an SMS that
   * already fell back to voice, reaches them once. Quiet hours still hold them for tiers that defer.
   */
  async late(channel: 'voice' | 'sms', { alertId, step, round }: VoiceCallPayload): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert || alert.status !== 'firing' || alert.silenced || alert.inhibitedById || alert.policy === null || alert.tier === null) {
      this.logger.info({ alertId, status: alert?.status, silenced: alert?.silenced, channel }, `${channel === 'voice' ? 'voice call' : 'late SMS'} skipped: the alert no longer needs it`);
      return;
    }
    if (!this.channels.has(channel)) return;
    const config = this.config.config;
    const tier = config.tiers[alert.tier as TierName];
    const now = new Date();
    const scheduleIds = [...new Set(config.lookup.escalationPolicies.get(alert.policy)?.steps[step]?.notify.filter((t) => t.kind === 'schedule').map((t) => t.id) ?? [])];
    const overrides = scheduleIds.length > 0 ? overridesBySchedule(await this.overrides.activeOrUpcoming(scheduleIds, now, new Date(now.getTime() + 1))) : undefined;
    const lateTier: TierConfig = { ...tier, channels: [channel] };
    let planned = planPage(config, { alertId, tier: lateTier, targets: stepTargets(config, alert.policy, step, now, overrides), step, round }).filter(
      (p) => p.channel === channel && p.userId !== null && hasPhone(config.lookup.users.get(p.userId)),
    );
    if (channel === 'sms') {
      const stopped = await optedOutPhones(this.redis, this.env.redis.queuePrefix, planned.map((p) => p.address));
      planned = planned.filter((p) => !stopped.has(p.address));
    }
    if (planned.length === 0) {
      this.logger.info({ alertId, number: alert.number, step, channel }, 'late page: nobody on the step has a phone');
      return;
    }
    this.logger.warn({ alertId, number: alert.number, step, round, channel, people: planned.length }, `not acknowledged within ${channel === 'voice' ? 'voiceAfter: calling' : 'smsAfter: texting'}`);
    const records = await this.notifications.createMany(planned.map((p) => ({ ...p, alertId, kind: 'page' as const })));
    await this.dispatch(records, alert, tier);
  }

  /**
   * Records the step as paged and, for tiers that escalate, starts the timer
   * for the next one: a delayed job with a deterministic id, so an ack can
   * remove it and a replay cannot start it twice.
   */
  private async scheduleNextStep(alertId: string, policyId: string, tier: TierConfig, at: EscalationPosition, by?: EscalateAlertPayload['by']): Promise<void> {
    await this.alerts.recordEscalation(alertId, at.step, at.round, by);
    await this.enqueueNextStep(alertId, policyId, tier, at);
  }

  /** The next step's delayed job, if the policy has one; its id is fixed, so adding it again changes nothing. */
  private async enqueueNextStep(alertId: string, policyId: string, tier: TierConfig, at: EscalationPosition): Promise<void> {
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

  /**
   * A flapping alert's held OK has stood for `stableFor` (SPEC §5 flap detection): resolve it if nothing
   * came since, then do what a resolve does (reply codes freed, until-OK silences ended, recovery notices).
   */
  async checkStable(alertId: string): Promise<void> {
    if (!(await this.alerts.resolveIfStable(alertId))) return;
    this.logger.info({ alertId }, 'stable after flapping: resolved');
    await Promise.all([this.replyCodes.releaseForAlerts([alertId]), this.silences.expireUntil([alertId])]);
    await this.recover(alertId);
  }

  /** The alert began flapping: one `flapping ×N` notice, instead of a page per cycle, to everyone a page reached. */
  async notifyFlapping(alertId: string, noticeId: string): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert || alert.status === 'resolved' || alert.silenced || alert.tier === null) return;
    const cycles = await this.noise.flapCycles(alertId);
    const drafts = this.onePerRecipient(await this.notifications.deliveredPages(alertId)).map((page) => ({
      ...page,
      key: `flapping:${noticeId}:${page.id}`,
      kind: 'flapping' as const,
      meta: { ...page.meta, cycles, flappingOf: page.id },
    }));
    const tier = this.config.config.tiers[alert.tier as TierName];
    await this.keepEscalating(alert, tier, noticeId);
    if (drafts.length === 0) return;
    this.logger.info({ alertId, number: alert.number, cycles, recipients: drafts.length }, 'flapping: one notice instead of a page per cycle');
    const records = await this.notifications.createMany(drafts);
    await this.dispatch(records, alert, tier);
  }

  /**
   * A reopened alert nobody acknowledged must still escalate: its step timer may have run out (and stopped)
   * while it was resolved, so start the next step's timer again. If the old one is still pending, both run
   * and the second pages nobody new (one notification per step and person).
   */
  private async keepEscalating(alert: AlertSummary, tier: TierConfig, noticeId: string): Promise<void> {
    if (alert.status !== 'firing' || !tier.escalate || alert.policy === null || alert.escalation === null) return;
    const policy = this.config.config.lookup.escalationPolicies.get(alert.policy);
    const next = policy ? nextEscalation(policy, alert.escalation) : null;
    if (!next) return;
    await this.producer.enqueue(
      NOTIFY_QUEUE[tier.name],
      JobName.escalateAlert,
      { alertId: alert.id, step: next.step, round: next.round },
      { jobId: `${escalationJobId(alert.id, next)}-flap-${noticeId}`, delay: next.delayMs },
    );
  }

  /** The pages that reached somebody, one per person, channel and address. */
  private onePerRecipient<T extends { userId: string | null; channel: string; address: string }>(pages: readonly T[]): T[] {
    const seen = new Set<string>();
    return pages.filter((page) => {
      const who = `${page.userId ?? ''}|${page.channel}|${page.address}`;
      if (seen.has(who)) return false;
      seen.add(who);
      return true;
    });
  }

  /** A recovery notice to everyone a page reached, once per person, channel and address. */
  async recover(alertId: string): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert || alert.status !== 'resolved') return;
    // A host-down alert resolved: the alerts it held page now, if they still fire.
    await this.inhibition.release(alert.id);
    const drafts = this.onePerRecipient(await this.notifications.deliveredPages(alertId)).map((page) => ({
      ...page,
      key: recoveryKey(alertId, page.id, alert.resolvedAt),
      kind: 'recovery' as const,
      meta: { ...page.meta, recoveryOf: page.id },
    }));
    const records = await this.notifications.createMany(drafts);
    const tier = alert.tier === null ? undefined : this.config.config.tiers[alert.tier as TierName];
    if (tier) await this.dispatch(records, alert, tier);
    else await Promise.all(records.map((r) => this.delivery.attempt(r.id, alert)));
  }
}
