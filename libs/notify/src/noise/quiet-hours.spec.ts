import type { QuietHours } from '@klaxon/config';
import { inQuietHours, quietHoursEnd, smsDecision, type QuietHoursUser } from './quiet-hours';

const user = (timezone: string, quietHours?: QuietHours): QuietHoursUser => ({ timezone, quietHours });
const shanghai = user('Asia/Shanghai', { from: '23:00', to: '08:00' });
const newYork = user('America/New_York', { from: '22:00', to: '07:00' });

describe('inQuietHours / quietHoursEnd', () => {
  it.each<[string, QuietHoursUser, string, string | null]>([
    // Asia/Shanghai is UTC+8 all year
    ['Shanghai 22:59, before the window', shanghai, '2026-03-10T14:59:00Z', null],
    ['Shanghai 23:00, the window opens', shanghai, '2026-03-10T15:00:00Z', '2026-03-11T00:00:00.000Z'],
    ['Shanghai 23:30, before midnight: ends tomorrow 08:00', shanghai, '2026-03-10T15:30:00Z', '2026-03-11T00:00:00.000Z'],
    ['Shanghai 00:30, after midnight: ends today 08:00', shanghai, '2026-03-10T16:30:00Z', '2026-03-11T00:00:00.000Z'],
    ['Shanghai 07:59', shanghai, '2026-03-10T23:59:00Z', '2026-03-11T00:00:00.000Z'],
    ['Shanghai 08:00, the window closed (half-open)', shanghai, '2026-03-11T00:00:00Z', null],
    ['Shanghai 12:00 (UTC 04:00, would be quiet in UTC)', shanghai, '2026-03-11T04:00:00Z', null],
    // America/New_York, winter (UTC-5)
    ['New York 22:30 EST', newYork, '2026-01-15T03:30:00Z', '2026-01-15T12:00:00.000Z'],
    ['New York 06:59 EST', newYork, '2026-01-15T11:59:00Z', '2026-01-15T12:00:00.000Z'],
    ['New York 07:00 EST', newYork, '2026-01-15T12:00:00Z', null],
    ['New York 21:00 EST', newYork, '2026-01-16T02:00:00Z', null],
    // summer (UTC-4)
    ['New York 23:00 EDT', newYork, '2026-07-01T03:00:00Z', '2026-07-01T11:00:00.000Z'],
    // DST: spring forward 2026-03-08 02:00 EST -> 03:00 EDT; the night is an hour shorter
    ['New York spring-forward night, 23:00 EST', newYork, '2026-03-08T04:00:00Z', '2026-03-08T11:00:00.000Z'],
    ['New York spring-forward, 03:30 EDT', newYork, '2026-03-08T07:30:00Z', '2026-03-08T11:00:00.000Z'],
    ['window ending in the gap ends when the clocks jump', user('America/New_York', { from: '23:00', to: '02:30' }), '2026-03-08T06:00:00Z', '2026-03-08T07:00:00.000Z'],
    // DST: fall back 2026-11-01 02:00 EDT -> 01:00 EST; the night is an hour longer
    ['New York fall-back night, 22:30 EDT', newYork, '2026-11-01T02:30:00Z', '2026-11-01T12:00:00.000Z'],
    ['window ending at an ambiguous 01:30 ends at its first occurrence', user('America/New_York', { from: '23:00', to: '01:30' }), '2026-11-01T04:00:00Z', '2026-11-01T05:30:00.000Z'],
    ['...and the repeated 01:15 EST is quiet again, ending at the second 01:30', user('America/New_York', { from: '23:00', to: '01:30' }), '2026-11-01T06:15:00Z', '2026-11-01T06:30:00.000Z'],
    // a window within one day
    ['daytime window 12:00-14:00 UTC, inside', user('UTC', { from: '12:00', to: '14:00' }), '2026-05-05T13:00:00Z', '2026-05-05T14:00:00.000Z'],
    ['daytime window 12:00-14:00 UTC, outside', user('UTC', { from: '12:00', to: '14:00' }), '2026-05-05T11:59:00Z', null],
    ['from == to means no quiet hours', user('UTC', { from: '08:00', to: '08:00' }), '2026-05-05T08:00:00Z', null],
    ['no quiet hours configured', user('Asia/Shanghai'), '2026-03-10T16:30:00Z', null],
  ])('%s', (_name, u, at, end) => {
    expect(inQuietHours(u, new Date(at))).toBe(end !== null);
    expect(quietHoursEnd(u, new Date(at))?.toISOString() ?? null).toBe(end);
  });

  it('rejects a malformed time', () => {
    expect(() => inQuietHours(user('UTC', { from: '25:00', to: '08:00' }), new Date('2026-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => inQuietHours(user('UTC', { from: '7:00', to: '08:00' }), new Date('2026-01-01T00:00:00Z'))).toThrow(RangeError);
  });
});

describe('smsDecision', () => {
  const quiet = new Date('2026-03-10T16:30:00Z'); // 00:30 in Shanghai
  const awake = new Date('2026-03-11T04:00:00Z'); // 12:00 in Shanghai
  it.each<[string, 'ignore' | 'defer', Date, ReturnType<typeof smsDecision>]>([
    ['critical/high pierce quiet hours', 'ignore', quiet, { send: 'now' }],
    ['medium waits until quiet hours end', 'defer', quiet, { send: 'at', at: new Date('2026-03-11T00:00:00Z') }],
    ['medium outside quiet hours goes now', 'defer', awake, { send: 'now' }],
    ['ignore outside quiet hours goes now', 'ignore', awake, { send: 'now' }],
  ])('%s', (_name, mode, at, expected) => {
    expect(smsDecision({ quietHours: mode }, shanghai, at)).toEqual(expected);
  });
});
