import type { Silence, SilenceableAlert, SilenceMatchers } from './silence';
import { activeSilenceFor, isActive, matches } from './silence-matcher';

const alert = (overrides: Partial<SilenceableAlert> = {}): SilenceableAlert => ({
  host: 'web-01',
  ip: '10.0.0.1',
  message: 'host is down',
  priority: 'P0',
  fingerprint: 'm:abc123',
  ...overrides,
});

const T = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`);

let nextId = 0;
const silence = (overrides: Partial<Silence> = {}): Silence => ({
  id: `s-${++nextId}`,
  matchers: { host: 'web-*' },
  startsAt: T('10:00'),
  endsAt: T('12:00'),
  untilAlertId: null,
  author: 'alice',
  comment: 'maintenance',
  origin: 'web',
  expiredAt: null,
  ...overrides,
});

describe('matches: each matcher kind', () => {
  it.each<[string, SilenceMatchers, Partial<SilenceableAlert>, boolean]>([
    // host glob, case-insensitive
    ['host db-* matches db-01', { host: 'db-*' }, { host: 'db-01' }, true],
    ['host db-* matches DB-01', { host: 'db-*' }, { host: 'DB-01' }, true],
    ['host DB-* matches db-01', { host: 'DB-*' }, { host: 'db-01' }, true],
    ['host db-* only at the start', { host: 'db-*' }, { host: 'mydb-01' }, false],
    ['host db-* spans dots', { host: 'db-*' }, { host: 'db-01.example.com' }, true],
    ['host * matches everything', { host: '*' }, { host: 'anything.at.all' }, true],
    ['host web-0? matches one character', { host: 'web-0?' }, { host: 'web-07' }, true],
    ['host web-0? not two', { host: 'web-0?' }, { host: 'web-012' }, false],
    ['host web-0? not none', { host: 'web-0?' }, { host: 'web-0' }, false],
    ['host exact name', { host: 'web-01' }, { host: 'web-01' }, true],
    ['host exact name, other host', { host: 'web-01' }, { host: 'web-011' }, false],
    ['host braces', { host: 'web-{01,02}' }, { host: 'web-02' }, true],
    ['host braces, not listed', { host: 'web-{01,02}' }, { host: 'web-03' }, false],
    ['host non-ASCII', { host: '数据库-*' }, { host: '数据库-01' }, true],
    // ip: exact or CIDR, v4 and v6
    ['ip exact v4', { ip: '10.0.0.1' }, { ip: '10.0.0.1' }, true],
    ['ip exact v4, other address', { ip: '10.0.0.1' }, { ip: '10.0.0.10' }, false],
    ['ip /24 holds .200', { ip: '10.0.0.0/24' }, { ip: '10.0.0.200' }, true],
    ['ip /24 not the next /24', { ip: '10.0.0.0/24' }, { ip: '10.0.1.1' }, false],
    ['ip /8', { ip: '10.0.0.0/8' }, { ip: '10.255.3.4' }, true],
    ['ip /32 is exact', { ip: '192.168.1.5/32' }, { ip: '192.168.1.5' }, true],
    ['ip /0 holds every v4', { ip: '0.0.0.0/0' }, { ip: '203.0.113.9' }, true],
    ['ip v4 range holds the v4-mapped v6 form', { ip: '10.0.0.0/24' }, { ip: '::ffff:10.0.0.9' }, true],
    ['ip v6 /32', { ip: '2001:db8::/32' }, { ip: '2001:db8:1::5' }, true],
    ['ip v6 /32, outside', { ip: '2001:db8::/32' }, { ip: '2001:db9::1' }, false],
    ['ip v6 /64', { ip: 'fd00:1:2:3::/64' }, { ip: 'fd00:1:2:3:ffff::1' }, true],
    ['ip v6 exact, other spelling', { ip: '2001:db8::1' }, { ip: '2001:0DB8:0:0::1' }, true],
    ['ip v6 exact, other address', { ip: '2001:db8::1' }, { ip: '2001:db8::2' }, false],
    ['ip v4 range, v6 alert', { ip: '10.0.0.0/8' }, { ip: '2001:db8::1' }, false],
    ['ip v6 range, v4 alert', { ip: '2001:db8::/32' }, { ip: '10.0.0.1' }, false],
    ['ip matcher, alert without ip', { ip: '10.0.0.0/8' }, { ip: '' }, false],
    ['ip matcher, alert ip not an address', { ip: '10.0.0.0/8' }, { ip: 'web-01' }, false],
    // message substring, case-insensitive
    ['message substring', { message: 'is down' }, { message: 'host is down' }, true],
    ['message substring, other case', { message: 'DOWN' }, { message: 'Host Is Down' }, true],
    ['message substring absent', { message: 'disk' }, { message: 'host is down' }, false],
    ['message substring is literal, not a regex', { message: 'disk.*full' }, { message: 'disk is full' }, false],
    ['message substring, literal dots', { message: 'cpu.idle' }, { message: 'all(#3) cpu.idle 3.2<10' }, true],
    ['message non-ASCII', { message: '磁盘' }, { message: '磁盘使用率 91%' }, true],
    // message regex
    ['regex with flags', { messageRegex: '/disk (full|\\d+%)/i' }, { message: 'Disk FULL on /var' }, true],
    ['regex plain', { messageRegex: 'disk \\d+%' }, { message: 'disk 91% used' }, true],
    ['regex plain is case-sensitive', { messageRegex: 'disk \\d+%' }, { message: 'Disk 91% used' }, false],
    ['regex anchored', { messageRegex: '^host' }, { message: 'the host is down' }, false],
    ['regex literal form, anchored end', { messageRegex: '/down$/' }, { message: 'host is down' }, true],
    // priority list
    ['priority listed', { priority: ['P0', 'P1'] }, { priority: 'P1' }, true],
    ['priority not listed', { priority: ['P0', 'P1'] }, { priority: 'P2' }, false],
    ['priority, lower-case alert', { priority: ['P3'] }, { priority: 'p3' }, true],
    ['priority, single', { priority: ['P9'] }, { priority: 'P9' }, true],
    // fingerprint, exact
    ['fingerprint equal', { fingerprint: 'm:abc123' }, {}, true],
    ['fingerprint different', { fingerprint: 'm:abc124' }, {}, false],
    ['fingerprint is case-sensitive', { fingerprint: 'M:ABC123' }, {}, false],
    ['fingerprint not a prefix', { fingerprint: 'm:abc' }, {}, false],
  ])('%s', (_name, matchers, overrides, expected) => {
    expect(matches(matchers, alert(overrides))).toBe(expected);
  });
});

describe('matches: combinations (all given must hold)', () => {
  const all: SilenceMatchers = {
    host: 'web-*',
    ip: '10.0.0.0/24',
    message: 'DOWN',
    messageRegex: '/^host/',
    priority: ['P0', 'P1'],
    fingerprint: 'm:abc123',
  };
  it.each<[string, SilenceMatchers, Partial<SilenceableAlert>, boolean]>([
    ['host and priority hold', { host: 'db-*', priority: ['P0'] }, { host: 'db-01', priority: 'P0' }, true],
    ['host holds, priority does not', { host: 'db-*', priority: ['P0'] }, { host: 'db-01', priority: 'P1' }, false],
    ['priority holds, host does not', { host: 'db-*', priority: ['P0'] }, { host: 'web-01', priority: 'P0' }, false],
    ['ip and message hold', { ip: '10.0.0.0/24', message: 'down' }, {}, true],
    ['ip holds, message does not', { ip: '10.0.0.0/24', message: 'disk' }, {}, false],
    ['substring and regex both hold', { message: 'disk', messageRegex: '\\d+%' }, { message: 'disk 91%' }, true],
    ['substring holds, regex does not', { message: 'disk', messageRegex: '\\d+%' }, { message: 'disk full' }, false],
    ['all six hold', all, {}, true],
    ['all six, host fails', all, { host: 'db-01' }, false],
    ['all six, ip fails', all, { ip: '10.0.1.1' }, false],
    ['all six, message fails', all, { message: 'host is up' }, false],
    ['all six, regex fails', all, { message: 'the host is down' }, false],
    ['all six, priority fails', all, { priority: 'P2' }, false],
    ['all six, fingerprint fails', all, { fingerprint: 'm:other' }, false],
  ])('%s', (_name, matchers, overrides, expected) => {
    expect(matches(matchers, alert(overrides))).toBe(expected);
  });
});

describe('matches: matchers that match nothing', () => {
  it.each<[string, unknown]>([
    ['no matchers', {}],
    ['only undefined matchers', { host: undefined, ip: undefined }],
    ['only null matchers', { host: null }],
    ['an empty priority list', { priority: [] }],
    ['an unknown matcher key', { labels: { team: 'ops' } }],
    ['a known matcher with an unknown one', { host: '*', labels: 'x' }],
    ['a host that is not a string', { host: 5 }],
    ['an empty host', { host: '' }],
    ['an ip that is not an address', { ip: '10.0.0' }],
    ['a CIDR with a bad prefix', { ip: '10.0.0.0/33' }],
    ['a regex that does not compile', { messageRegex: '(' }],
    ['priority not a list', { priority: 'P0' }],
    ['not an object', null],
    ['an array', [{ host: '*' }]],
  ])('%s', (_name, matchers) => {
    expect(matches(matchers as SilenceMatchers, alert())).toBe(false);
  });

  it('a global-flag regex gives the same answer every time (no lastIndex state)', () => {
    const m: SilenceMatchers = { messageRegex: '/down/g' };
    expect([1, 2, 3, 4].map(() => matches(m, alert()))).toEqual([true, true, true, true]);
  });
});

describe('isActive', () => {
  it.each<[string, Partial<Silence>, string, boolean]>([
    ['before the start', {}, '09:59', false],
    ['at the start', {}, '10:00', true],
    ['in the window', {}, '11:00', true],
    ['a millisecond before the end', {}, '11:59', true],
    ['at the end', {}, '12:00', false],
    ['after the end', {}, '13:00', false],
    ['expired later: still active before', { expiredAt: T('11:00') }, '10:30', true],
    ['expired: at the expiry', { expiredAt: T('11:00') }, '11:00', false],
    ['expired: after the expiry', { expiredAt: T('11:00') }, '11:30', false],
    ['expired before it started', { expiredAt: T('09:00') }, '10:30', false],
    ['until OK: long after the start', { endsAt: null, untilAlertId: 'alert-1' }, '23:59', true],
    ['until OK: before the start', { endsAt: null, untilAlertId: 'alert-1' }, '09:00', false],
    ['until OK: ended when its alert resolved', { endsAt: null, untilAlertId: 'alert-1', expiredAt: T('11:00') }, '11:01', false],
    ['until OK with an end: before it', { untilAlertId: 'alert-1' }, '11:00', true],
    ['until OK with an end: after it', { untilAlertId: 'alert-1' }, '12:30', false],
    ['no end and no alert: never active', { endsAt: null }, '11:00', false],
    ['no end and an empty alert id: never active', { endsAt: null, untilAlertId: '' }, '11:00', false],
    ['a future silence, now', { startsAt: T('20:00'), endsAt: T('22:00') }, '11:00', false],
    ['a future silence, when it starts', { startsAt: T('20:00'), endsAt: T('22:00') }, '20:00', true],
  ])('%s', (_name, overrides, at, expected) => {
    const at_ = at === '11:59' ? new Date(T('12:00').getTime() - 1) : T(at);
    expect(isActive(silence(overrides), at_)).toBe(expected);
  });

  it('an invalid date is never active', () => {
    expect(isActive(silence(), new Date(Number.NaN))).toBe(false);
    expect(isActive(silence({ startsAt: new Date(Number.NaN) }), T('11:00'))).toBe(false);
  });
});

describe('activeSilenceFor', () => {
  const at = T('11:00');
  const ended = silence({ id: 'ended', matchers: { host: 'web-*' }, endsAt: T('10:30') });
  const expired = silence({ id: 'expired', matchers: { host: '*' }, expiredAt: T('10:45') });
  const future = silence({ id: 'future', matchers: { host: '*' }, startsAt: T('11:30') });
  const dbHosts = silence({ id: 'db-hosts', matchers: { host: 'db-*' } });
  const webP1 = silence({ id: 'web-p1', matchers: { host: 'web-*', priority: ['P1'] } });
  const webAny = silence({ id: 'web-any', matchers: { host: 'web-*' } });
  const thisAlert = silence({ id: 'this-alert', matchers: { fingerprint: 'm:abc123' }, endsAt: null, untilAlertId: 'alert-1' });
  const list = [ended, expired, future, dbHosts, webP1, webAny, thisAlert];

  it.each<[string, readonly Silence[], Partial<SilenceableAlert>, string | undefined]>([
    ['skips ended, expired and future silences', list, {}, 'web-any'],
    ['the first match in order wins', list, { priority: 'P1' }, 'web-p1'],
    ['order decides between matches', [thisAlert, webAny], {}, 'this-alert'],
    ['a db host', list, { host: 'db-07', fingerprint: 'm:other' }, 'db-hosts'],
    ['until OK by fingerprint', list, { host: 'cache-01' }, 'this-alert'],
    ['nothing matches', list, { host: 'cache-01', fingerprint: 'm:other' }, undefined],
    ['no silences', [], {}, undefined],
    ['only inactive silences', [ended, expired, future], {}, undefined],
  ])('%s', (_name, silences, overrides, expectedId) => {
    expect(activeSilenceFor(silences, alert(overrides), at)?.id).toBe(expectedId);
  });

  it('recompiles a silence whose matchers changed under the same id', () => {
    const before = silence({ id: 'edited', matchers: { host: 'web-*' } });
    expect(activeSilenceFor([before], alert(), at)?.id).toBe('edited');
    const after = { ...before, matchers: { host: 'db-*' } };
    expect(activeSilenceFor([after], alert(), at)).toBeUndefined();
    expect(activeSilenceFor([after], alert({ host: 'db-01' }), at)?.id).toBe('edited');
  });

  it('a reloaded silence with the same matchers gives the same answers', () => {
    const first = silence({ id: 'reloaded', matchers: { priority: ['P0'], host: 'web-*' } });
    const reloaded = { ...first, matchers: { host: 'web-*', priority: ['P0' as const] } };
    expect(activeSilenceFor([first], alert(), at)?.id).toBe('reloaded');
    expect(activeSilenceFor([reloaded], alert(), at)?.id).toBe('reloaded');
    expect(activeSilenceFor([reloaded], alert({ priority: 'P1' }), at)).toBeUndefined();
  });

  it('a silence that can match nothing is skipped, not thrown on', () => {
    const broken = silence({ id: 'broken', matchers: { messageRegex: '(' } });
    expect(activeSilenceFor([broken, webAny], alert(), at)?.id).toBe('web-any');
  });
});

describe('activeSilenceFor: many silences and alerts (sanity, not timed)', () => {
  it('checks 2000 alerts against 300 silences', () => {
    const at = T('11:00');
    // silence i targets target i by host glob, ip range or message regex in turn
    const silences: Silence[] = Array.from({ length: 300 }, (_, i) => {
      const kind = i % 3;
      const matchers: SilenceMatchers =
        kind === 0
          ? { host: `h-${i}-*`, priority: ['P0', 'P1'] }
          : kind === 1
            ? { ip: `10.${Math.floor(i / 256)}.${i % 256}.0/24` }
            : { messageRegex: `/code-${i}:/i`, message: 'failure' };
      return silence({ id: `perf-${i}`, matchers });
    });
    // plus inactive ones that would match everything
    silences.unshift(silence({ id: 'perf-ended', matchers: { host: '*' }, endsAt: T('10:30') }));
    silences.push(silence({ id: 'perf-future', matchers: { host: '*' }, startsAt: T('23:00'), endsAt: T('23:30') }));

    // alert j is about target j mod 600: the first 300 targets are silenced
    const alerts = Array.from({ length: 2000 }, (_, j) => {
      const k = j % 600;
      return alert({
        host: `h-${k}-x`,
        ip: `10.${Math.floor(k / 256)}.${k % 256}.7`,
        message: `error code-${k}: failure`,
        priority: 'P0',
        fingerprint: `m:${k}`,
      });
    });

    const found = alerts.map((a) => activeSilenceFor(silences, a, at)?.id);
    const silenced = found.filter((id) => id !== undefined);
    expect(silenced).toHaveLength(1100);
    expect(found[0]).toBe('perf-0');
    expect(found[1]).toBe('perf-1');
    expect(found[2]).toBe('perf-2');
    expect(found[299]).toBe('perf-299');
    expect(found[300]).toBeUndefined();
    expect(found[1999]).toBe('perf-199');
  });
});
