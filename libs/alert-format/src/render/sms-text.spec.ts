import type { RenderableAlert } from './renderable-alert';
import { smsSegments } from './sms-segments';
import { STORM_VARIOUS, renderAlertSms, renderRecoverySms, renderStormSms, sameSmsApartFromCount } from './sms-text';

function anAlert(overrides: Partial<RenderableAlert> = {}): RenderableAlert {
  return {
    status: 'PROBLEM',
    number: 4711,
    priority: 'P0',
    host: 'web-01',
    ip: '10.0.0.1',
    message: 'host is down',
    count: 1,
    firstSeenAt: new Date('2026-03-01T10:00:00Z'),
    ...overrides,
  };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('renderAlertSms: short alerts', () => {
  it.each<[string, Partial<RenderableAlert>, string]>([
    [
      'a typical P0 seen 3 times (GSM-7: ASCII x and -)',
      { count: 3, replyCode: 1 },
      '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 x3 - reply 1a ack, 1s silence 1h',
    ],
    ['count 1 shows no count', { count: 1, replyCode: 1 }, '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 - reply 1a ack, 1s silence 1h'],
    ['no reply code, no hint', { count: 3 }, '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 x3'],
    ['a two-digit reply code', { replyCode: 12 }, '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 - reply 12a ack, 12s silence 1h'],
    ['a reply code that is not a positive integer is not shown', { replyCode: 0 }, '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711'],
    ['an empty ip', { ip: '', priority: 'P2', replyCode: 2 }, '[P2][PROBLEM][web-01][][host is down] #4711 - reply 2a ack, 2s silence 1h'],
    ['OK: recovered, no count and no hint', { status: 'OK', count: 5, replyCode: 1 }, '[P0][OK][web-01][10.0.0.1][host is down] #4711 recovered'],
    ['OK with an actor', { status: 'OK', actor: 'alice' }, '[P0][OK][web-01][10.0.0.1][host is down] #4711 resolved by alice'],
    ['a PROBLEM ignores the actor', { actor: 'bob', replyCode: 1 }, '[P0][PROBLEM][web-01][10.0.0.1][host is down] #4711 - reply 1a ack, 1s silence 1h'],
    [
      'brackets and extension characters in the message stay GSM-7',
      { priority: 'P2', message: 'disk [/var] {json} ~ 91%', count: 2, replyCode: 1 },
      '[P2][PROBLEM][web-01][10.0.0.1][disk [/var] {json} ~ 91%] #4711 x2 - reply 1a ack, 1s silence 1h',
    ],
    [
      'a Chinese alert is UCS-2 anyway, so it keeps × and —',
      { priority: 'P1', host: '数据库-01', ip: '10.0.0.5', message: '磁盘使用率 91%', number: 42, count: 2, replyCode: 3 },
      '[P1][PROBLEM][数据库-01][10.0.0.5][磁盘使用率 91%] #42 ×2 — reply 3a ack, 3s silence 1h',
    ],
    [
      'a curly quote makes the alert UCS-2, so it keeps × and —',
      { message: 'can’t reach host', count: 3, replyCode: 1 },
      '[P0][PROBLEM][web-01][10.0.0.1][can’t reach host] #4711 ×3 — reply 1a ack, 1s silence 1h',
    ],
    [
      'line breaks and tabs in the message become spaces',
      { message: 'host is down\r\n\tping failed', replyCode: 1 },
      '[P0][PROBLEM][web-01][10.0.0.1][host is down ping failed] #4711 - reply 1a ack, 1s silence 1h',
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(renderAlertSms(anAlert(overrides))).toBe(expected);
  });

  it('keeps a typical GSM-7 page in one 160-septet segment (84 characters, 10 of them 2-septet brackets)', () => {
    expect(smsSegments(renderAlertSms(anAlert({ count: 3, replyCode: 1 })))).toEqual({ encoding: 'GSM-7', units: 94, segments: 1 });
  });

  it('counts the extension characters of the message as 2 septets each', () => {
    const text = renderAlertSms(anAlert({ message: 'disk [/var] {json} ~ 91%', replyCode: 1 }));
    const extensions = [...text].filter((c) => '[]{}~'.includes(c)).length;
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: text.length + extensions, segments: 1 });
  });

  it('renderRecoverySms renders the alert as OK', () => {
    expect(renderRecoverySms(anAlert({ count: 3, replyCode: 1, actor: 'alice' }))).toBe(
      '[P0][OK][web-01][10.0.0.1][host is down] #4711 resolved by alice',
    );
  });

  it('sameSmsApartFromCount: one alert rendered with more repeats is the same message; another alert, status or priority is not', () => {
    const first = renderAlertSms(anAlert({ replyCode: 1 }));
    const same = (overrides: Partial<RenderableAlert>) => sameSmsApartFromCount(first, renderAlertSms(anAlert({ replyCode: 1, ...overrides })));
    expect(same({ count: 3 })).toBe(true);
    expect(sameSmsApartFromCount(renderAlertSms(anAlert({ count: 2 })), renderAlertSms(anAlert({ count: 12 })))).toBe(true);
    // a Unicode message counts with ×, a GSM-7 one with x
    expect(sameSmsApartFromCount(renderAlertSms(anAlert({ message: 'Überlast' })), renderAlertSms(anAlert({ message: 'Überlast', count: 4 })))).toBe(true);
    expect(same({ number: 4712 })).toBe(false);
    expect(same({ number: 47110, count: 3 })).toBe(false);
    expect(same({ priority: 'P1' })).toBe(false);
    expect(same({ replyCode: 2 })).toBe(false);
    expect(sameSmsApartFromCount(first, renderRecoverySms(anAlert({ replyCode: 1 })))).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxSegments %p', (maxSegments) => {
    expect(() => renderAlertSms(anAlert(), { maxSegments })).toThrow(RangeError);
  });
});

