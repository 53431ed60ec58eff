import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore, type TierName } from '@klaxon/config';
import { AlertRepository, NotificationRepository } from '@klaxon/db';
import { ChannelRegistry, planPage, recoveryKey } from '@klaxon/notify';
import type { PageAlertPayload } from '@klaxon/queue';
import { stepTargets } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { DeliveryService } from './delivery.service';

/** Pages the people of an alert's escalation step, and tells them when it recovers. */
@Injectable()
export class PagingService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly notifications: NotificationRepository,
    private readonly delivery: DeliveryService,
    private readonly channels: ChannelRegistry,
    private readonly config: ConfigStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async page({ alertId, step, round }: PageAlertPayload): Promise<void> {
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
    // Channels that are not configured (no Twilio or SMTP settings) are left out, not failed.
    const planned = planPage(config, { alertId, tier, targets: stepTargets(config, alert.policy, step, new Date()), step, round }).filter((p) =>
      this.channels.has(p.channel),
    );
    if (planned.length === 0) {
      this.logger.warn({ alertId, number: alert.number, policy: alert.policy, step }, 'nobody to page: the step has no reachable target');
      return;
    }
    const records = await this.notifications.createMany(planned.map((p) => ({ ...p, alertId, kind: 'page' as const })));
    await Promise.all(records.map((r) => this.delivery.attempt(r.id, alert)));
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
