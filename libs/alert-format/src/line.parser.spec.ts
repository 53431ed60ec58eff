import { INGEST_LIMITS, TooManyAlertsError, type IncomingAlert } from './alert';
import { parseAlertLine, parseAlertLines } from './line.parser';

/** A valid line of exactly `bytes` UTF-8 bytes. */
function lineOfBytes(bytes: number): string {
  const head = '[P2][PROBLEM][web-01][10.0.0.1][';
  return `${head}${'x'.repeat(bytes - head.length - 1)}]`;
}

describe('parseAlertLine: valid lines', () => {
  it.each<[string, string, IncomingAlert]>([
    [
      'the canonical five fields',
      '[P0][PROBLEM][web-01][10.0.0.1][host is down]',
      { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
    ],
    [
      'a recovery',
      '[P3][OK][web-01][10.0.0.1][host is down]',
      { priority: 'P3', status: 'OK', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
    ],
    [
      'lower-case priority and status',
      '[p1][problem][web-01][10.0.0.1][load high]',
      { priority: 'P1', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'load high' },
    ],
    [
      'mixed-case status ok',
      '[P9][Ok][web-01][][recovered]',
      { priority: 'P9', status: 'OK', host: 'web-01', ip: '', message: 'recovered' },
    ],
    [
      'an empty ip',
      '[P2][PROBLEM][web-01][][disk full]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '', message: 'disk full' },
    ],
    [
      'an IPv6 ip',
      '[P2][PROBLEM][web-01][2001:db8::1][disk full]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '2001:db8::1', message: 'disk full' },
    ],
    [
      'the IPv6 loopback',
      '[P2][PROBLEM][web-01][::1][disk full]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '::1', message: 'disk full' },
    ],
    [
      'Chinese host and message',
      '[P1][PROBLEM][数据库-01][10.0.0.5][磁盘使用率 91%]',
      { priority: 'P1', status: 'PROBLEM', host: '数据库-01', ip: '10.0.0.5', message: '磁盘使用率 91%' },
    ],
    [
      'full-width characters and emoji in the message',
      '[P2][PROBLEM][web-01][10.0.0.1][ＣＰＵ使用率 ９９％ 🔥]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'ＣＰＵ使用率 ９９％ 🔥' },
    ],
    [
      'brackets inside the message',
      '[P2][PROBLEM][web-01][10.0.0.1][disk [/var] 91%]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'disk [/var] 91%' },
    ],
    [
      'a message ending in a bracketed group that is not the Open-Falcon field',
      '[P2][PROBLEM][web-01][10.0.0.1][disk full][/var]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'disk full][/var' },
    ],
    [
      'an unbalanced bracket in the message',
      '[P2][PROBLEM][web-01][10.0.0.1][a [ b]',
      { priority: 'P2', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'a [ b' },
    ],
    [
      'surrounding white space and a trailing CR',
      '  \t[P0][PROBLEM][web-01][10.0.0.1][host is down]  \r',
      { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
    ],
    [
      'a UTF-8 byte-order mark before the line',
      '\uFEFF[P0][PROBLEM][web-01][10.0.0.1][host is down]',
      { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
    ],
    [
      'blanks around short fields',
      '[ P0 ][ PROBLEM ][ web-01 ][ 10.0.0.1 ][host is down]',
      { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
    ],
    [
      'a tab inside the message',
      '[P0][PROBLEM][web-01][10.0.0.1][a\tb]',
      { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'a\tb' },
    ],
    [
      "Open-Falcon's sixth field",
      '[P1][PROBLEM][web-01][][ all(#3) cpu.idle  3.2<10][O3 2024-05-01 10:00:00]',
      {
        priority: 'P1',
        status: 'PROBLEM',
        host: 'web-01',
        ip: '',
        message: ' all(#3) cpu.idle  3.2<10',
        step: 3,
        eventTime: '2024-05-01 10:00:00',
      },
    ],
    [
      "Open-Falcon's sixth field after a message with brackets",
      '[P0][OK][db-01][10.0.0.9][mysql [3306] down][O12 2024-12-31 23:59:59]',
      {
        priority: 'P0',
        status: 'OK',
        host: 'db-01',
        ip: '10.0.0.9',
        message: 'mysql [3306] down',
        step: 12,
        eventTime: '2024-12-31 23:59:59',
      },
    ],
    [
      'a message that only looks like the sixth field is the message',
      '[P1][PROBLEM][web-01][][O3 2024-05-01 10:00:00]',
      { priority: 'P1', status: 'PROBLEM', host: 'web-01', ip: '', message: 'O3 2024-05-01 10:00:00' },
    ],
    [
      'a malformed sixth field stays in the message',
      '[P1][PROBLEM][web-01][][cpu high][O3 2024-05-01]',
      { priority: 'P1', status: 'PROBLEM', host: 'web-01', ip: '', message: 'cpu high][O3 2024-05-01' },
    ],
  ])('%s', (_name, line, expected) => {
    const result = parseAlertLine(line);
    expect(result).toEqual({ ok: true, alert: expected });
  });

  it('keeps no step or eventTime keys on a five-field line', () => {
    const result = parseAlertLine('[P0][PROBLEM][web-01][10.0.0.1][host is down]');
    if (!result.ok) throw new Error(result.error);
    expect(Object.keys(result.alert).sort()).toEqual(['host', 'ip', 'message', 'priority', 'status']);
  });
});

describe('parseAlertLine: invalid lines', () => {
  it.each<[string, string, string]>([
    ['garbage', 'hello world', 'expected 5 bracketed fields, found 0'],
    ['a blank line', '   ', 'line is blank'],
    ['three fields', '[P1][PROBLEM][web-01]', 'expected 5 bracketed fields, found 3'],
    ['four fields', '[P1][PROBLEM][web-01][10.0.0.1]', 'expected 5 bracketed fields, found 4'],
    ['an unclosed message', '[P1][PROBLEM][web-01][10.0.0.1][host is down', 'expected 5 bracketed fields, found 4'],
    ['an unclosed second field', '[P1][PROBLEM', 'expected 5 bracketed fields, found 1'],
    ['text between fields', '[P1] [PROBLEM][web-01][10.0.0.1][down]', 'expected 5 bracketed fields, found 1'],
    ['text after the fourth field', '[P1][PROBLEM][web-01][10.0.0.1] down', 'expected 5 bracketed fields, found 4'],
    ['trailing junk', '[P1][PROBLEM][web-01][10.0.0.1][down] junk', 'unexpected text after the last "]": "junk"'],
    ['a bad priority', '[PX][PROBLEM][web-01][10.0.0.1][down]', 'priority "PX" is not P0–P9'],
    ['a two-digit priority', '[P10][PROBLEM][web-01][10.0.0.1][down]', 'priority "P10" is not P0–P9'],
    ['a bare number as priority', '[1][PROBLEM][web-01][10.0.0.1][down]', 'priority "1" is not P0–P9'],
    ['an empty priority', '[][PROBLEM][web-01][10.0.0.1][down]', 'priority is empty'],
    ['a bad status', '[P1][DOWN][web-01][10.0.0.1][down]', 'status "DOWN" is not PROBLEM or OK'],
    ['an empty status', '[P1][][web-01][10.0.0.1][down]', 'status is empty'],
    ['an empty host', '[P1][PROBLEM][][10.0.0.1][down]', 'host is empty'],
    ['a blank host', '[P1][PROBLEM][  ][10.0.0.1][down]', 'host is empty'],
    ['an out-of-range IPv4', '[P1][PROBLEM][web-01][10.0.0.300][down]', 'ip "10.0.0.300" is not an IPv4 or IPv6 address'],
    ['a host name as ip', '[P1][PROBLEM][web-01][web-01][down]', 'ip "web-01" is not an IPv4 or IPv6 address'],
    ['an ip with a port', '[P1][PROBLEM][web-01][10.0.0.1:22][down]', 'ip "10.0.0.1:22" is not an IPv4 or IPv6 address'],
    ['an empty message', '[P1][PROBLEM][web-01][10.0.0.1][]', 'message is empty'],
    ['a blank message', '[P1][PROBLEM][web-01][10.0.0.1][   ]', 'message is empty'],
    ['an empty message before the sixth field', '[P1][PROBLEM][web-01][][][O3 2024-05-01 10:00:00]', 'message is empty'],
    ['NUL in the host', '[P1][PROBLEM][web\u000001][10.0.0.1][down]', 'host contains a control character (U+0000)'],
    ['a bell in the message', '[P1][PROBLEM][web-01][10.0.0.1][down\u0007]', 'message contains a control character (U+0007)'],
    ['a lone CR inside the line', '[P1][PROBLEM][web-01][10.0.0.1][a\rb]', 'message contains a control character (U+000D)'],
    ['a control character in the priority', '[P\u00001][PROBLEM][web-01][][down]', 'priority "P\\u00001" is not P0–P9'],
    ['a 4097-byte line', lineOfBytes(4097), 'line is 4097 bytes, at most 4096'],
    ['a 5000-byte line', lineOfBytes(5000), 'line is 5000 bytes, at most 4096'],
    ['a line over 4 KiB in multi-byte characters', `[P1][PROBLEM][h][][${'磁'.repeat(1400)}]`, 'line is 4220 bytes, at most 4096'],
  ])('%s', (_name, line, error) => {
    expect(parseAlertLine(line)).toEqual({ ok: false, error });
  });

  it('quotes a very long bad value cut short', () => {
    const result = parseAlertLine(`[P1][${'X'.repeat(100)}][web-01][][down]`);
    expect(result).toEqual({ ok: false, error: `status "${'X'.repeat(63)}…" is not PROBLEM or OK` });
  });
});

describe('parseAlertLine: the 4 KiB limit', () => {
  it('accepts a line of exactly 4096 bytes', () => {
    const line = lineOfBytes(INGEST_LIMITS.maxLineBytes);
    expect(Buffer.byteLength(line)).toBe(4096);
    const result = parseAlertLine(line);
    expect(result.ok).toBe(true);
  });

  it('does not count the CR of a CRLF line', () => {
    expect(parseAlertLine(`${lineOfBytes(4096)}\r`).ok).toBe(true);
  });
});

describe('parseAlertLines', () => {
  it('parses a CRLF body, skipping blank lines but counting them', () => {
    const body = [
      '[P0][PROBLEM][web-01][10.0.0.1][host is down]',
      '',
      '   ',
      '[PX][PROBLEM][web-02][10.0.0.2][host is down]',
      '[P2][OK][web-03][][disk [/var] 91%]',
      '',
    ].join('\r\n');
    expect(parseAlertLines(body)).toEqual({
      alerts: [
        { priority: 'P0', status: 'PROBLEM', host: 'web-01', ip: '10.0.0.1', message: 'host is down' },
        { priority: 'P2', status: 'OK', host: 'web-03', ip: '', message: 'disk [/var] 91%' },
      ],
      rejected: [
        {
          line: 4,
          input: '[PX][PROBLEM][web-02][10.0.0.2][host is down]',
          error: 'line 4: priority "PX" is not P0–P9',
        },
      ],
    });
  });

  it('keeps the input order and reports every bad line with its number', () => {
    const body = [
      '[P1][PROBLEM][a][][one]',
      '[P1][PROBLEM][b]',
      '[P1][DOWN][c][][three]',
      '[P1][PROBLEM][d][10.0.0.300][four]',
      '[P1][PROBLEM][][][five]',
      '[P1][PROBLEM][f][][]',
      '[P1][PROBLEM][g][][seven]',
    ].join('\n');
    const parsed = parseAlertLines(body);
    expect(parsed.alerts.map((a) => a.host)).toEqual(['a', 'g']);
    expect(parsed.rejected.map((r) => r.error)).toEqual([
      'line 2: expected 5 bracketed fields, found 3',
      'line 3: status "DOWN" is not PROBLEM or OK',
      'line 4: ip "10.0.0.300" is not an IPv4 or IPv6 address',
      'line 5: host is empty',
      'line 6: message is empty',
    ]);
    expect(parsed.rejected.map((r) => r.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('keeps the rejected line as received (without its CR), not trimmed', () => {
    const parsed = parseAlertLines('  [P1][PROBLEM][web-01][10.0.0.1][down] junk \r\n');
    expect(parsed.rejected).toEqual([
      {
        line: 1,
        input: '  [P1][PROBLEM][web-01][10.0.0.1][down] junk ',
        error: 'line 1: unexpected text after the last "]": "junk"',
      },
    ]);
  });

  it('cuts an oversize line to 200 characters with an ellipsis', () => {
    const long = lineOfBytes(5000);
    const parsed = parseAlertLines(`[P0][PROBLEM][a][][b]\n\n\n\n\n\n${long}`);
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.rejected).toHaveLength(1);
    const [rejection] = parsed.rejected;
    expect(rejection?.line).toBe(7);
    expect(rejection?.error).toBe('line 7: line is 5000 bytes, at most 4096');
    expect(rejection?.input).toHaveLength(200);
    expect(rejection?.input.endsWith('…')).toBe(true);
    expect(rejection?.input.startsWith('[P2][PROBLEM][web-01]')).toBe(true);
  });

  it('does not split a surrogate pair when cutting', () => {
    const parsed = parseAlertLines(`[P1][PROBLEM][h][][${'x'.repeat(179)}${'🔥'.repeat(2000)}]`);
    const input = parsed.rejected[0]?.input ?? '';
    expect(input.length).toBeLessThanOrEqual(200);
    expect(input.endsWith('…')).toBe(true);
    expect(Buffer.from(input.slice(0, -1), 'utf8').toString('utf8')).toBe(input.slice(0, -1));
  });

  it('accepts 4096 and rejects 4097 bytes in one body', () => {
    const parsed = parseAlertLines(`${lineOfBytes(4096)}\n${lineOfBytes(4097)}`);
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.rejected.map((r) => r.error)).toEqual(['line 2: line is 4097 bytes, at most 4096']);
  });

  it('returns nothing for an empty or blank body', () => {
    expect(parseAlertLines('')).toEqual({ alerts: [], rejected: [] });
    expect(parseAlertLines('\n\r\n  \n\t')).toEqual({ alerts: [], rejected: [] });
  });

  it('accepts a body without a final newline and Open-Falcon lines among others', () => {
    const parsed = parseAlertLines(
      '[P1][PROBLEM][web-01][][ all(#3) cpu.idle  3.2<10][O3 2024-05-01 10:00:00]\n[P1][OK][web-01][][ all(#3) cpu.idle  30<10][O4 2024-05-01 10:05:00]',
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.alerts.map((a) => [a.status, a.step, a.eventTime])).toEqual([
      ['PROBLEM', 3, '2024-05-01 10:00:00'],
      ['OK', 4, '2024-05-01 10:05:00'],
    ]);
  });

  it('accepts exactly the maximum number of alerts', () => {
    const line = '[P3][PROBLEM][web-01][][x]';
    const body = Array.from({ length: INGEST_LIMITS.maxAlertsPerRequest }, () => line).join('\n');
    expect(parseAlertLines(`${body}\n\n\n`).alerts).toHaveLength(INGEST_LIMITS.maxAlertsPerRequest);
  });

  it('throws TooManyAlertsError above the maximum, counting non-blank lines only', () => {
    const line = '[P3][PROBLEM][web-01][][x]';
    const body = Array.from({ length: INGEST_LIMITS.maxAlertsPerRequest + 1 }, () => line).join('\n');
    expect(() => parseAlertLines(body)).toThrow(TooManyAlertsError);
    try {
      parseAlertLines(`${body}\ngarbage`);
      throw new Error('did not throw');
    } catch (err) {
      expect(err).toBeInstanceOf(TooManyAlertsError);
      expect((err as TooManyAlertsError).count).toBe(INGEST_LIMITS.maxAlertsPerRequest + 2);
      expect((err as TooManyAlertsError).code).toBe('too_many_alerts');
    }
  });

  it('counts garbage lines towards the limit too', () => {
    const body = Array.from({ length: INGEST_LIMITS.maxAlertsPerRequest + 1 }, () => 'garbage').join('\n');
    expect(() => parseAlertLines(body)).toThrow(TooManyAlertsError);
  });
});
