import {
  DEFAULT_SILENCE_MS,
  MAX_SILENCE_MS,
  formatReplyDuration,
  parseReplyDuration,
} from './reply-duration.parser';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseReplyDuration', () => {
  it.each<[string, number]>([
    ['30s', 30 * S],
    ['10m', 10 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1w', 7 * D],
    ['1h30m', 90 * M],
    ['1h 30m', 90 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['1.5h', 90 * M],
    ['0.5d', 12 * H],
    ['90 min', 90 * M],
    ['2 hours', 2 * H],
    ['1 hour', H],
    ['2hrs', 2 * H],
    ['45 secs', 45 * S],
    ['3 days', 3 * D],
    ['2 weeks', 14 * D],
    ['30秒', 30 * S],
    ['30分钟', 30 * M],
    ['30分', 30 * M],
    ['2小时', 2 * H],
    ['2个小时', 2 * H],
    ['2钟头', 2 * H],
    ['1天', D],
    ['1日', D],
    ['1周', 7 * D],
    ['1星期', 7 * D],
    ['1小时30分钟', 90 * M],
    ['1s', S],
    ['30d', MAX_SILENCE_MS],
    ['  2h  ', 2 * H],
  ])('%j is %d ms', (text, ms) => {
    expect(parseReplyDuration(text)).toBe(ms);
  });

  it.each([
    '', '0', '30', '0s', '0m', '0.1s', '0.5s', '31d', '99d', '5w', '30d1s', '-1h', '+1h', 'h', '1x', '2hx', '1 2h',
    '1h30', '1.h', '1..5h', '1.2345h', '9999999h', '1m1m1m1m1m1m', 'two hours', '一小时', '半小时',
  ])('%j is not a silence duration', (text) => {
    expect(parseReplyDuration(text)).toBeUndefined();
  });

  it('defaults to one hour', () => {
    expect(DEFAULT_SILENCE_MS).toBe(H);
  });
});

describe('formatReplyDuration', () => {
  it.each<[number, string]>([
    [H, '1h'],
    [90 * M, '1h30m'],
    [30 * S, '30s'],
    [7 * D, '7d'],
    [D + 2 * H + 3 * M + 4 * S, '1d2h3m4s'],
    [1499, '1s'],
    [0, '0s'],
    [-5, '0s'],
    [Number.NaN, '0s'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatReplyDuration(ms)).toBe(text);
  });

  it.each(['30s', '10m', '2h', '1d', '1h30m', '1d12h'])('reads back %j', (text) => {
    expect(formatReplyDuration(parseReplyDuration(text) ?? 0)).toBe(text);
  });
});
