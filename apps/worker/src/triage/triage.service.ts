import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AlertRepository, ReplyCodeRepository, SilenceRepository, type TriageBatchResult } from '@klaxon/db';
import { ConfigStore } from '@klaxon/config';
import { KlaxonMetrics } from '@klaxon/observability';
import { JobName, JobProducer, NOTIFY_QUEUE, reportKeyOf, type TierName, type TriageBatchPayload } from '@klaxon/queue';
import { activeSilenceFor, fingerprintOf, planTriage, type TriageItem, type TriageOutcome } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { DigestService } from '../notify/digest.service';
import { PagingService } from '../notify/paging.service';
import { AlertClassifier } from './alert-classifier';

/**
 * Whether PostgreSQL refused the data itself (SQLSTATE class 22 data exception, 23 integrity, 54 program
 * limit such as an index row too large), as opposed to being unavailable: retrying the same rows won't help.
 * Unique and exclusion violations are left out: they come from races a retry resolves.
 */
function refusedData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || code.length !== 5) return false;
  if (code === '23505' || code === '23P01') return false;
  return code.startsWith('22') || code.startsWith('23') || code.startsWith('54');
}

/** most pages a triage job sends at once for its new alerts of a tier that pages at once */
const INLINE_PAGES_AT_ONCE = 4;

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
    private readonly digests: DigestService,
    private readonly metrics: KlaxonMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Applies a batch; if PostgreSQL refuses its data (a value no parser caught), the batch is split in
   * halves, each applied as its own batch (own id, so exactly once), until the one alert it refuses is
   * alone: that one goes to the rejected-input log with the reason, and every other alert is kept.
   * Anything else (PostgreSQL down, a deadlock) fails the job, and BullMQ retries it.
   */
  async applyBatch(payload: TriageBatchPayload): Promise<TriageBatchResult | { split: true }> {
    try {
      return await this.applyWhole(payload);
    } catch (err) {
      if (!refusedData(err)) throw err;
      const reason = (err as Error).message;
      if (payload.alerts.length <= 1) {
        const [alert] = payload.alerts;
        this.logger.error({ batchId: payload.batchId, ingestId: alert?.id, error: reason }, 'PostgreSQL refused an accepted alert; kept in the rejected-input log');
        const rejected = alert
          ? [{ receivedAt: alert.receivedAt, integration: alert.integration, endpoint: 'triage', line: null, input: JSON.stringify(alert).slice(0, 4000), error: `could not be stored: ${reason}` }]
          : [];
        await this.applyWhole({ batchId: `${payload.batchId}-x`, alerts: [], rejected: [...payload.rejected, ...rejected] });
        return { split: true };
      }
      const half = Math.ceil(payload.alerts.length / 2);
      this.logger.warn({ batchId: payload.batchId, alerts: payload.alerts.length, error: reason }, 'PostgreSQL refused a triage batch; splitting it to find the alert it refuses');
      await this.applyBatch({ batchId: `${payload.batchId}-a`, alerts: payload.alerts.slice(0, half), rejected: payload.rejected });
      await this.applyBatch({ batchId: `${payload.batchId}-b`, alerts: payload.alerts.slice(half), rejected: [] });
      return { split: true };
    }
  }

  private async applyWhole(payload: TriageBatchPayload): Promise<TriageBatchResult> {
    // a job holds each sender's reports together (the mover's cut): hash each sender once
    const fingerprints = new Map<string, string>();
    const items: TriageItem[] = payload.alerts.map((alert) => {
      const key = reportKeyOf(alert);
      let fingerprint = fingerprints.get(key);
      if (fingerprint === undefined) fingerprints.set(key, (fingerprint = fingerprintOf(alert)));
      return { alert, fingerprint };
    });
    const now = new Date();
    const silences = items.length > 0 ? await this.silences.current(now) : [];
    const silenceFor =
      silences.length === 0 ? undefined : (alert: TriageItem['alert'], fingerprint: string) => activeSilenceFor(silences, { ...alert, fingerprint }, now)?.id ?? null;
    const result = await this.alerts.applyTriageBatch(
      payload.batchId,
      items.map((i) => i.fingerprint),
      payload.rejected,
      (state) => planTriage(items, state, (alert) => this.classifier.classify(alert), randomUUID, silenceFor, this.config.config.flapping ?? undefined),
    );
    if (!result.applied) {
      // A retry of a batch that committed: its follow-ups may not have been queued before the failure.
      this.logger.info({ batchId: payload.batchId }, 'triage batch already applied; replaying its follow-ups');
      await this.followUp(result.outcome, payload.batchId);
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
    await this.followUp(outcome, payload.batchId);
    return result;
  }

  /**
   * Pages alerts of a tier that pages at once from the triage job itself, a few at a time: a job of
   * hundreds of new P0s (a storm's urgent lane moves as one job) would otherwise have hundreds of sends in
   * flight, and a send a crash interrupts after it was claimed waits for its claim to go stale before it is
   * taken over (the taker asks the provider first, so no double page).
   */
  private async pageAtOnce(alertIds: readonly string[]): Promise<void> {
    let next = 0;
    const failures: unknown[] = [];
    const sender = async () => {
      while (next < alertIds.length) {
        const alertId = alertIds[next++]!;
        // one page that cannot go now (e.g. a send a dead worker left claimed) must not hold back the others;
        // the job still fails afterwards, and its retry replays the pages (those sent are not sent again)
        try {
          await this.paging.page({ alertId, step: 0, round: 0 });
        } catch (err) {
          failures.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(INLINE_PAGES_AT_ONCE, alertIds.length) }, sender));
    if (failures.length > 0) throw failures[0];
  }

  /**
   * Pages for opened alerts and recovery notices for resolved ones. A tier
   * that pages at once (no grouping window: critical) is paged right here, one
   * queue hop sooner; if this worker dies meanwhile, the batch's retry replays
   * its follow-ups and paging picks up where it stopped. Other tiers go to
   * their queues; job ids make replays harmless. Digest tiers are paged by
   * their digest, not alert by alert: a new one opens the tier's digest window.
   */
  private async followUp(outcome: TriageOutcome, batchId: string): Promise<void> {
    const tiers = this.config.config.tiers;
    const paged = (tier: string) => tiers[tier as TierName]?.digestEveryMs === undefined;
    const atOnce = (tier: string) => tiers[tier as TierName]?.groupWindowMs === 0;
    const pages = outcome.pages.filter((p) => paged(p.tier));
    const digestTiers = new Set(outcome.pages.filter((p) => !paged(p.tier)).map((p) => p.tier));
    await Promise.all([
      ...[...digestTiers].map((tier) => this.digests.alertsOpened(tier)),
      this.pageAtOnce(pages.filter((p) => atOnce(p.tier)).map((p) => p.alertId)),
      this.replyCodes.releaseForAlerts(outcome.resolved),
      // "silence until OK": their alert resolved, so they end
      this.silences.expireUntil(outcome.resolved),
      ...pages.filter((p) => !atOnce(p.tier)).map(({ alertId, tier }) =>
        // the tier is in the id: an alert raised to a more urgent tier is paged again, by that tier's channels
        this.producer.enqueue(NOTIFY_QUEUE[tier as TierName], JobName.pageAlert, { alertId, step: 0, round: 0 }, { jobId: `page-${alertId}-0-0-${tier}` }),
      ),
      // flapping: one notice per episode instead of a page per cycle; a held OK is checked once it had time to hold
      ...outcome.flapNotices.map(({ alertId, tier }) =>
        this.producer.enqueue(NOTIFY_QUEUE[tier as TierName], JobName.flapNotice, { alertId, noticeId: batchId }, { jobId: `flap-notice-${alertId}-${batchId}` }),
      ),
      ...outcome.stabilityChecks.map(({ alertId, tier, at }) =>
        this.producer.enqueue(NOTIFY_QUEUE[(tier ?? 'critical') as TierName], JobName.checkStable, { alertId }, { jobId: `check-stable-${alertId}-${at.getTime()}`, delay: Math.max(0, at.getTime() - Date.now()) }),
      ),
      ...outcome.recoveries.filter((r) => paged(r.tier)).map(({ alertId, tier }) =>
        this.producer.enqueue(NOTIFY_QUEUE[tier as TierName], JobName.sendRecovery, { alertId }, { jobId: `recovery-${alertId}-${batchId}` }),
      ),
    ]);
  }
}
