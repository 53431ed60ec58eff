import type { TierConfig } from '@klaxon/config';
import type { IngestLane } from '@klaxon/queue';

/**
 * Which triage lane an alert of this tier takes. Each lane has an ingest log:
 * the urgent lane's is moved into triage jobs at once, the normal lane's is
 * gathered (250 ms under load, a second in a flood). So the tiers someone may be
 * paged by soon take the urgent lane: critical and high, and any tier that
 * pages as soon as an alert opens (no grouping window, no digest). A priority
 * in no tier takes the normal lane.
 */
export function ingestLaneOf(tier: TierConfig | undefined): IngestLane {
  if (tier === undefined) return 'normal';
  const pagesAtOnce = tier.groupWindowMs === 0 && tier.digestEveryMs === undefined;
  return tier.name === 'critical' || tier.name === 'high' || pagesAtOnce ? 'urgent' : 'normal';
}
