import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AlertRepository, ReplyCodeRepository, SilenceRepository, type TriageBatchResult } from '@klaxon/db';
import { ConfigStore } from '@klaxon/config';
import { KlaxonMetrics } from '@klaxon/observability';
import { JobName, JobProducer, NOTIFY_QUEUE, type TierName, type TriageBatchPayload } from '@klaxon/queue';
import { activeSilenceFor, fingerprintOf, planTriage, type TriageItem, type TriageOutcome } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { PagingService } from '../notify/paging.service';
import { AlertClassifier } from './alert-classifier';

/** Applies a batch of accepted alerts: dedup, lifecycle, timeline (SPEC §4). */
@Injectable()
export class TriageService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly classifier: AlertClassifier,
    private readonly replyCodes: ReplyCodeRepository,
    private readonly silences: SilenceRepository,
    private readonly producer: JobProducer,
    private readonly config: ConfigStore,
    private readonly paging: PagingService,
    private readonly metrics: KlaxonMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async applyBatch(payload: TriageBatchPayload): Promise<TriageBatchResult> {
    const items: TriageItem[] = payload.alerts.map((alert) => ({ alert, fingerprint: fingerprintOf(alert) }));
    const now = new Date();
    const silences = items.length > 0 ? await this.silences.current(now) : [];
    const silenceFor =
      silences.length === 0 ? undefined : (alert: TriageItem['alert'], fingerprint: string) => activeSilenceFor(silences, { ...alert, fingerprint }, now)?.id ?? null;
    const result = await this.alerts.applyTriageBatch(
      payload.batchId,
      items.map((i) => i.fingerprint),
      payload.rejected,
      (state) => planTriage(items, state, (alert) => this.classifier.classify(alert), randomUUID, silenceFor),
    );
    if (!result.applied) {
      // A retry of a batch that committed: its follow-ups may not have been queued before the failure.
      this.logger.info({ batchId: payload.batchId }, 'triage batch already applied; replaying its follow-ups');
      await this.followUp(result.outcome);
      return result;
    }
    const { outcome } = result;
    const triagedAt = Date.now();
    for (const alert of payload.alerts) this.metrics.endToEndLatency.observe({ stage: 'triaged' }, (triagedAt - alert.receivedAt) / 1000);
    this.metrics.triaged.inc({ outcome: 'opened' }, outcome.opened.length);
    this.metrics.triaged.inc({ outcome: 'resolved' }, outcome.resolved.length);
    this.metrics.triaged.inc({ outcome: 'deduplicated' }, outcome.deduplicated);
    this.metrics.triaged.inc({ outcome: 'stale' }, outcome.stale);
    this.metrics.triaged.inc({ outcome: 'ok-without-alert' }, outcome.okWithoutAlert);
    await this.followUp(outcome);
    return result;
  }

  /**
   * Pages for opened alerts and recovery notices for resolved ones. A tier
   * that pages at once (no grouping window: critical) is paged right here, one
   * queue hop sooner; if this worker dies meanwhile, the batch's retry replays
   * its follow-ups and paging picks up where it stopped. Other tiers go to
   * their queues; job ids make replays harmless. Digest tiers are paged by
   * their digest, not alert by alert.
   */
  private async followUp(outcome: TriageOutcome): Promise<void> {
    const tiers = this.config.config.tiers;
    const paged = (tier: string) => tiers[tier as TierName]?.digestEveryMs === undefined;
    const atOnce = (tier: string) => tiers[tier as TierName]?.groupWindowMs === 0;
    const pages = outcome.pages.filter((p) => paged(p.tier));
    await Promise.all([
      ...pages.filter((p) => atOnce(p.tier)).map(({ alertId }) => this.paging.page({ alertId, step: 0, round: 0 })),
      this.replyCodes.releaseForAlerts(outcome.resolved),
      // "silence until OK": their alert resolved, so they end
      this.silences.expireUntil(outcome.resolved),
      ...pages.filter((p) => !atOnce(p.tier)).map(({ alertId, tier }) =>
        // the tier is in the id: an alert raised to a more urgent tier is paged again, by that tier's channels
        this.producer.enqueue(NOTIFY_QUEUE[tier as TierName], JobName.pageAlert, { alertId, step: 0, round: 0 }, { jobId: `page-${alertId}-0-0-${tier}` }),
      ),
      ...outcome.recoveries.filter((r) => paged(r.tier)).map(({ alertId, tier }) =>
        this.producer.enqueue(NOTIFY_QUEUE[tier as TierName], JobName.sendRecovery, { alertId }, { jobId: `recovery-${alertId}` }),
      ),
    ]);
  }
}
