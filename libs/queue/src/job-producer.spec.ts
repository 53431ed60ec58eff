import { RetryAfterError, cappedExponentialBackoff } from './job-producer';

describe('cappedExponentialBackoff', () => {
  it('doubles from 0.5 s and stops at 60 s', () => {
    expect([1, 2, 3, 4, 8, 9, 200].map((n) => cappedExponentialBackoff(n, 'capped-exponential'))).toEqual([500, 1000, 2000, 4000, 60_000, 60_000, 60_000]);
  });

  it('waits as long as a RetryAfterError asks instead, within 0 and 60 s', () => {
    expect(cappedExponentialBackoff(7, 'capped-exponential', new RetryAfterError('claim not stale yet', 12_345))).toBe(12_345);
    expect(cappedExponentialBackoff(1, 'capped-exponential', new RetryAfterError('long', 600_000))).toBe(60_000);
    expect(cappedExponentialBackoff(1, 'capped-exponential', new RetryAfterError('past', -5))).toBe(0);
    expect(cappedExponentialBackoff(3, 'capped-exponential', new Error('plain'))).toBe(2000);
  });

  it('leaves other backoff types to BullMQ', () => {
    expect(cappedExponentialBackoff(1, 'exponential')).toBe(-1);
    expect(cappedExponentialBackoff(1, undefined, new RetryAfterError('x', 10))).toBe(-1);
  });
});