describe('renderAlertSms: fitting long alerts', () => {
  const HINT_GSM = ' #4711 x3 - reply 1a ack, 1s silence 1h';
  const HINT_UCS2 = ' #4711 ×3 — reply 1a ack, 1s silence 1h';

  it('trims a 4 KiB English message to 3 GSM-7 segments, keeping the head and the hint', () => {
    const message = 'disk almost full on /var/lib/postgresql '.repeat(103).slice(0, 4096);
    const text = renderAlertSms(anAlert({ message, count: 3, replyCode: 1 }));
    const count = smsSegments(text);
    expect(count.encoding).toBe('GSM-7');
    expect(count.segments).toBe(3);
    expect(count.units).toBeGreaterThan(459 - 12); // as much of the message as fits
    expect(text.startsWith('[P0][PROBLEM][web-01][10.0.0.1][disk almost full on /var/lib/postgresql')).toBe(true);
    expect(text.endsWith(`...]${HINT_GSM}`)).toBe(true);
  });

  it('trims a long Chinese message to 3 UCS-2 segments (201 units), keeping the hint', () => {
    const message = '数据库主库磁盘使用率超过百分之九十五，请立即处理。'.repeat(40);
    const text = renderAlertSms(anAlert({ host: '数据库-01', message, count: 3, replyCode: 1 }));
    const count = smsSegments(text);
    expect(count.encoding).toBe('UCS-2');
    expect(count.segments).toBe(3);
    expect(count.units).toBeLessThanOrEqual(201);
    expect(count.units).toBeGreaterThanOrEqual(200);
    expect(text.startsWith('[P0][PROBLEM][数据库-01][10.0.0.1][数据库主库')).toBe(true);
    expect(text.endsWith(`…]${HINT_UCS2}`)).toBe(true);
  });

  it('never splits an emoji when trimming', () => {
    const message = `fire ${'🔥'.repeat(200)}`;
    const text = renderAlertSms(anAlert({ message, count: 3, replyCode: 1 }));
    expect(smsSegments(text).segments).toBe(3);
    expect(text).not.toMatch(LONE_SURROGATE);
    expect(text.endsWith(`🔥…]${HINT_UCS2}`)).toBe(true);
  });

  it('becomes GSM-7 when the only non-GSM characters are in the part of the message cut away', () => {
    const message = `${'service latency high '.repeat(30)} 延迟`;
    const text = renderAlertSms(anAlert({ message, count: 3, replyCode: 1 }));
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 3 });
    expect(text.endsWith(`...]${HINT_GSM}`)).toBe(true);
  });

  it('fits one segment when asked', () => {
    const message = 'x'.repeat(300);
    const text = renderAlertSms(anAlert({ message, count: 3, replyCode: 1 }), { maxSegments: 1 });
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(text.endsWith(`...]${HINT_GSM}`)).toBe(true);
  });

  it('does not trim a message that fits exactly', () => {
    const head = '[P0][PROBLEM][web-01][10.0.0.1][';
    // brackets are extension characters: 2 septets each (9 in the head, 1 after the message)
    const fixed = head.length + 9 + `]${HINT_GSM}`.length + 1;
    const message = 'm'.repeat(160 - fixed);
    const text = renderAlertSms(anAlert({ message, count: 3, replyCode: 1 }), { maxSegments: 1 });
    expect(text).toBe(`${head}${message}]${HINT_GSM}`);
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
  });

  it('with an absurd host, drops the message, then the ip, then cuts the host; number and hint stay', () => {
    const host = `h${'x'.repeat(1000)}`;
    const text = renderAlertSms(anAlert({ host, message: 'host is down', count: 3, replyCode: 1 }));
    expect(smsSegments(text).segments).toBeLessThanOrEqual(3);
    expect(text).toMatch(/^\[P0\]\[PROBLEM\]\[hx+\.\.\.\]\[\]\[\.\.\.\] #4711 x3 - reply 1a ack, 1s silence 1h$/);
  });

  it('with an absurd actor on a recovery, cuts the actor before the host', () => {
    const text = renderAlertSms(anAlert({ status: 'OK', actor: 'a'.repeat(1000) }));
    expect(smsSegments(text).segments).toBeLessThanOrEqual(3);
    expect(text).toMatch(/^\[P0\]\[OK\]\[web-01\]\[\]\[\.\.\.\] #4711 resolved by a+\.\.\.$/);
  });
});

