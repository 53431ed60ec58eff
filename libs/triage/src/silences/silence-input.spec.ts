import { DEFAULT_MAX_SILENCE_MS, parseSilenceInput, parseSilenceMatchers, type SilenceInput } from './silence-input';

const now = new Date('2026-05-01T10:00:00Z');
const at = (iso: string) => new Date(iso);

const MATCHER_LIST = 'host, ip, message, messageRegex, priority, fingerprint';
const FIELD_LIST = 'matchers, startsAt, endsAt, duration, comment';
const TIME_HINT = 'an ISO 8601 time with a zone like 2026-05-01T10:00:00Z';

/** A good body, changed by `overrides` (a key set to undefined is removed). */
const body = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  const out: Record<string, unknown> = { matchers: { host: 'db-*' }, duration: '2h', comment: 'disk swap', ...overrides };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
};

describe('parseSilenceInput: good bodies', () => {
  it.each<[string, unknown, SilenceInput]>([
    [
      'matchers, duration and comment',
      body(),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-01T12:00:00Z'), comment: 'disk swap' },
    ],
    [
      'endsAt instead of duration; comment trimmed',
      body({ matchers: { ip: '10.0.0.0/24' }, duration: undefined, endsAt: '2026-05-01T11:30:00Z', comment: '  reboot  ' }),
      { matchers: { ip: '10.0.0.0/24' }, startsAt: now, endsAt: at('2026-05-01T11:30:00Z'), comment: 'reboot' },
    ],
    [
      'a future start with a zone offset, duration counted from it',
      body({ startsAt: '2026-05-02T08:00:00+08:00', duration: '1d' }),
      { matchers: { host: 'db-*' }, startsAt: at('2026-05-02T00:00:00Z'), endsAt: at('2026-05-03T00:00:00Z'), comment: 'disk swap' },
    ],
    [
      'a start in the past starts now',
      body({ startsAt: '2026-05-01T09:00:00Z', duration: '30m' }),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-01T10:30:00Z'), comment: 'disk swap' },
    ],
    [
      'a past start with an endsAt in the future',
      body({ startsAt: '2026-05-01T09:00:00Z', duration: undefined, endsAt: '2026-05-01T10:05:00.500Z' }),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-01T10:05:00.500Z'), comment: 'disk swap' },
    ],
    [
      'a compound duration',
      body({ duration: '1h30m' }),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-01T11:30:00Z'), comment: 'disk swap' },
    ],
    [
      'exactly the longest duration',
      body({ duration: '30d' }),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-31T10:00:00Z'), comment: 'disk swap' },
    ],
    [
      'an endsAt exactly 30 days after a future start',
      body({ startsAt: '2026-05-10T00:00:00Z', duration: undefined, endsAt: '2026-06-09T00:00:00Z' }),
      { matchers: { host: 'db-*' }, startsAt: at('2026-05-10T00:00:00Z'), endsAt: at('2026-06-09T00:00:00Z'), comment: 'disk swap' },
    ],
    [
      'priorities upper-cased and deduplicated',
      body({ matchers: { priority: ['p1', 'P0', 'P1'] } }),
      { matchers: { priority: ['P1', 'P0'] }, startsAt: now, endsAt: at('2026-05-01T12:00:00Z'), comment: 'disk swap' },
    ],
    [
      'a single priority string is a list of one',
      body({ matchers: { priority: 'p2' } }),
      { matchers: { priority: ['P2'] }, startsAt: now, endsAt: at('2026-05-01T12:00:00Z'), comment: 'disk swap' },
    ],
    [
      'every matcher; host, ip and fingerprint trimmed; message kept as given; nulls ignored',
      body({
        matchers: {
          host: ' web-0? ',
          ip: ' 2001:db8::/32 ',
          message: ' is down',
          messageRegex: '/disk (full|\\d+%)/i',
          priority: ['P0'],
          fingerprint: ' m:abc ',
          extra: null,
        },
        startsAt: null,
        endsAt: null,
      }),
      {
        matchers: {
          host: 'web-0?',
          ip: '2001:db8::/32',
          message: ' is down',
          messageRegex: '/disk (full|\\d+%)/i',
          priority: ['P0'],
          fingerprint: 'm:abc',
        },
        startsAt: now,
        endsAt: at('2026-05-01T12:00:00Z'),
        comment: 'disk swap',
      },
    ],
    [
      'a comment of exactly 1000 characters, in any script',
      body({ comment: '维'.repeat(1000) }),
      { matchers: { host: 'db-*' }, startsAt: now, endsAt: at('2026-05-01T12:00:00Z'), comment: '维'.repeat(1000) },
    ],
  ])('%s', (_name, input, expected) => {
    expect(parseSilenceInput(input, now)).toEqual({ ok: true, value: expected });
  });

  it('returns dates that do not share the caller’s now', () => {
    const result = parseSilenceInput(body(), now);
    expect(result.ok && result.value.startsAt).not.toBe(now);
  });

  it('takes a shorter longest duration', () => {
    expect(parseSilenceInput(body({ duration: '1h' }), now, 60 * 60 * 1000).ok).toBe(true);
    expect(parseSilenceInput(body({ duration: '2h' }), now, 60 * 60 * 1000)).toEqual({ ok: false, errors: ['duration: must be at most 1h'] });
  });

  it('defaults to 30 days', () => {
    expect(DEFAULT_MAX_SILENCE_MS).toBe(30 * 24 * 60 * 60 * 1000);
  });
});

