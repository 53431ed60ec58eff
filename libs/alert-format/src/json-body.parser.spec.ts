import { INGEST_LIMITS, TooManyAlertsError, type IncomingAlert } from './alert';
import { parseJsonAlerts } from './json-body.parser';

/** The rejected-input log keeps at most 200 characters. */
function cut(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

const valid: IncomingAlert = { priority: 'P1', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' };

function item(overrides: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...valid };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[key];
    else result[key] = value;
  }
  return result;
}

function labelsOf(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
}

describe('parseJsonAlerts: valid items', () => {
  it.each<[string, Record<string, unknown>, IncomingAlert]>([
    ['all required fields', { ...valid }, { ...valid }],
    [
      'lower-case priority and status',
      item({ priority: 'p0', status: 'ok' }),
      { ...valid, priority: 'P0', status: 'OK' },
    ],
    ['no ip', item({ ip: undefined }), { ...valid, ip: '' }],
    ['a null ip', item({ ip: null }), { ...valid, ip: '' }],
    ['an empty ip', item({ ip: '' }), { ...valid, ip: '' }],
    ['an IPv6 ip', item({ ip: 'fe80::1' }), { ...valid, ip: 'fe80::1' }],
    [
      'every optional field',
      item({ dedupKey: 'web-01/disk', labels: { team: 'ops', env: 'prod' }, source: 'zabbix' }),
      { ...valid, dedupKey: 'web-01/disk', labels: { team: 'ops', env: 'prod' }, source: 'zabbix' },
    ],
    ['an empty source is no source', item({ source: '' }), { ...valid }],
    [
      'Chinese text',
      item({ host: '数据库-01', message: '磁盘使用率 91%' }),
      { ...valid, host: '数据库-01', message: '磁盘使用率 91%' },
    ],
    [
      'a multi-line message folded onto one line',
      item({ message: 'disk full\n  on /var\r\nsee runbook\n' }),
      { ...valid, message: 'disk full on /var see runbook' },
    ],
    ['unknown keys are ignored', item({ extra: 1, severity: 'x' }), { ...valid }],
    ['64 labels', item({ labels: labelsOf(64) }), { ...valid, labels: labelsOf(64) }],
    ['a 4096-byte message', item({ message: 'm'.repeat(4096) }), { ...valid, message: 'm'.repeat(4096) }],
    ['a 256-character dedupKey', item({ dedupKey: 'k'.repeat(256) }), { ...valid, dedupKey: 'k'.repeat(256) }],
  ])('%s', (_name, input, expected) => {
    expect(parseJsonAlerts(input)).toEqual({ alerts: [expected], rejected: [] });
  });
});

describe('parseJsonAlerts: invalid items', () => {
  it.each<[string, unknown, string]>([
    ['a number', 42, 'item 1: must be an alert object, not a number'],
    ['a string', '[P0][PROBLEM][web-01][][down]', 'item 1: must be an alert object, not a string'],
    ['null', null, 'item 1: must be an alert object, not null'],
    ['a nested array', [1], 'item 1: must be an alert object, not an array'],
    ['a missing priority', item({ priority: undefined }), 'item 1: priority is missing'],
    ['a bad priority', item({ priority: 'P10' }), 'item 1: priority "P10" is not P0–P9'],
    ['a numeric priority', item({ priority: 1 }), 'item 1: priority must be a string, not a number'],
    ['a missing status', item({ status: undefined }), 'item 1: status is missing'],
    ['a bad status', item({ status: 'firing' }), 'item 1: status "firing" is not PROBLEM or OK'],
    ['a missing host', item({ host: undefined }), 'item 1: host is missing'],
    ['a null host', item({ host: null }), 'item 1: host is missing'],
    ['an empty host', item({ host: ' ' }), 'item 1: host is empty'],
    ['a host that is not a string', item({ host: ['web-01'] }), 'item 1: host must be a string, not an array'],
    ['a NUL in the host', item({ host: 'web\u0000' }), 'item 1: host contains a control character (U+0000)'],
    ['a bad ip', item({ ip: '10.0.0.300' }), 'item 1: ip "10.0.0.300" is not an IPv4 or IPv6 address'],
    ['an ip that is a number', item({ ip: 10 }), 'item 1: ip must be a string, not a number'],
    ['a missing message', item({ message: undefined }), 'item 1: message is missing'],
    ['an empty message', item({ message: '' }), 'item 1: message is empty'],
    ['a message of line breaks', item({ message: '\n\r\n' }), 'item 1: message is empty'],
    ['a message object', item({ message: { text: 'x' } }), 'item 1: message must be a string, not an object'],
    ['a NUL in the message', item({ message: 'a\u0000b' }), 'item 1: message contains a control character (U+0000)'],
    ['a 4097-byte message', item({ message: 'm'.repeat(4097) }), 'item 1: message is 4097 bytes, at most 4096'],
    ['labels that are a string', item({ labels: 'team=ops' }), 'item 1: labels must be an object of strings'],
    ['labels that are an array', item({ labels: ['ops'] }), 'item 1: labels must be an object of strings'],
    ['a label value that is a number', item({ labels: { n: 1 } }), 'item 1: labels must be an object of strings'],
    ['65 labels', item({ labels: labelsOf(65) }), 'item 1: labels has 65 entries, at most 64'],
    ['an empty label key', item({ labels: { '': 'x' } }), 'item 1: labels has an empty key'],
    ['a 1025-byte label value', item({ labels: { k: 'v'.repeat(1025) } }), 'item 1: label "k" is 1025 bytes, at most 1024'],
    [
      'a 1025-byte label key',
      item({ labels: { ['k'.repeat(1025)]: 'v' } }),
      `item 1: label key "${'k'.repeat(63)}…" is 1025 bytes, at most 1024`,
    ],
    ['a NUL in a label', item({ labels: { k: '\u0000' } }), 'item 1: label "k" contains a control character (U+0000)'],
    ['an empty dedupKey', item({ dedupKey: '' }), 'item 1: dedupKey is empty'],
    ['a numeric dedupKey', item({ dedupKey: 7 }), 'item 1: dedupKey must be a string, not a number'],
    ['a 257-character dedupKey', item({ dedupKey: 'k'.repeat(257) }), 'item 1: dedupKey is 257 characters, at most 256'],
    ['a source that is not a string', item({ source: true }), 'item 1: source must be a string, not a boolean'],
  ])('%s', (_name, input, error) => {
    const parsed = parseJsonAlerts([input]);
    expect(parsed.alerts).toEqual([]);
    expect(parsed.rejected).toEqual([{ line: 1, input: cut(JSON.stringify(input)), error }]);
  });

  it('allows line breaks in label values but not in the message where they are folded', () => {
    const parsed = parseJsonAlerts(item({ labels: { runbook: 'step 1\nstep 2' } }));
    expect(parsed.alerts[0]?.labels).toEqual({ runbook: 'step 1\nstep 2' });
  });
});