describe('renderStormSms', () => {
  const hosts = (n: number, width = 2): string[] => Array.from({ length: n }, (_, i) => `web-${String(i + 1).padStart(width, '0')}`);
  const storm = (names: string[], overrides: Partial<RenderableAlert> = {}): RenderableAlert[] =>
    names.map((host, i) => anAlert({ host, priority: 'P1', number: 100 + i, ...overrides }));

  it.each<[string, RenderableAlert[], string]>([
    ['3 alerts, one message', storm(hosts(3)), '[P1][PROBLEM] 3 alerts: host is down - web-01, web-02, web-03'],
    ['one alert', storm(['db-01']), '[P1][PROBLEM] 1 alert: host is down - db-01'],
    [
      'the most urgent priority leads, and its host comes first',
      [anAlert({ host: 'a', priority: 'P2' }), anAlert({ host: 'b', priority: 'P0' }), anAlert({ host: 'c', priority: 'P1' })],
      '[P0][PROBLEM] 3 alerts: host is down - b, c, a',
    ],
    [
      'same priority: earliest first seen first',
      [
        anAlert({ host: 'late', priority: 'P1', firstSeenAt: new Date('2026-03-01T10:05:00Z') }),
        anAlert({ host: 'early', priority: 'P1', firstSeenAt: new Date('2026-03-01T10:00:00Z') }),
      ],
      '[P1][PROBLEM] 2 alerts: host is down - early, late',
    ],
    [
      'a message most alerts share',
      [...storm(hosts(2)), anAlert({ host: 'web-09', priority: 'P1', message: 'disk full' })],
      '[P1][PROBLEM] 3 alerts: host is down - web-01, web-02, web-09',
    ],
    [
      'no majority: various',
      [anAlert({ host: 'a', message: 'disk full' }), anAlert({ host: 'b', message: 'load high' }), anAlert({ host: 'c' })],
      `[P0][PROBLEM] 3 alerts: ${STORM_VARIOUS} - a, b, c`,
    ],
    ['a host with several alerts is listed once', storm(['web-01', 'web-01', 'web-02']), '[P1][PROBLEM] 3 alerts: host is down - web-01, web-02'],
    ['all recovered', storm(hosts(2), { status: 'OK' }), '[P1][OK] 2 alerts: host is down - web-01, web-02'],
    [
      'some recovered',
      [...storm(['web-01']), ...storm(['web-02'], { status: 'OK' })],
      '[P1][PROBLEM] 2 alerts (1 OK): host is down - web-01, web-02',
    ],
    ['a Chinese storm is UCS-2 and keeps the dash', storm(['数据库-01', '数据库-02'], { message: '主机宕机' }), '[P1][PROBLEM] 2 alerts: 主机宕机 — 数据库-01, 数据库-02'],
  ])('%s', (_name, alerts, expected) => {
    expect(renderStormSms(alerts)).toBe(expected);
  });

  it('lists as many of 300 hosts as one segment holds, then (+N)', () => {
    const text = renderStormSms(storm(hosts(300, 3)), { maxSegments: 1 });
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    const match = /^\[P1\]\[PROBLEM\] 300 alerts: host is down - (.+) \(\+(\d+)\)$/.exec(text);
    expect(match).not.toBeNull();
    const listed = (match?.[1] ?? '').split(', ');
    expect(listed.slice(0, 3)).toEqual(['web-001', 'web-002', 'web-003']);
    expect(listed.length + Number(match?.[2])).toBe(300);
    // one more host would not have fitted
    expect(text.length + ', web-000'.length).toBeGreaterThan(160);
  });

  it('lists more of 300 hosts in the default 3 segments', () => {
    const text = renderStormSms(storm(hosts(300, 3)));
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 3 });
    const match = /^\[P1\]\[PROBLEM\] 300 alerts: host is down - (.+) \(\+(\d+)\)$/.exec(text);
    const listed = (match?.[1] ?? '').split(', ');
    expect(listed.length).toBeGreaterThan(40);
    expect(listed.length + Number(match?.[2])).toBe(300);
  });

  it('renders the SPEC example shape for 37 alerts in one UCS-2 segment', () => {
    const text = renderStormSms(storm(hosts(37), { message: '主机宕机' }), { maxSegments: 1 });
    expect(text).toBe('[P1][PROBLEM] 37 alerts: 主机宕机 — web-01, web-02, web-03, web-04 (+33)');
    expect(smsSegments(text)).toEqual({ encoding: 'UCS-2', units: 68, segments: 1 });
  });

  it('cuts a long common message but keeps the first host', () => {
    const text = renderStormSms(storm(hosts(5), { message: 'replication lag above threshold '.repeat(20) }), { maxSegments: 1 });
    expect(smsSegments(text).segments).toBe(1);
    expect(text).toMatch(/^\[P1\]\[PROBLEM\] 5 alerts: replication lag above threshold .*\.\.\. - web-01 \(\+4\)$/);
  });

  it('when not even the first host fits, says how many hosts instead', () => {
    const text = renderStormSms(storm([`h${'x'.repeat(300)}`, 'web-02']), { maxSegments: 1 });
    expect(text).toBe('[P1][PROBLEM] 2 alerts: host is down - 2 hosts');
  });

  it('refuses an empty storm', () => {
    expect(() => renderStormSms([])).toThrow(RangeError);
  });
});
