import { localDateTimeToUtc, parseDuration, parseKlaxonConfig, parseLocalDateTime, type ScheduleConfig } from '@klaxon/config';
import { stringify } from 'yaml';
import {
  MAX_OVERRIDE_MS,
  onCallNext,
  onCallNow,
  type OnCallPeriod,
  type ScheduleOverride,
  shiftAt,
  validateOverride,
  withOverrides,
} from './rotation';

const HOUR = 3_600_000;

function schedule(timezone: string, members: string[], shift: string, start: string): ScheduleConfig {
  const local = parseLocalDateTime(start);
  if (!local) throw new Error(`bad start ${start}`);
  return {
    id: 'test-schedule',
    timezone,
    rotation: { members, shiftMs: parseDuration(shift), start, handoff: start.slice(11, 16), startsAtMs: localDateTimeToUtc(local, timezone).getTime() },
  };
}

const abc = ['alice', 'bob', 'carol'];
const ab = ['alice', 'bob'];

describe('shiftAt', () => {
  type Row = [label: string, tz: string, members: string[], shift: string, start: string, at: string, member: string, index: number, startsAt: string, endsAt: string];
  const rows: Row[] = [
    // Asia/Shanghai (UTC+8, no DST): weekly and daily, hand-off 09:00 local = 01:00Z
    ['Shanghai weekly, first instant', 'Asia/Shanghai', ab, '1w', '2026-01-05T09:00:00', '2026-01-05T01:00:00.000Z', 'alice', 0, '2026-01-05T01:00:00.000Z', '2026-01-12T01:00:00.000Z'],
    ['Shanghai weekly, last instant', 'Asia/Shanghai', ab, '1w', '2026-01-05T09:00:00', '2026-01-12T00:59:59.999Z', 'alice', 0, '2026-01-05T01:00:00.000Z', '2026-01-12T01:00:00.000Z'],
    ['Shanghai weekly, second week', 'Asia/Shanghai', ab, '1w', '2026-01-05T09:00:00', '2026-01-12T01:00:00.000Z', 'bob', 1, '2026-01-12T01:00:00.000Z', '2026-01-19T01:00:00.000Z'],
    ['Shanghai weekly, months later', 'Asia/Shanghai', ab, '1w', '2026-01-05T09:00:00', '2026-07-01T00:00:00.000Z', 'bob', 25, '2026-06-29T01:00:00.000Z', '2026-07-06T01:00:00.000Z'],
    ['Shanghai daily, on US DST day still 24 h', 'Asia/Shanghai', abc, '1d', '2026-01-05T09:00:00', '2026-03-08T12:00:00.000Z', 'carol', 62, '2026-03-08T01:00:00.000Z', '2026-03-09T01:00:00.000Z'],

    // America/New_York daily, hand-off 09:00 local: 14:00Z in EST, 13:00Z in EDT
    ['NY daily, spring-forward day is 23 h', 'America/New_York', abc, '1d', '2026-03-01T09:00:00', '2026-03-07T20:00:00.000Z', 'alice', 6, '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['NY daily, last ms before 09:00 EDT', 'America/New_York', abc, '1d', '2026-03-01T09:00:00', '2026-03-08T12:59:59.999Z', 'alice', 6, '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['NY daily, 09:00 EDT hands off', 'America/New_York', abc, '1d', '2026-03-01T09:00:00', '2026-03-08T13:00:00.000Z', 'bob', 7, '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    ['NY daily, fall-back day is 25 h', 'America/New_York', abc, '1d', '2026-03-01T09:00:00', '2026-11-01T06:30:00.000Z', 'bob', 244, '2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z'],
    ['NY daily, 09:00 EST hands off', 'America/New_York', abc, '1d', '2026-03-01T09:00:00', '2026-11-01T14:00:00.000Z', 'carol', 245, '2026-11-01T14:00:00.000Z', '2026-11-02T14:00:00.000Z'],
    // America/New_York weekly, Mondays 09:00
    ['NY weekly, week of spring forward is 167 h', 'America/New_York', ab, '1w', '2026-03-02T09:00:00', '2026-03-08T12:00:00.000Z', 'alice', 0, '2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    ['NY weekly, week of fall back is 169 h', 'America/New_York', ab, '1w', '2026-03-02T09:00:00', '2026-11-01T12:00:00.000Z', 'alice', 34, '2026-10-26T13:00:00.000Z', '2026-11-02T14:00:00.000Z'],

    // Europe/Berlin, hand-off 09:00 local: 08:00Z in CET, 07:00Z in CEST
    ['Berlin daily, spring-forward day is 23 h', 'Europe/Berlin', ab, '1d', '2026-03-23T09:00:00', '2026-03-28T23:00:00.000Z', 'bob', 5, '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z'],
    ['Berlin daily, day after', 'Europe/Berlin', ab, '1d', '2026-03-23T09:00:00', '2026-03-29T07:00:00.000Z', 'alice', 6, '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ['Berlin daily, fall-back day is 25 h', 'Europe/Berlin', ab, '1d', '2026-03-23T09:00:00', '2026-10-25T07:30:00.000Z', 'bob', 215, '2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z'],
    ['Berlin daily, day after fall back', 'Europe/Berlin', ab, '1d', '2026-03-23T09:00:00', '2026-10-25T08:00:00.000Z', 'alice', 216, '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    ['Berlin weekly, spring week is 167 h', 'Europe/Berlin', abc, '1w', '2026-03-23T09:00:00', '2026-03-25T12:00:00.000Z', 'alice', 0, '2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ['Berlin weekly, autumn week is 169 h', 'Europe/Berlin', abc, '1w', '2026-03-23T09:00:00', '2026-10-25T12:00:00.000Z', 'alice', 30, '2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z'],

    // 12 h shifts hand off at 09:00 and 21:00 local: the night of the change is 11 h or 13 h
    ['NY 12h, spring night is 11 h', 'America/New_York', ab, '12h', '2026-03-01T09:00:00', '2026-03-08T10:00:00.000Z', 'bob', 13, '2026-03-08T02:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['NY 12h, day after is 12 h', 'America/New_York', ab, '12h', '2026-03-01T09:00:00', '2026-03-08T13:00:00.000Z', 'alice', 14, '2026-03-08T13:00:00.000Z', '2026-03-09T01:00:00.000Z'],
    ['NY 12h, autumn night is 13 h', 'America/New_York', ab, '12h', '2026-03-01T09:00:00', '2026-11-01T06:00:00.000Z', 'bob', 489, '2026-11-01T01:00:00.000Z', '2026-11-01T14:00:00.000Z'],
    ['Berlin 12h, spring night is 11 h', 'Europe/Berlin', ab, '12h', '2026-03-23T09:00:00', '2026-03-29T03:00:00.000Z', 'bob', 11, '2026-03-28T20:00:00.000Z', '2026-03-29T07:00:00.000Z'],

    // 8 h shifts at 01:00, 09:00, 17:00 New York: 01:00 on 2026-11-01 exists twice → first occurrence (EDT)
    ['NY 8h, 01:00 in the gap day is 7 h', 'America/New_York', abc, '8h', '2026-03-01T01:00:00', '2026-03-08T08:00:00.000Z', 'alice', 21, '2026-03-08T06:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['NY 8h, shift before the overlap', 'America/New_York', abc, '8h', '2026-03-01T01:00:00', '2026-11-01T04:59:59.999Z', 'carol', 734, '2026-10-31T21:00:00.000Z', '2026-11-01T05:00:00.000Z'],
    ['NY 8h, 01:30 EDT (first 01:30)', 'America/New_York', abc, '8h', '2026-03-01T01:00:00', '2026-11-01T05:30:00.000Z', 'alice', 735, '2026-11-01T05:00:00.000Z', '2026-11-01T14:00:00.000Z'],
    ['NY 8h, 01:30 EST (second 01:30) same shift', 'America/New_York', abc, '8h', '2026-03-01T01:00:00', '2026-11-01T06:30:00.000Z', 'alice', 735, '2026-11-01T05:00:00.000Z', '2026-11-01T14:00:00.000Z'],
    // a daily hand-off at 01:30 on the fall-back day: first occurrence, so that day is 25 h after it
    ['NY daily 01:30, hand-off at the first 01:30', 'America/New_York', ab, '1d', '2026-10-25T01:30:00', '2026-11-01T05:30:00.000Z', 'bob', 7, '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    ['NY daily 01:30, day before is 24 h', 'America/New_York', ab, '1d', '2026-10-25T01:30:00', '2026-11-01T05:29:59.999Z', 'alice', 6, '2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z'],

    // a 02:30 hand-off does not exist on 2026-03-08 in New York → at 03:00 EDT (07:00Z), the first valid instant after
    ['NY 02:30 hand-off, the day before the gap', 'America/New_York', ab, '1d', '2026-03-01T02:30:00', '2026-03-08T06:59:59.999Z', 'alice', 6, '2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z'],
    ['NY 02:30 hand-off, in the gap at 03:00 EDT', 'America/New_York', ab, '1d', '2026-03-01T02:30:00', '2026-03-08T07:00:00.000Z', 'bob', 7, '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    ['NY 02:30 hand-off, next day back at 02:30', 'America/New_York', ab, '1d', '2026-03-01T02:30:00', '2026-03-09T06:30:00.000Z', 'alice', 8, '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'],
    ['NY start itself in the gap', 'America/New_York', ab, '1d', '2026-03-08T02:30:00', '2026-03-08T07:00:00.000Z', 'alice', 0, '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],

    // before the start: count backwards, member = index modulo members
    ['Shanghai daily, last ms before the start', 'Asia/Shanghai', abc, '1d', '2026-01-05T09:00:00', '2026-01-05T00:59:59.999Z', 'carol', -1, '2026-01-04T01:00:00.000Z', '2026-01-05T01:00:00.000Z'],
    ['Shanghai daily, three shifts before', 'Asia/Shanghai', abc, '1d', '2026-01-05T09:00:00', '2026-01-02T05:00:00.000Z', 'alice', -3, '2026-01-02T01:00:00.000Z', '2026-01-03T01:00:00.000Z'],
    ['Shanghai daily, five shifts before', 'Asia/Shanghai', abc, '1d', '2026-01-05T09:00:00', '2025-12-31T16:00:00.000Z', 'bob', -5, '2025-12-31T01:00:00.000Z', '2026-01-01T01:00:00.000Z'],
    ['NY daily before a start after the spring change', 'America/New_York', abc, '1d', '2026-03-10T09:00:00', '2026-03-07T15:00:00.000Z', 'alice', -3, '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['NY weekly before the start', 'America/New_York', ab, '1w', '2026-03-09T09:00:00', '2026-03-08T12:00:00.000Z', 'bob', -1, '2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z'],

    // one member: always them
    ['1 member, first shift', 'Europe/Berlin', ['alice'], '1w', '2026-03-23T09:00:00', '2026-03-23T08:00:00.000Z', 'alice', 0, '2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ['1 member, later shift', 'Europe/Berlin', ['alice'], '1w', '2026-03-23T09:00:00', '2026-04-01T00:00:00.000Z', 'alice', 1, '2026-03-30T07:00:00.000Z', '2026-04-06T07:00:00.000Z'],
    ['1 member, before the start', 'Europe/Berlin', ['alice'], '1w', '2026-03-23T09:00:00', '2026-03-20T00:00:00.000Z', 'alice', -1, '2026-03-16T08:00:00.000Z', '2026-03-23T08:00:00.000Z'],
  ];

  it.each(rows)('%s', (_label, tz, members, shift, start, at, member, index, startsAt, endsAt) => {
    const s = shiftAt(schedule(tz, members, shift, start), new Date(at));
    expect({ member: s.member, index: s.index, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() }).toEqual({ member, index, startsAt, endsAt });
    expect(members[s.memberIndex]).toBe(member);
    expect(s.startsAt.getTime()).toBeLessThanOrEqual(Date.parse(at));
    expect(s.endsAt.getTime()).toBeGreaterThan(Date.parse(at));
  });

  it.each([
    ['America/New_York', '2026-03-07T15:00:00.000Z', 23],
    ['America/New_York', '2026-10-31T15:00:00.000Z', 25],
    ['Europe/Berlin', '2026-03-28T12:00:00.000Z', 23],
    ['Europe/Berlin', '2026-10-24T12:00:00.000Z', 25],
    ['Asia/Shanghai', '2026-03-07T12:00:00.000Z', 24],
    ['Europe/Berlin', '2026-06-10T12:00:00.000Z', 24],
  ])('a daily shift in %s containing %s is %i h long and hands off at 09:00 local', (tz, at, hours) => {
    const s = shiftAt(schedule(tz, abc, '1d', '2026-01-05T09:00:00'), new Date(at));
    expect(s.endsAt.getTime() - s.startsAt.getTime()).toBe(hours * HOUR);
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(clock.format(s.startsAt)).toBe('09:00');
    expect(clock.format(s.endsAt)).toBe('09:00');
  });

  it('hands off at 09:00 New York every day of a year, and the shifts tile time', () => {
    const sched = schedule('America/New_York', abc, '1d', '2026-01-01T09:00:00');
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    let shift = shiftAt(sched, new Date('2026-01-01T14:00:00Z'));
    const lengths = new Map<number, number>();
    for (let day = 0; day < 365; day++) {
      expect(shift.index).toBe(day);
      expect(clock.format(shift.startsAt)).toBe('09:00');
      const hours = (shift.endsAt.getTime() - shift.startsAt.getTime()) / HOUR;
      lengths.set(hours, (lengths.get(hours) ?? 0) + 1);
      const next = shiftAt(sched, shift.endsAt);
      expect(next.startsAt.getTime()).toBe(shift.endsAt.getTime());
      shift = next;
    }
    expect(Object.fromEntries(lengths)).toEqual({ 23: 1, 24: 363, 25: 1 });
  });

  it('works on a schedule as the config loader builds it (date-only start + handoff)', () => {
    const config = parseKlaxonConfig(
      stringify({
        users: [{ id: 'alice' }, { id: 'bob' }],
        schedules: [{ id: 'ny', timezone: 'America/New_York', rotation: { members: ['alice', 'bob'], shift: '1d', start: '2026-03-01', handoff: '09:00' } }],
        integrations: [{ id: 'falcon', token: 'falcon-token-0123456789' }],
      }),
      {},
    );
    const sched = config.lookup.schedules.get('ny');
    if (!sched) throw new Error('schedule not loaded');
    // a fixed 24 h count from 2026-03-01 14:00Z would still say alice here (until 14:00Z)
    const s = shiftAt(sched, new Date('2026-03-08T13:30:00Z'));
    expect([s.member, s.index, s.startsAt.toISOString()]).toEqual(['bob', 7, '2026-03-08T13:00:00.000Z']);
  });

  it.each<[string, ScheduleConfig, RegExp]>([
    ['no members', schedule('UTC', [], '1d', '2026-01-01T09:00:00'), /no members/],
    ['a zero shift', { ...schedule('UTC', ab, '1d', '2026-01-01T09:00:00'), rotation: { ...schedule('UTC', ab, '1d', '2026-01-01T09:00:00').rotation, shiftMs: 0 } }, /positive/],
    ['a bad start', { ...schedule('UTC', ab, '1d', '2026-01-01T09:00:00'), rotation: { ...schedule('UTC', ab, '1d', '2026-01-01T09:00:00').rotation, start: 'soon' } }, /start "soon"/],
  ])('refuses %s', (_label, sched, message) => {
    expect(() => shiftAt(sched, new Date('2026-01-02T00:00:00Z'))).toThrow(message);
  });

  it('refuses an invalid date', () => {
    expect(() => shiftAt(schedule('UTC', ab, '1d', '2026-01-01T09:00:00'), new Date(Number.NaN))).toThrow(/not a valid date/);
  });
});

describe('overrides', () => {
  // Shanghai daily alice/bob, hand-off 09:00 local. `cst` reads a Shanghai wall time.
  const sched = schedule('Asia/Shanghai', ab, '1d', '2026-01-05T09:00:00');
  const cst = (text: string) => new Date(`${text}+08:00`);
  const iso = (text: string) => cst(text).toISOString();
  let nextId = 0;
  const override = (userId: string, from: string, to: string, created = '2026-01-01T00:00'): ScheduleOverride & { id: string } => ({
    id: `o${++nextId}`,
    userId,
    startsAt: cst(from),
    endsAt: cst(to),
    createdAt: cst(created),
  });

  type Summary = { userId: string; isOverride: boolean; since: string; until: string };
  const summary = (p: OnCallPeriod): Summary => ({ userId: p.userId, isOverride: p.isOverride, since: p.since.toISOString(), until: p.until.toISOString() });
  const period = (userId: string, isOverride: boolean, since: string, until: string): Summary => ({ userId, isOverride, since: iso(since), until: iso(until) });

  const tonight = override('carol', '2026-01-05T20:00', '2026-01-05T23:00'); // ends mid-shift (alice's)
  const acrossHandoff = override('dave', '2026-01-05T22:00', '2026-01-06T12:00'); // spans alice→bob at 09:00
  const evening = override('carol', '2026-01-05T18:00', '2026-01-06T00:00', '2026-01-01T00:00');
  const laterCreated = override('dave', '2026-01-05T20:00', '2026-01-05T22:00', '2026-01-02T00:00');
  const earlierCreated = override('dave', '2026-01-05T20:00', '2026-01-05T22:00', '2025-12-31T00:00');
  const shortNewer = override('dave', '2026-01-05T19:00', '2026-01-05T20:00', '2026-01-02T00:00');
  const aliceSelf = override('alice', '2026-01-05T20:00', '2026-01-05T23:00');
  const backwards = override('erin', '2026-01-05T23:00', '2026-01-05T20:00');

  type Row = [label: string, overrides: ScheduleOverride[], now: string, current: Summary, next: Summary];
  const rows: Row[] = [
    ['no overrides', [], '2026-01-05T10:00', period('alice', false, '2026-01-05T09:00', '2026-01-06T09:00'), period('bob', false, '2026-01-06T09:00', '2026-01-07T09:00')],
    ['override starting later the same shift is the next change', [tonight], '2026-01-05T10:00', period('alice', false, '2026-01-05T09:00', '2026-01-05T20:00'), period('carol', true, '2026-01-05T20:00', '2026-01-05T23:00')],
    ['override covering now, rotation member comes back', [tonight], '2026-01-05T21:00', period('carol', true, '2026-01-05T20:00', '2026-01-05T23:00'), period('alice', false, '2026-01-05T23:00', '2026-01-06T09:00')],
    ['override starts exactly now', [tonight], '2026-01-05T20:00', period('carol', true, '2026-01-05T20:00', '2026-01-05T23:00'), period('alice', false, '2026-01-05T23:00', '2026-01-06T09:00')],
    ['after the override ended: since its end', [tonight], '2026-01-05T23:00', period('alice', false, '2026-01-05T23:00', '2026-01-06T09:00'), period('bob', false, '2026-01-06T09:00', '2026-01-07T09:00')],
    ['override across the hand-off, before it', [acrossHandoff], '2026-01-05T10:00', period('alice', false, '2026-01-05T09:00', '2026-01-05T22:00'), period('dave', true, '2026-01-05T22:00', '2026-01-06T12:00')],
    ['override across the hand-off, covering it', [acrossHandoff], '2026-01-06T08:59', period('dave', true, '2026-01-05T22:00', '2026-01-06T12:00'), period('bob', false, '2026-01-06T12:00', '2026-01-07T09:00')],
    ['override across the hand-off, after it', [acrossHandoff], '2026-01-06T10:00', period('dave', true, '2026-01-05T22:00', '2026-01-06T12:00'), period('bob', false, '2026-01-06T12:00', '2026-01-07T09:00')],
    ['overlap, before the newer one', [evening, laterCreated], '2026-01-05T19:00', period('carol', true, '2026-01-05T18:00', '2026-01-05T20:00'), period('dave', true, '2026-01-05T20:00', '2026-01-05T22:00')],
    ['overlap, newer one wins', [evening, laterCreated], '2026-01-05T21:00', period('dave', true, '2026-01-05T20:00', '2026-01-05T22:00'), period('carol', true, '2026-01-05T22:00', '2026-01-06T00:00')],
    ['overlap, newer one wins whatever the list order', [laterCreated, evening], '2026-01-05T21:00', period('dave', true, '2026-01-05T20:00', '2026-01-05T22:00'), period('carol', true, '2026-01-05T22:00', '2026-01-06T00:00')],
    ['overlap, older one back after the newer ends', [evening, laterCreated], '2026-01-05T23:00', period('carol', true, '2026-01-05T22:00', '2026-01-06T00:00'), period('alice', false, '2026-01-06T00:00', '2026-01-06T09:00')],
    ['overlap, an older one inside a newer one never shows', [evening, earlierCreated], '2026-01-05T21:00', period('carol', true, '2026-01-05T18:00', '2026-01-06T00:00'), period('alice', false, '2026-01-06T00:00', '2026-01-06T09:00')],
    ['overlap, since the end of a newer one that ended', [evening, shortNewer], '2026-01-05T21:00', period('carol', true, '2026-01-05T20:00', '2026-01-06T00:00'), period('alice', false, '2026-01-06T00:00', '2026-01-06T09:00')],
    ['override by the member on shift is still an override', [aliceSelf], '2026-01-05T21:00', period('alice', true, '2026-01-05T20:00', '2026-01-05T23:00'), period('alice', false, '2026-01-05T23:00', '2026-01-06T09:00')],
    ['an override ending before it starts is ignored', [backwards], '2026-01-05T21:00', period('alice', false, '2026-01-05T09:00', '2026-01-06T09:00'), period('bob', false, '2026-01-06T09:00', '2026-01-07T09:00')],
    ['overrides of other days do not matter', [override('carol', '2026-01-10T00:00', '2026-01-11T00:00')], '2026-01-05T10:00', period('alice', false, '2026-01-05T09:00', '2026-01-06T09:00'), period('bob', false, '2026-01-06T09:00', '2026-01-07T09:00')],
  ];

  it.each(rows)('%s', (_label, overrides, now, current, next) => {
    expect(summary(onCallNow(sched, overrides, cst(now)))).toEqual(current);
    expect(summary(onCallNext(sched, overrides, cst(now)))).toEqual(next);
    const at = withOverrides(sched, overrides, cst(now));
    expect({ userId: at.userId, isOverride: at.isOverride }).toEqual({ userId: current.userId, isOverride: current.isOverride });
  });

  it.each([
    ['2026-01-05T19:59:59.999', 'alice', false],
    ['2026-01-05T20:00', 'carol', true],
    ['2026-01-05T22:59:59.999', 'carol', true],
    ['2026-01-05T23:00', 'alice', false],
    ['2026-01-06T09:00', 'bob', false],
  ])('withOverrides at %s: %s (override %s)', (at, userId, isOverride) => {
    const result = withOverrides(sched, [tonight], cst(at));
    expect([result.userId, result.isOverride]).toEqual([userId, isOverride]);
    expect(result.override).toBe(isOverride ? tonight : undefined);
  });

  it('keeps the rotation shift under an override and hands back the caller’s override object', () => {
    const result = onCallNow(sched, [acrossHandoff], cst('2026-01-06T10:00'));
    expect(result.override?.id).toBe(acrossHandoff.id);
    expect([result.shift.member, result.shift.index, result.shift.startsAt.toISOString()]).toEqual(['bob', 1, iso('2026-01-06T09:00')]);
  });

  it('breaks a createdAt tie by list order: the later one wins', () => {
    const first = override('carol', '2026-01-05T20:00', '2026-01-05T22:00', '2026-01-03T00:00');
    const second = override('dave', '2026-01-05T21:00', '2026-01-05T23:00', '2026-01-03T00:00');
    expect(withOverrides(sched, [first, second], cst('2026-01-05T21:30')).userId).toBe('dave');
    expect(withOverrides(sched, [second, first], cst('2026-01-05T21:30')).userId).toBe('carol');
  });

  it('next change across a DST hand-off in New York', () => {
    const ny = schedule('America/New_York', abc, '1d', '2026-03-01T09:00:00');
    const next = onCallNext(ny, [], new Date('2026-03-07T20:00:00Z'));
    expect(summary(next)).toEqual({ userId: 'bob', isOverride: false, since: '2026-03-08T13:00:00.000Z', until: '2026-03-09T13:00:00.000Z' });
  });

  it('next change in a 1-member rotation is the same member at the next hand-off', () => {
    const solo = schedule('Europe/Berlin', ['alice'], '1w', '2026-03-23T09:00:00');
    const now = onCallNow(solo, [], new Date('2026-03-25T12:00:00Z'));
    const next = onCallNext(solo, [], new Date('2026-03-25T12:00:00Z'));
    expect(summary(now)).toEqual({ userId: 'alice', isOverride: false, since: '2026-03-23T08:00:00.000Z', until: '2026-03-30T07:00:00.000Z' });
    expect(summary(next)).toEqual({ userId: 'alice', isOverride: false, since: '2026-03-30T07:00:00.000Z', until: '2026-04-06T07:00:00.000Z' });
    expect(next.shift.index).toBe(1);
  });

  it('next change in a 3-member rotation with an override that starts at the hand-off', () => {
    const three = schedule('Asia/Shanghai', abc, '1d', '2026-01-05T09:00:00');
    const cover = override('dave', '2026-01-06T09:00', '2026-01-06T21:00');
    expect(summary(onCallNext(three, [cover], cst('2026-01-05T12:00')))).toEqual(period('dave', true, '2026-01-06T09:00', '2026-01-06T21:00'));
    expect(summary(onCallNext(three, [cover], cst('2026-01-06T12:00')))).toEqual(period('bob', false, '2026-01-06T21:00', '2026-01-07T09:00'));
    expect(onCallNow(three, [cover], cst('2026-01-06T12:00')).shift.member).toBe('bob');
  });
});

describe('validateOverride', () => {
  const sched = schedule('Asia/Shanghai', ab, '1d', '2026-01-05T09:00:00');
  const users = new Map([
    ['alice', {}],
    ['bob', {}],
    ['carol', {}],
  ]);
  const at = (text: string) => new Date(text);

  it.each<[string, { userId: string; startsAt: Date; endsAt: Date }, string[]]>([
    ['a good override', { userId: 'carol', startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') }, []],
    ['exactly 31 days', { userId: 'carol', startsAt: at('2026-01-01T00:00:00Z'), endsAt: at('2026-02-01T00:00:00Z') }, []],
    ['end before start', { userId: 'carol', startsAt: at('2026-01-05T20:00:00Z'), endsAt: at('2026-01-05T12:00:00Z') }, ['endsAt: must be after startsAt (2026-01-05T20:00:00.000Z)']],
    ['end equal to start', { userId: 'carol', startsAt: at('2026-01-05T20:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') }, ['endsAt: must be after startsAt (2026-01-05T20:00:00.000Z)']],
    ['longer than 31 days', { userId: 'carol', startsAt: at('2026-01-01T00:00:00Z'), endsAt: at('2026-02-01T00:00:01Z') }, ['endsAt: an override of schedule test-schedule may last at most 31d, this one lasts 31d1s']],
    ['unknown user', { userId: 'mallory', startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') }, ['userId: unknown user "mallory"']],
    ['blank user', { userId: ' ', startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') }, ['userId: is required']],
    ['invalid dates', { userId: 'carol', startsAt: at('not a date'), endsAt: at('2026-01-05T20:00:00Z') }, ['startsAt: must be a valid date and time']],
    [
      'several problems at once',
      { userId: 'mallory', startsAt: at('2026-01-05T20:00:00Z'), endsAt: at('yesterday') },
      ['userId: unknown user "mallory"', 'endsAt: must be a valid date and time'],
    ],
  ])('%s', (_label, input, problems) => {
    expect(validateOverride(input, sched, users)).toEqual(problems);
  });

  it.each([
    ['a list of users', [{ id: 'carol' }]],
    ['a list of ids', ['carol']],
    ['a set of ids', new Set(['carol'])],
  ])('knows users from %s', (_label, known) => {
    const input = { userId: 'carol', startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') };
    expect(validateOverride(input, sched, known)).toEqual([]);
    expect(validateOverride({ ...input, userId: 'dave' }, sched, known)).toEqual(['userId: unknown user "dave"']);
  });

  it('takes a shorter limit and refuses an override that has already ended', () => {
    const input = { userId: 'carol', startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T20:00:00Z') };
    expect(validateOverride(input, sched, users, { maxMs: 4 * HOUR })).toEqual([
      'endsAt: an override of schedule test-schedule may last at most 4h, this one lasts 8h',
    ]);
    expect(validateOverride(input, sched, users, { now: at('2026-01-05T20:00:00Z') })).toEqual(['endsAt: is in the past (2026-01-05T20:00:00.000Z)']);
    expect(validateOverride(input, sched, users, { now: at('2026-01-05T19:59:59Z') })).toEqual([]);
    expect(MAX_OVERRIDE_MS).toBe(31 * 24 * HOUR);
  });
});
