import type { TierConfig } from '@klaxon/config';
import { QueueName } from '@klaxon/queue';

/**
 * Which triage lane an alert of this tier takes. The urgent lane becomes triage
 * jobs at once; the normal lane goes through the ingest log, whose mover
 * gathers up to a quarter second of it under load. So the tiers someone may be
 * paged by soon take the urgent lane: critical and high, and any tier that
 * pages as soon as an alert opens (no grouping window, no digest). A priority
 * in no tier takes the normal lane.
 */
export function ingestLaneOf(tier: TierConfig | undefined): QueueName {
  if (tier === undefined) return QueueName.triage;
  const pagesAtOnce = tier.groupWindowMs === 0 && tier.digestEveryMs === undefined;
  return tier.name === 'critical' || tier.name === 'high' || pagesAtOnce ? QueueName.triageUrgent : QueueName.triage;
}
