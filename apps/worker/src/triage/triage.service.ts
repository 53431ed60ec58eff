import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AlertRepository, type TriageBatchResult } from '@klaxon/db';
import { KlaxonMetrics } from '@klaxon/observability';
import type { TriageBatchPayload } from '@klaxon/queue';
import { fingerprintOf, planTriage, type TriageItem } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';
import { AlertClassifier } from './alert-classifier';

/** Applies a batch of accepted alerts: dedup, lifecycle, timeline (SPEC §4). */
@Injectable()
export class TriageService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly classifier: AlertClassifier,
    private readonly metrics: KlaxonMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async applyBatch(payload: TriageBatchPayload): Promise<TriageBatchResult> {
    const items: TriageItem[] = payload.alerts.map((alert) => ({ alert, fingerprint: fingerprintOf(alert) }));
    const result = await this.alerts.applyTriageBatch(
      payload.batchId,
      items.map((i) => i.fingerprint),
      payload.rejected,
      (state) => planTriage(items, state, (alert) => this.classifier.classify(alert), randomUUID),
    );
    if (!result.applied) {
      this.logger.info({ batchId: payload.batchId }, 'triage batch already applied; skipped');
      return result;
    }
    const { outcome } = result;
    const now = Date.now();
    for (const alert of payload.alerts) this.metrics.endToEndLatency.observe({ stage: 'triaged' }, (now - alert.receivedAt) / 1000);
    this.metrics.triaged.inc({ outcome: 'opened' }, outcome.opened.length);
    this.metrics.triaged.inc({ outcome: 'resolved' }, outcome.resolved.length);
    this.metrics.triaged.inc({ outcome: 'deduplicated' }, outcome.deduplicated);
    this.metrics.triaged.inc({ outcome: 'stale' }, outcome.stale);
    this.metrics.triaged.inc({ outcome: 'ok-without-alert' }, outcome.okWithoutAlert);
    return result;
  }
}
