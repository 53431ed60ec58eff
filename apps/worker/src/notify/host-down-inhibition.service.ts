import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore } from '@klaxon/config';
import { NoiseRepository, type AlertSummary, type OpenHostAlert } from '@klaxon/db';
import { JobName, JobProducer, NOTIFY_QUEUE, type TierName } from '@klaxon/queue';
import { holderOf, isHostDown } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';

/**
 * Host-down inhibition (SPEC §5), with no rules to write: while a host has an open host-down-class alert
 * (the config's `inhibit.hostDown` patterns), the other alerts of that host or address are attached to it
 * and page nobody; when it resolves, those still firing are paged then.
 */
@Injectable()
export class HostDownInhibition {
  constructor(
    private readonly noise: NoiseRepository,
    private readonly config: ConfigStore,
    private readonly producer: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Holds the alert if its host is down; true when it is held (it pages nobody now). */
  async holdIfHostDown(alert: AlertSummary): Promise<boolean> {
    return (await this.inhibitedNow([alert])).has(alert.id);
  }

  /** Which of these alerts a host-down alert holds now; each is attached to its holder (once, on its timeline). */
  async inhibitedNow(alerts: readonly AlertSummary[]): Promise<Set<string>> {
    const { hostDown: patterns, hostDownSubstrings } = this.config.config.inhibit;
    // an alert that says its host is down is never held: no need to look (a P0 `host is down` pages at once)
    const candidates = alerts.filter((a) => patterns.length > 0 && a.status !== 'resolved' && !isHostDown(a.message, patterns));
    if (candidates.length === 0) return new Set();
    const open: OpenHostAlert[] = await this.noise.openAlertsOn(
      candidates.map((a) => a.host),
      candidates.map((a) => a.ip),
      { exclude: candidates.map((a) => a.id), messageSubstrings: hostDownSubstrings },
    );
    const held = new Set<string>();
    for (const alert of candidates) {
      const holder = holderOf(alert, open, patterns);
      if (!holder) continue;
      held.add(alert.id);
      if (await this.noise.inhibit(alert.id, holder)) {
        this.logger.info({ alertId: alert.id, number: alert.number, heldBy: holder.number, host: alert.host }, 'held: its host is down');
      }
    }
    return held;
  }

  /** A host-down alert resolved: page the alerts it held that still fire. */
  async release(hostDownId: string): Promise<void> {
    const freed = await this.noise.release(hostDownId);
    const toPage = freed.filter((a) => a.status === 'firing' && !a.silenced && a.tier !== null);
    if (freed.length > 0) this.logger.info({ hostDownId, released: freed.length, paging: toPage.length }, 'host back: releasing the alerts it held');
    await Promise.all(
      toPage.map((a) =>
        this.producer.enqueue(NOTIFY_QUEUE[a.tier as TierName], JobName.pageAlert, { alertId: a.id, step: 0, round: 0 }, { jobId: `page-${a.id}-0-0-${a.tier}-released-${hostDownId}` }),
      ),
    );
  }
}
