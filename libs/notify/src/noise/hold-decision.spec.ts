import { isGrouped, planHolds, quietHoursHold } from './hold-decision';
import type { QuietHoursUser } from './quiet-hours';

const quietUser = { timezone: 'Asia/Shanghai', quietHours: { from: '23:00', to: '08:00' } };
const night = new Date('2026-03-10T16:30:00Z'); // 00:30 in Shanghai
const day = new Date('2026-03-11T04:00:00Z'); // 12:00 in Shanghai
const defer = { quietHours: 'defer' as const, groupWindowMs: 120_000 };
const ignore = { quietHours: 'ignore' as const, groupWindowMs: 30_000 };

describe('quietHoursHold', () => {
  it.each<[string, Parameters<typeof quietHoursHold>[0], string | null]>([
    ['SMS of a deferring tier at night waits for 08:00 local', { channel: 'sms', tier: defer, user: quietUser, now: night }, '2026-03-11T00:00:00.000Z'],
    ['a voice call waits too', { channel: 'voice', tier: defer, user: quietUser, now: night }, '2026-03-11T00:00:00.000Z'],
    ['IM is silent: never held', { channel: 'slack', tier: defer, user: quietUser, now: night }, null],
    ['email is silent: never held', { channel: 'email', tier: defer, user: quietUser, now: night }, null],
    ['critical and high pierce quiet hours', { channel: 'sms', tier: ignore, user: quietUser, now: night }, null],
    ['outside quiet hours it goes', { channel: 'sms', tier: defer, user: quietUser, now: day }, null],
    ['no person (a shared destination): nothing to wait for', { channel: 'sms', tier: defer, now: night }, null],
    ['no quiet hours configured', { channel: 'sms', tier: defer, user: { timezone: 'UTC' }, now: night }, null],
  ])('%s', (_name, input, expected) => {
    expect(quietHoursHold(input)?.toISOString() ?? null).toBe(expected);
  });
});

describe('isGrouped', () => {
  it.each([
    ['sms', 30_000, true],
    ['email', 30_000, true],
    ['dingtalk', 120_000, true],
    ['voice', 30_000, false],
    ['sms', 0, false],
  ] as const)('%s with a %i ms window → %s', (channel, groupWindowMs, expected) => {
    expect(isGrouped(channel, { groupWindowMs })).toBe(expected);
  });
});

describe('planHolds (grouping windows)', () => {
  interface Rec {
    id: string;
    channel: string;
    address: string;
    userId: string | null;
    kind: string;
  }
  const users = new Map<string, QuietHoursUser>([
    ['quinn', quietUser],
    ['wade', { timezone: 'Asia/Shanghai' }],
  ]);
  /** the shared store: the first page to a destination opens its window, later ones share its end */
  const windows = new Map<string, number>();
  const windowEnd = (windowMs: number) => async (r: Rec) => {
    const key = `${r.channel}:${r.address}`;
    const open = windows.get(key);
    if (open !== undefined && open > Date.now()) return new Date(open);
    windows.set(key, Date.now() + windowMs);
    return new Date(Date.now() + windowMs);
  };
  const rec = (id: string, channel: string, address: string, userId: string | null = null, kind = 'page'): Rec => ({ id, channel, address, userId, kind });
  const plan = (records: Rec[], tier: { quietHours: 'defer' | 'ignore'; groupWindowMs: number }) =>
    planHolds(records, { tier, now: new Date(), userOf: (id) => users.get(id), windowEnd: windowEnd(tier.groupWindowMs) });

  beforeEach(() => {
    windows.clear();
    jest.useFakeTimers({ now: day });
  });
  afterEach(() => jest.useRealTimers());

  it('holds pages within the window together, until the window the first one opened ends', async () => {
    const first = await plan([rec('1', 'sms', '+1'), rec('2', 'email', 'w@x')], ignore);
    expect(first.sendNow).toEqual([]);
    expect(first.held.map((g) => [g.records.map((r) => r.id), g.at.getTime() - day.getTime(), g.reason])).toEqual([
      [['1'], 30_000, 'grouping window'],
      [['2'], 30_000, 'grouping window'],
    ]);
    jest.advanceTimersByTime(29_000);
    const later = await plan([rec('3', 'sms', '+1')], ignore);
    // same end: one flush sends 1 and 3 as one message
    expect(later.held[0]?.at.getTime()).toBe(day.getTime() + 30_000);
    jest.advanceTimersByTime(2_000);
    const after = await plan([rec('4', 'sms', '+1')], ignore);
    // the window closed: a new one opens
    expect(after.held[0]?.at.getTime()).toBe(day.getTime() + 31_000 + 30_000);
  });

  it('groups per destination', async () => {
    const { held } = await plan([rec('1', 'sms', '+1'), rec('2', 'sms', '+2'), rec('3', 'sms', '+1')], ignore);
    expect(held.map((g) => g.records.map((r) => r.id))).toEqual([['1', '3'], ['2']]);
  });

  it('sends at once without a window, and never groups calls or flapping notices', async () => {
    expect((await plan([rec('1', 'sms', '+1')], { ...ignore, groupWindowMs: 0 })).sendNow.map((r) => r.id)).toEqual(['1']);
    const { sendNow, held } = await plan([rec('1', 'voice', '+1'), rec('2', 'sms', '+1', null, 'flapping')], ignore);
    expect(sendNow.map((r) => r.id)).toEqual(['1', '2']);
    expect(held).toEqual([]);
  });

  it('quiet hours come first: the SMS of a person asleep waits for morning, the rest is grouped', async () => {
    jest.setSystemTime(night);
    const { sendNow, held } = await plan([rec('1', 'sms', '+q', 'quinn'), rec('2', 'sms', '+w', 'wade'), rec('3', 'slack', 'ops')], defer);
    expect(sendNow).toEqual([]);
    expect(held.map((g) => [g.records[0]?.id, g.reason, g.at.toISOString()])).toEqual([
      ['1', 'quiet hours', '2026-03-11T00:00:00.000Z'],
      // Wade has no quiet hours configured, so only the window holds him
      ['2', 'grouping window', new Date(night.getTime() + 120_000).toISOString()],
      ['3', 'grouping window', new Date(night.getTime() + 120_000).toISOString()],
    ]);
  });
});
