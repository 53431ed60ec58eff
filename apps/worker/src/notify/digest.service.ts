import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_ENV, ConfigStore, type AppEnv, type TierConfig, type TierName } from '@klaxon/config';
import { NoiseRepository, NotificationRepository, ScheduleOverrideRepository, overridesBySchedule } from '@klaxon/db';
import { ChannelRegistry, planPage } from '@klaxon/notify';
import { JobName, JobProducer, NOTIFY_QUEUE, REDIS } from '@klaxon/queue';
import { stepTargets } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { DeliveryService } from './delivery.service';

/** How many alerts one digest lists by name (the rest are counted). */
const DIGEST_LIST_MAX = 50;

/**
 * Digests for tiers with `digestEvery` (SPEC §5): the first alert after a digest opens a window; when it
 * ends, each policy with new alerts sends one digest, by email to the people of its first step and to its
 * IM channels, listing the alerts opened since the last digest and counting the older ones still open.
 */
@Injectable()
export class DigestService {
  constructor(
    private readonly noise: NoiseRepository,
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

  private key(what: 'window' | 'since', tier: string): string {
    return `${this.env.redis.queuePrefix}:digest-${what}:${tier}`;
  }

  /** New alerts of a digest tier: open its window unless one is open (one Redis SET NX, then one delayed job). */
  async alertsOpened(tierName: string): Promise<void> {
    const tier = this.config.config.tiers[tierName as TierName];
    if (tier?.digestEveryMs === undefined) return;
    const due = Date.now() + tier.digestEveryMs;
    const opened = await this.redis.set(this.key('window', tier.name), String(due), 'PX', tier.digestEveryMs + 60_000, 'NX');
    if (opened !== 'OK') return;
    await this.producer.enqueue(NOTIFY_QUEUE[tier.name], JobName.sendDigest, { tier: tier.name }, { jobId: `digest-${tier.name}-${due}`, delay: tier.digestEveryMs });
  }

  async send(tierName: string): Promise<void> {
    const tier = this.config.config.tiers[tierName as TierName];
    if (!tier) return;
    const until = new Date();
    const since = new Date(Number((await this.redis.get(this.key('since', tier.name))) ?? 0));
    // Alerts from now on open the next window.
    await this.redis.del(this.key('window', tier.name));
    const policies = await this.noise.policiesWithNewAlerts(tier.name, since, until);
    for (const policy of policies) await this.sendPolicyDigest(tier, policy, since, until);
    await this.redis.set(this.key('since', tier.name), String(until.getTime()));
  }

  private async sendPolicyDigest(tier: TierConfig, policy: string, since: Date, until: Date): Promise<void> {
    const config = this.config.config;
    if (!config.lookup.escalationPolicies.has(policy)) return;
    const alerts = await this.noise.digestAlerts(tier.name, policy, since, until, DIGEST_LIST_MAX);
    const first = alerts[0];
    if (!first) return;
    const counts = await this.noise.digestCounts(tier.name, policy, since, until);
    const scheduleIds = [...new Set(config.lookup.escalationPolicies.get(policy)?.steps[0]?.notify.filter((t) => t.kind === 'schedule').map((t) => t.id) ?? [])];
    const overrides = scheduleIds.length > 0 ? overridesBySchedule(await this.overrides.activeOrUpcoming(scheduleIds, until, new Date(until.getTime() + 1))) : undefined;
    const digestTier: TierConfig = { ...tier, channels: ['email', 'im'] };
    const planned = planPage(config, { alertId: first.id, tier: digestTier, targets: stepTargets(config, policy, 0, until, overrides), step: 0, round: 0 }).filter((p) =>
      this.channels.has(p.channel),
    );
    if (planned.length === 0) {
      this.logger.warn({ tier: tier.name, policy, alerts: counts.recent }, 'digest: nobody to send it to');
      return;
    }
    const meta = { alertIds: alerts.map((a) => a.id), recent: counts.recent, older: counts.older, tier: tier.name, policy };
    const records = await this.notifications.createMany(
      planned.map((p) => ({
        key: `digest:${tier.name}:${policy}:${until.getTime()}:${p.userId === null ? `channel:${p.address}` : `user:${p.userId}`}:${p.channel}`,
        alertId: first.id,
        userId: p.userId,
        channel: p.channel,
        address: p.address,
        kind: 'digest' as const,
        meta: { ...p.meta, ...meta },
      })),
    );
    this.logger.info({ tier: tier.name, policy, recent: counts.recent, older: counts.older, recipients: records.length }, 'sending digest');
    await Promise.all(records.map((r) => this.delivery.attempt(r.id)));
  }
}
