import { parseOpenFalconCallback } from './open-falcon.parser';

/** The rejected-input log keeps at most 200 characters. */
function cut(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

/** What falcon-plus's alarm module sends to a callback URL (modules/alarm/cron/callback.go). */
function callback(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    endpoint: 'web-01',
    metric: 'cpu.idle',
    status: 'PROBLEM',
    step: '3',
    priority: '1',
    time: '2024-05-01 10:00:00',
    tpl_id: '7',
    exp_id: '0',
    stra_id: '42',
    left_value: '3.2',
    tags: 'cpu:cpu-total',
    ...overrides,
  };
}

describe('parseOpenFalconCallback', () => {
  it("maps falcon-plus's own callback", () => {
    expect(parseOpenFalconCallback(callback())).toEqual({
      alerts: [
        {
          priority: 'P1',
          status: 'PROBLEM',
          host: 'web-01',
          ip: '',
          message: 'cpu.idle{cpu=cpu-total} 3.2',
          dedupKey: 'open-falcon:web-01/cpu.idle{cpu=cpu-total}#s42',
          labels: { cpu: 'cpu-total', metric: 'cpu.idle' },
          source: 'open-falcon',
          step: 3,
          eventTime: '2024-05-01 10:00:00',
        },
      ],
      rejected: [],
    });
  });

  it('writes the message like Open-Falcon SMS when the relay sends note, func, operator and rightValue', () => {
    const parsed = parseOpenFalconCallback(
      callback({
        note: 'cpu idle too low',
        func: 'all(#3)',
        operator: '<',
        rightValue: '10',
        left_value: undefined,
        leftValue: '3.2',
        tags: '',
      }),
    );
    expect(parsed.alerts[0]?.message).toBe('cpu idle too low all(#3) cpu.idle 3.2<10');
  });

  it('dedupes repeated callbacks of one strategy although the value changes', () => {
    const first = parseOpenFalconCallback(callback({ left_value: '3.2', step: '1' }));
    const again = parseOpenFalconCallback(callback({ left_value: '1.5', step: '2' }));
    const recovered = parseOpenFalconCallback(callback({ left_value: '40', status: 'OK' }));
    const otherStrategy = parseOpenFalconCallback(callback({ stra_id: '43' }));
    const key = first.alerts[0]?.dedupKey;
    expect(key).toBeDefined();
    expect(first.alerts[0]?.message).not.toBe(again.alerts[0]?.message);
    expect(again.alerts[0]?.dedupKey).toBe(key);
    expect(recovered.alerts[0]?.dedupKey).toBe(key);
    expect(otherStrategy.alerts[0]?.dedupKey).not.toBe(key);
  });

  it('sorts tags so their order does not change the dedup key', () => {
    const a = parseOpenFalconCallback(callback({ tags: 'mount:/var,fstype:ext4' }));
    const b = parseOpenFalconCallback(callback({ tags: 'fstype:ext4,mount:/var' }));
    expect(a.alerts[0]?.dedupKey).toBe('open-falcon:web-01/cpu.idle{fstype=ext4,mount=/var}#s42');
    expect(b.alerts[0]?.dedupKey).toBe(a.alerts[0]?.dedupKey);
  });

  it.each<[string, unknown, Record<string, string>]>([
    ['k:v pairs', 'mount:/var,fstype:ext4', { mount: '/var', fstype: 'ext4', metric: 'cpu.idle' }],
    ['k=v pairs', 'mount=/var, fstype=ext4', { mount: '/var', fstype: 'ext4', metric: 'cpu.idle' }],
    ['a value with a colon', 'url=http://x:80/', { url: 'http://x:80/', metric: 'cpu.idle' }],
    ['an object', { mount: '/var' }, { mount: '/var', metric: 'cpu.idle' }],
    ['no tags', '', { metric: 'cpu.idle' }],
  ])('labels from tags given as %s', (_name, tags, labels) => {
    expect(parseOpenFalconCallback(callback({ tags })).alerts[0]?.labels).toEqual(labels);
  });

  it.each<[string, unknown, string]>([
    ['0', '0', 'P0'],
    ['5', '5', 'P5'],
    ['a number', 2, 'P2'],
    ['P3', 'P3', 'P3'],
    ['12, clamped', '12', 'P9'],
    ['missing', undefined, 'P3'],
  ])('priority %s', (_name, priority, expected) => {
    expect(parseOpenFalconCallback(callback({ priority })).alerts[0]?.priority).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, Partial<Record<string, unknown>>]>([
    ['an IP endpoint is also the ip', { endpoint: '10.0.0.5' }, { host: '10.0.0.5', ip: '10.0.0.5' }],
    ['lower-case status', { status: 'ok' }, { status: 'OK' }],
    ['an expression instead of a strategy', { stra_id: '0', exp_id: '9' }, { dedupKey: 'open-falcon:web-01/cpu.idle{cpu=cpu-total}#e9' }],
    ['form fields given as one-element arrays', { endpoint: ['web-09'] }, { host: 'web-09' }],
    ['a Chinese note', { note: '磁盘快满了' }, { message: '磁盘快满了 cpu.idle{cpu=cpu-total} 3.2' }],
  ])('%s', (_name, overrides, expected) => {
    const parsed = parseOpenFalconCallback(callback(overrides));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.alerts[0]).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no endpoint', { endpoint: undefined }, 'endpoint is missing'],
    ['an empty endpoint', { endpoint: '  ' }, 'endpoint is missing'],
    ['no status', { status: undefined }, 'status is missing'],
    ['a bad status', { status: 'ALARM' }, 'status "ALARM" is not PROBLEM or OK'],
    ['a bad priority', { priority: 'high' }, 'priority "high" is not a number from 0 to 9'],
    ['a negative priority', { priority: '-1' }, 'priority "-1" is not a number from 0 to 9'],
    ['neither metric nor note', { metric: undefined }, 'metric is missing'],
    ['a bad step', { step: 'two' }, 'step "two" is not a whole number'],
    ['a bad time', { time: '1714557600' }, 'time "1714557600" is not YYYY-MM-DD HH:MM:SS'],
    ['a repeated endpoint', { endpoint: ['a', 'b'] }, 'endpoint is given 2 times'],
    ['an endpoint object', { endpoint: { name: 'a' } }, 'endpoint must be a string, not an object'],
    ['a NUL in the endpoint', { endpoint: 'web\u000001' }, 'endpoint contains a control character (U+0000)'],
    ['tags with an empty key', { tags: '=x' }, 'tags has an empty key'],
  ])('rejects a callback with %s', (_name, overrides, error) => {
    const params = callback(overrides);
    expect(parseOpenFalconCallback(params)).toEqual({
      alerts: [],
      rejected: [{ line: 1, input: cut(JSON.stringify(params)), error }],
    });
  });

  it('leaves out step and eventTime when the callback has none', () => {
    const alert = parseOpenFalconCallback(callback({ step: undefined, time: '' })).alerts[0];
    expect(alert).toBeDefined();
    expect(alert).not.toHaveProperty('step');
    expect(alert).not.toHaveProperty('eventTime');
  });

  it('keeps long identities within the dedupKey limit', () => {
    const tags = Array.from({ length: 30 }, (_, i) => `tag${i}:value-${i}`).join(',');
    const key = parseOpenFalconCallback(callback({ tags })).alerts[0]?.dedupKey ?? '';
    expect(key).toMatch(/^open-falcon:[0-9a-f]{16}$/);
  });
});