describe('parseJsonAlerts: bodies', () => {
  it('parses a single object as item 1', () => {
    const parsed = parseJsonAlerts(item({ priority: 'PX' }));
    expect(parsed.rejected).toEqual([
      { line: 1, input: JSON.stringify(item({ priority: 'PX' })), error: 'item 1: priority "PX" is not P0–P9' },
    ]);
  });

  it('accepts the good items of a mixed array and numbers the bad ones by position', () => {
    const parsed = parseJsonAlerts([
      valid,
      item({ priority: 'P10' }),
      item({ host: 'web-02', status: 'ok' }),
      null,
      item({ labels: { a: 1 } }),
    ]);
    expect(parsed.alerts).toEqual([valid, { ...valid, host: 'web-02', status: 'OK' }]);
    expect(parsed.rejected).toEqual([
      { line: 2, input: JSON.stringify(item({ priority: 'P10' })), error: 'item 2: priority "P10" is not P0–P9' },
      { line: 4, input: 'null', error: 'item 4: must be an alert object, not null' },
      { line: 5, input: JSON.stringify(item({ labels: { a: 1 } })), error: 'item 5: labels must be an object of strings' },
    ]);
  });

  it('cuts the input of a big item to 200 characters', () => {
    const big = item({ priority: 'bad', message: 'x'.repeat(1000) });
    const [rejection] = parseJsonAlerts([big]).rejected;
    expect(rejection?.input).toHaveLength(200);
    expect(rejection?.input).toBe(`${JSON.stringify(big).slice(0, 199)}…`);
  });

  it.each<[string, unknown]>([
    ['a number', 3],
    ['a string', 'hello'],
    ['null', null],
    ['a boolean', true],
  ])('rejects a body that is %s as a whole', (_name, body) => {
    expect(parseJsonAlerts(body)).toEqual({
      alerts: [],
      rejected: [{ line: 1, input: JSON.stringify(body), error: 'body must be an alert object or an array of them' }],
    });
  });

  it('returns nothing for an empty array', () => {
    expect(parseJsonAlerts([])).toEqual({ alerts: [], rejected: [] });
  });

  it('accepts the maximum number of items and throws TooManyAlertsError above it', () => {
    const max = INGEST_LIMITS.maxAlertsPerRequest;
    expect(parseJsonAlerts(Array.from({ length: max }, () => valid)).alerts).toHaveLength(max);
    expect(() => parseJsonAlerts(Array.from({ length: max + 1 }, () => valid))).toThrow(TooManyAlertsError);
  });

  it('keeps a __proto__ label as a plain label', () => {
    const body: unknown = JSON.parse(
      '{"priority":"P1","status":"PROBLEM","host":"h","message":"m","labels":{"__proto__":"x"}}',
    );
    const labels = parseJsonAlerts(body).alerts[0]?.labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels ?? {})).toEqual(['__proto__']);
  });
});
