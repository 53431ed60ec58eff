import { formatLocalDateTime, isValidTimeZone, localDateTimeToUtc, parseLocalDateTime, toLocalDateTime } from './local-time';

describe('local time', () => {
  it.each(['UTC', 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York'])('knows %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });
  it.each(['', 'Mars/Olympus', 'GMT+25', 'asia shanghai'])('rejects %j', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
  });

  it.each([
    ['2026-01-05T09:00:00', '2026-01-05T09:00:00'],
    ['2026-01-05T09:00', '2026-01-05T09:00:00'],
    ['2026-01-05', '2026-01-05T00:00:00'],
  ])('parses %s', (text, normal) => {
    const parsed = parseLocalDateTime(text);
    expect(parsed && formatLocalDateTime(parsed)).toBe(normal);
  });
  it.each(['2026-02-30T09:00:00', '2026-01-05T24:00:00', '2026-01-05T09:00:00Z', '2026-01-05T09:00:00+08:00', '5 Jan 2026'])(
    'refuses %s',
    (text) => {
      expect(parseLocalDateTime(text)).toBeUndefined();
    },
  );

  it.each([
    ['2026-01-05T09:00:00', 'Asia/Shanghai', '2026-01-05T01:00:00.000Z'],
    ['2026-01-05T09:00:00', 'UTC', '2026-01-05T09:00:00.000Z'],
    ['2026-07-01T12:00:00', 'Europe/Berlin', '2026-07-01T10:00:00.000Z'],
    ['2026-01-01T12:00:00', 'Europe/Berlin', '2026-01-01T11:00:00.000Z'],
    ['2026-03-08T02:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z'],
  ])('%s in %s is %s', (local, tz, utc) => {
    const parsed = parseLocalDateTime(local);
    if (!parsed) throw new Error('unparsable');
    expect(localDateTimeToUtc(parsed, tz).toISOString()).toBe(utc);
  });

  it('reads the wall clock back', () => {
    expect(formatLocalDateTime(toLocalDateTime(new Date('2026-01-05T01:00:00Z'), 'Asia/Shanghai'))).toBe('2026-01-05T09:00:00');
  });
});
