import type { ConfigPriority } from '@klaxon/config';
import { P0_MAX_FOLD_MS, budgetDecision, p0SummaryDueAt, summarizeFolded, type BudgetDecision, type FoldedAlert } from './sms-budget';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);
const MIN = 60_000;
const budget = { max: 10, perMs: 10 * MIN };
/** `n` SMS one minute apart, the last at T0 - 1 s */
const sent = (n: number, firstAgoMs = n * MIN - MIN + 1000): Date[] => Array.from({ length: n }, (_, i) => at(-firstAgoMs + i * MIN));

describe('budgetDecision', () => {
  it.each<[string, Date[], Date, ConfigPriority, BudgetDecision]>([
    ['nothing sent', [], at(0), 'P2', { send: 'now' }],
    ['max - 1 sent: the last slot is free', sent(9), at(0), 'P2', { send: 'now' }],
    // sends at T0-9m1s .. T0-1s; the oldest leaves the window at T0+59s
    ['max sent: folded until the oldest leaves the window', sent(10), at(0), 'P2', { fold: true, releaseAt: at(59_000) }],
    ['max sent, P1 is budgeted like any', sent(10), at(0), 'P1', { fold: true, releaseAt: at(59_000) }],
    // sends at T0-10m+30s .. ; oldest frees at T0+30s
    ['the window slides: an SMS exactly perMs old no longer counts', sent(10, 10 * MIN), at(0), 'P2', { send: 'now' }],
    ['an SMS perMs - 1 ms old still counts', sent(10, 10 * MIN - 1), at(0), 'P2', { fold: true, releaseAt: at(1) }],
    ['older history is ignored', [...sent(10, 30 * MIN).slice(0, 5), ...sent(9)], at(0), 'P2', { send: 'now' }],
    ['future-dated entries are ignored', [...sent(9), at(5000)], at(0), 'P2', { send: 'now' }],
    // 12 sends 30 s apart (over budget, e.g. P0s sent past it), the last 1 s ago: the third oldest (-4m31s) must leave
    ['over budget (max + 2): waits for the third oldest', Array.from({ length: 12 }, (_, i) => at(-331_000 + i * 30_000)), at(0), 'P3', { fold: true, releaseAt: at(-271_000 + 10 * MIN) }],
    // a burst of 10 just now: the window frees in 10 min, a P0 waits less than 60 s (due 3 s early, p0SummaryDueAt)
    ['P0 cap: out within 60 s, then goes over budget', Array.from({ length: 10 }, () => at(-1000)), at(0), 'P0', { fold: true, releaseAt: at(57_000) }],
    ['P2 in the same burst waits for the window', Array.from({ length: 10 }, () => at(-1000)), at(0), 'P2', { fold: true, releaseAt: at(10 * MIN - 1000) }],
    ['P0 released sooner by the window keeps the earlier time', sent(10, 10 * MIN - 30_000), at(0), 'P0', { fold: true, releaseAt: at(30_000) }],
    ['unsorted history', [...sent(10)].reverse(), at(0), 'P2', { fold: true, releaseAt: at(59_000) }],
  ])('%s', (_name, history, now, priority, expected) => {
    expect(budgetDecision(history, budget, now, priority)).toEqual(expected);
  });

  it('max 1 per 30 s', () => {
    const b = { max: 1, perMs: 30_000 };
    expect(budgetDecision([at(-29_999)], b, at(0), 'P2')).toEqual({ fold: true, releaseAt: at(1) });
    expect(budgetDecision([at(-30_000)], b, at(0), 'P2')).toEqual({ send: 'now' });
  });

  it('rejects a budget that can never send', () => {
    expect(() => budgetDecision([], { max: 0, perMs: MIN }, at(0), 'P0')).toThrow(RangeError);
    expect(() => budgetDecision([], { max: 1, perMs: 0 }, at(0), 'P0')).toThrow(RangeError);
  });
});

describe('summarizeFolded', () => {
  const a = (priority: ConfigPriority, host: string, message = 'host is down'): FoldedAlert => ({ priority, host, message });

  it('counts, picks the most urgent priority and lists hosts most urgent first', () => {
    expect(
      summarizeFolded([a('P2', 'db-01'), a('P1', 'web-02'), a('P0', 'web-01'), a('P1', 'web-03'), a('P2', 'db-02'), a('P0', 'web-01', 'disk full')]),
    ).toEqual({ count: 6, priority: 'P0', mostUrgentCount: 2, hosts: ['web-01', 'web-02', 'web-03'], moreHosts: 2, message: 'host is down' });
  });

  it('says various (null) when no message has a majority', () => {
    expect(summarizeFolded([a('P9', 'x', 'm1'), a('P3', 'y', 'm2')])).toEqual({
      count: 2,
      priority: 'P3',
      mostUrgentCount: 1,
      hosts: ['y', 'x'],
      moreHosts: 0,
      message: null,
    });
  });

  it('one alert', () => {
    expect(summarizeFolded([a('P2', 'db-01')])).toMatchObject({ count: 1, priority: 'P2', hosts: ['db-01'], moreHosts: 0, message: 'host is down' });
  });

  it('needs at least one alert', () => {
    expect(() => summarizeFolded([])).toThrow(RangeError);
  });
});

describe('p0SummaryDueAt', () => {
  it('makes a folded P0 due a margin before its 60 s run out, so a late timer or a slow send still keeps them', () => {
    const since = Date.parse('2026-11-22T04:00:00Z');
    expect(p0SummaryDueAt(since) - since).toBe(57_000);
    expect(p0SummaryDueAt(since) - since).toBeLessThan(P0_MAX_FOLD_MS);
  });
});
