import { parseLocalDateTime } from '@klaxon/config';
import { localWallTimeToInstant, wallClockToInstantMs, wallMsAt } from './wall-clock';

function local(text: string) {
  const parsed = parseLocalDateTime(text);
  if (!parsed) throw new Error(`bad local time ${text}`);
  return parsed;
}

describe('localWallTimeToInstant', () => {
  it.each([
    // zones without DST
    ['2026-01-05T09:00:00', 'Asia/Shanghai', '2026-01-05T01:00:00.000Z', 'plain'],
    ['2026-07-05T09:00:00', 'UTC', '2026-07-05T09:00:00.000Z', 'plain'],
    // New York, spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z)
    ['2026-03-08T01:59:59', 'America/New_York', '2026-03-08T06:59:59.000Z', 'last second before the gap'],
    ['2026-03-08T02:00:00', 'America/New_York', '2026-03-08T07:00:00.000Z', 'gap: first valid instant after'],
    ['2026-03-08T02:30:00', 'America/New_York', '2026-03-08T07:00:00.000Z', 'gap: first valid instant after'],
    ['2026-03-08T02:59:59', 'America/New_York', '2026-03-08T07:00:00.000Z', 'gap: first valid instant after'],
    ['2026-03-08T03:00:00', 'America/New_York', '2026-03-08T07:00:00.000Z', 'first time after the gap'],
    ['2026-03-08T09:00:00', 'America/New_York', '2026-03-08T13:00:00.000Z', 'EDT'],
    // New York, fall back 2026-11-01 02:00 EDT → 01:00 EST
    ['2026-11-01T00:59:59', 'America/New_York', '2026-11-01T04:59:59.000Z', 'before the overlap'],
    ['2026-11-01T01:00:00', 'America/New_York', '2026-11-01T05:00:00.000Z', 'overlap: first occurrence'],
    ['2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z', 'overlap: first occurrence'],
    ['2026-11-01T02:00:00', 'America/New_York', '2026-11-01T07:00:00.000Z', 'after the overlap'],
    // Berlin: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET
    ['2026-03-29T02:30:00', 'Europe/Berlin', '2026-03-29T01:00:00.000Z', 'gap: first valid instant after'],
    ['2026-10-25T02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00.000Z', 'overlap: first occurrence'],
    // Lord Howe: a 30-minute jump, 2026-10-04 02:00 (+10:30) → 02:30 (+11:00)
    ['2026-10-04T02:15:00', 'Australia/Lord_Howe', '2026-10-03T15:30:00.000Z', 'half-hour gap'],
    // Samoa skipped all of 2011-12-30 (−10:00 → +14:00)
    ['2011-12-30T12:00:00', 'Pacific/Apia', '2011-12-30T10:00:00.000Z', 'a whole day skipped'],
  ])('%s in %s is %s (%s)', (text, zone, utc) => {
    expect(localWallTimeToInstant(local(text), zone).toISOString()).toBe(utc);
  });

  it('keeps milliseconds of the wall time', () => {
    const wall = Date.UTC(2026, 2, 8, 9, 0, 0, 250);
    expect(new Date(wallClockToInstantMs(wall, 'America/New_York')).toISOString()).toBe('2026-03-08T13:00:00.250Z');
  });

  it('reads the wall clock at an instant, both occurrences of a repeated hour', () => {
    expect(new Date(wallMsAt(Date.parse('2026-11-01T05:30:00Z'), 'America/New_York')).toISOString()).toBe('2026-11-01T01:30:00.000Z');
    expect(new Date(wallMsAt(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York')).toISOString()).toBe('2026-11-01T01:30:00.000Z');
  });
});
