import { DEFAULT_TIERS } from '@klaxon/config';
import { QueueName } from '@klaxon/queue';
import { ingestLaneOf } from './ingest-lane';

describe('ingestLaneOf', () => {
  it('sends the default critical and high tiers to the urgent lane, medium and low (grouped, digested) to the log', () => {
    expect(ingestLaneOf(DEFAULT_TIERS.critical)).toBe(QueueName.triageUrgent);
    expect(ingestLaneOf(DEFAULT_TIERS.high)).toBe(QueueName.triageUrgent);
    expect(ingestLaneOf(DEFAULT_TIERS.medium)).toBe(QueueName.triage);
    expect(ingestLaneOf(DEFAULT_TIERS.low)).toBe(QueueName.triage);
    expect(ingestLaneOf(undefined)).toBe(QueueName.triage);
  });

  it('sends a tier configured to page at once (no grouping window, no digest) to the urgent lane', () => {
    expect(ingestLaneOf({ ...DEFAULT_TIERS.medium, groupWindowMs: 0 })).toBe(QueueName.triageUrgent);
    const { digestEveryMs: _digest, ...undigested } = DEFAULT_TIERS.low;
    expect(ingestLaneOf(undigested)).toBe(QueueName.triageUrgent);
  });
});
