import { DEFAULT_TIERS } from '@klaxon/config';
import { ingestLaneOf } from './ingest-lane';

describe('ingestLaneOf', () => {
  it('sends the default critical and high tiers to the urgent lane, medium and low (grouped, digested) to the log', () => {
    expect(ingestLaneOf(DEFAULT_TIERS.critical)).toBe('urgent');
    expect(ingestLaneOf(DEFAULT_TIERS.high)).toBe('urgent');
    expect(ingestLaneOf(DEFAULT_TIERS.medium)).toBe('normal');
    expect(ingestLaneOf(DEFAULT_TIERS.low)).toBe('normal');
    expect(ingestLaneOf(undefined)).toBe('normal');
  });

  it('sends a tier configured to page at once (no grouping window, no digest) to the urgent lane', () => {
    expect(ingestLaneOf({ ...DEFAULT_TIERS.medium, groupWindowMs: 0 })).toBe('urgent');
    const { digestEveryMs: _digest, ...undigested } = DEFAULT_TIERS.low;
    expect(ingestLaneOf(undigested)).toBe('urgent');
  });
});