describe('parseSilenceInput: bad bodies', () => {
  it.each<[string, unknown, string[]]>([
    // the body
    ['null', null, ['body: must be a JSON object, got null']],
    ['an array', [body()], ['body: must be a JSON object, got an array']],
    ['a string', 'silence db', ['body: must be a JSON object, got "silence db"']],
    ['empty', {}, ['matchers: required', 'endsAt: required (or give duration)', 'comment: required']],
    ['an unknown field', body({ author: 'mallory' }), [`author: unknown field (use ${FIELD_LIST})`]],
    ['a misspelt field', body({ duration: undefined, duraton: '2h' }), [`duraton: unknown field (use ${FIELD_LIST})`, 'endsAt: required (or give duration)']],
    // matchers
    ['matchers missing', body({ matchers: undefined }), ['matchers: required']],
    ['matchers an array', body({ matchers: [{ host: 'db-*' }] }), ['matchers: must be an object, got an array']],
    ['matchers a string', body({ matchers: 'db-*' }), ['matchers: must be an object, got "db-*"']],
    ['no matchers', body({ matchers: {} }), [`matchers: give at least one of ${MATCHER_LIST}`]],
    ['only null matchers', body({ matchers: { host: null, ip: null } }), [`matchers: give at least one of ${MATCHER_LIST}`]],
    ['an unknown matcher', body({ matchers: { host: 'db-*', labels: { team: 'ops' } } }), [`matchers.labels: unknown matcher (use ${MATCHER_LIST})`]],
    ['host not a string', body({ matchers: { host: 5 } }), ['matchers.host: must be a string, got 5']],
    ['host blank', body({ matchers: { host: '  ' } }), ['matchers.host: must not be empty']],
    ['host with a slash', body({ matchers: { host: '10.0.0.0/24' } }), ['matchers.host: must be a host glob like db-* (no "/"), got "10.0.0.0/24"']],
    ['host too long', body({ matchers: { host: 'h'.repeat(1001) } }), ['matchers.host: must be at most 1000 characters']],
    ['ip not an address', body({ matchers: { ip: '10.0.0' } }), ['matchers.ip: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got "10.0.0"']],
    ['ip a host name', body({ matchers: { ip: 'db-01' } }), ['matchers.ip: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got "db-01"']],
    ['ip v4 prefix over 32', body({ matchers: { ip: '10.0.0.0/33' } }), ['matchers.ip: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got "10.0.0.0/33"']],
    ['ip v6 prefix over 128', body({ matchers: { ip: '2001:db8::/129' } }), ['matchers.ip: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got "2001:db8::/129"']],
    ['ip prefix not a number', body({ matchers: { ip: '10.0.0.0/x' } }), ['matchers.ip: must be an IPv4 or IPv6 address or a CIDR range like 10.0.0.0/24, got "10.0.0.0/x"']],
    ['message empty', body({ matchers: { message: '' } }), ['matchers.message: must not be empty']],
    ['message too long', body({ matchers: { message: 'x'.repeat(1001) } }), ['matchers.message: must be at most 1000 characters']],
    ['regex does not compile', body({ matchers: { messageRegex: '(' } }), ['matchers.messageRegex: invalid regular expression: Invalid regular expression: /(/: Unterminated group']],
    ['regex literal does not compile', body({ matchers: { messageRegex: '/a[/i' } }), ['matchers.messageRegex: invalid regular expression: Invalid regular expression: /a[/i: Unterminated character class']],
    ['priority not P0–P9', body({ matchers: { priority: ['PX'] } }), ['matchers.priority[0]: must be one of P0–P9, got "PX"']],
    ['priority P10 and a number', body({ matchers: { priority: ['P1', 'P10', 7] } }), ['matchers.priority[1]: must be one of P0–P9, got "P10"', 'matchers.priority[2]: must be one of P0–P9, got 7']],
    ['priority an empty list', body({ matchers: { priority: [] } }), ['matchers.priority: must list at least one priority']],
    ['priority a number', body({ matchers: { priority: 3 } }), ['matchers.priority: must be a list of priorities like ["P0", "P1"], got 3']],
    ['fingerprint empty', body({ matchers: { fingerprint: '' } }), ['matchers.fingerprint: must not be empty']],
    ['fingerprint too long', body({ matchers: { fingerprint: 'k'.repeat(201) } }), ['matchers.fingerprint: must be at most 200 characters']],
    // when
    ['neither endsAt nor duration', body({ duration: undefined }), ['endsAt: required (or give duration)']],
    ['both endsAt and duration', body({ endsAt: '2026-05-01T12:00:00Z' }), ['duration: give endsAt or duration, not both']],
    ['duration not a duration', body({ duration: 'soon' }), ['duration: must be a duration like 30s, 10m, 2h or 1d, got "soon"']],
    ['duration a number', body({ duration: 7200 }), ['duration: must be a duration like 30s, 10m, 2h or 1d, got 7200']],
    ['duration negative', body({ duration: '-1h' }), ['duration: must be a duration like 30s, 10m, 2h or 1d, got "-1h"']],
    ['duration zero', body({ duration: '0s' }), ['duration: must be longer than 0']],
    ['duration over 30 days', body({ duration: '31d' }), ['duration: must be at most 30d']],
    ['duration in weeks, over 30 days', body({ duration: '5w' }), ['duration: must be at most 30d']],
    ['duration a millisecond over 30 days', body({ duration: '30d1ms' }), ['duration: must be at most 30d']],
    ['endsAt before startsAt', body({ duration: undefined, startsAt: '2026-05-02T00:00:00Z', endsAt: '2026-05-01T12:00:00Z' }), ['endsAt: must be after startsAt']],
    ['endsAt equal to startsAt', body({ duration: undefined, startsAt: '2026-05-02T00:00:00Z', endsAt: '2026-05-02T00:00:00Z' }), ['endsAt: must be after startsAt']],
    ['endsAt in the past', body({ duration: undefined, endsAt: '2026-05-01T09:00:00Z' }), ['endsAt: must be in the future']],
    ['endsAt now', body({ duration: undefined, endsAt: '2026-05-01T10:00:00Z' }), ['endsAt: must be in the future']],
    ['endsAt after a past start but before now', body({ duration: undefined, startsAt: '2026-05-01T08:00:00Z', endsAt: '2026-05-01T09:00:00Z' }), ['endsAt: must be in the future']],
    ['endsAt over 30 days away', body({ duration: undefined, endsAt: '2026-06-01T10:00:00Z' }), ['endsAt: must be at most 30d after startsAt']],
    ['endsAt not a time', body({ duration: undefined, endsAt: 'tomorrow' }), [`endsAt: must be ${TIME_HINT}, got "tomorrow"`]],
    ['endsAt without a zone', body({ duration: undefined, endsAt: '2026-05-01T12:00:00' }), [`endsAt: must be ${TIME_HINT}, got "2026-05-01T12:00:00"`]],
    ['endsAt on 30 February', body({ duration: undefined, endsAt: '2026-02-30T12:00:00Z' }), [`endsAt: must be ${TIME_HINT}, got "2026-02-30T12:00:00Z"`]],
    ['endsAt a number', body({ duration: undefined, endsAt: 1777636800000 }), [`endsAt: must be ${TIME_HINT}, got 1777636800000`]],
    ['startsAt not a time (endsAt then unchecked)', body({ startsAt: 'now' }), [`startsAt: must be ${TIME_HINT}, got "now"`]],
    ['startsAt at hour 24', body({ startsAt: '2026-05-01T24:00:00Z' }), [`startsAt: must be ${TIME_HINT}, got "2026-05-01T24:00:00Z"`]],
    // comment
    ['comment missing', body({ comment: undefined }), ['comment: required']],
    ['comment null', body({ comment: null }), ['comment: required']],
    ['comment empty', body({ comment: '' }), ['comment: must not be empty']],
    ['comment blank', body({ comment: ' \n\t ' }), ['comment: must not be empty']],
    ['comment not a string', body({ comment: 5 }), ['comment: must be a string, got 5']],
    ['comment too long', body({ comment: 'c'.repeat(1001) }), ['comment: must be at most 1000 characters, got 1001']],
    // several at once, in field order
    [
      'every problem is reported',
      { matchers: { host: '', priority: ['P11'], tag: 'x' }, duration: '2 hours', comment: '', by: 'bob' },
      [
        `by: unknown field (use ${FIELD_LIST})`,
        `matchers.tag: unknown matcher (use ${MATCHER_LIST})`,
        'matchers.host: must not be empty',
        'matchers.priority[0]: must be one of P0–P9, got "P11"',
        'duration: must be a duration like 30s, 10m, 2h or 1d, got "2 hours"',
        'comment: must not be empty',
      ],
    ],
  ])('%s', (_name, input, errors) => {
    expect(parseSilenceInput(input, now)).toEqual({ ok: false, errors });
  });
});

describe('parseSilenceMatchers', () => {
  it('names the field it was given', () => {
    expect(parseSilenceMatchers({ host: 7 }, 'silence.matchers')).toEqual({ ok: false, errors: ['silence.matchers.host: must be a string, got 7'] });
  });

  it('accepts a fingerprint alone (SMS and alert-page silences)', () => {
    expect(parseSilenceMatchers({ fingerprint: 'm:Zx9_-' })).toEqual({ ok: true, value: { fingerprint: 'm:Zx9_-' } });
  });
});
