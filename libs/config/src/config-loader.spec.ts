import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from './config.error';
import { loadKlaxonConfig, parseKlaxonConfig, validateKlaxonConfig } from './config-loader';
import { findIntegrationByToken, hashIntegrationToken } from './integration-token';

const EXAMPLE = join(__dirname, '../../../klaxon.example.yaml');
const TOKEN = 'falcon-token-0123456789';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test documents are free-form YAML

function aConfig(): Doc {
  return {
    users: [
      { id: 'alice', name: 'Alice', role: 'admin', phone: '+8613800000001', email: 'alice@example.com', timezone: 'Asia/Shanghai' },
      { id: 'bob', phone: '+8613800000002' },
      { id: 'carol', email: 'carol@example.com' },
    ],
    channels: [{ id: 'ops-hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    schedules: [{ id: 'ops-primary', timezone: 'Asia/Shanghai', rotation: { members: ['alice', 'bob'], shift: '1w', start: '2026-01-05T09:00:00' } }],
    escalationPolicies: [
      { id: 'ops', repeat: 1, steps: [{ notify: ['schedule:ops-primary', 'channel:ops-hook'], next: '10m' }, { notify: ['user:carol'], next: '15m' }] },
      { id: 'dba', steps: [{ notify: ['user:carol'] }] },
    ],
    routes: [{ match: { host: 'db-*', priority: ['P0', 'P1'] }, policy: 'dba' }, { policy: 'ops' }],
    integrations: [{ id: 'falcon', token: TOKEN }],
  };
}

function problemsOf(doc: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  const result = validateKlaxonConfig(typeof doc === 'string' ? doc : stringify(doc), env);
  return result.ok ? [] : result.problems;
}

describe('config file validation', () => {
  it('accepts the base document', () => {
    expect(problemsOf(aConfig())).toEqual([]);
  });

  it.each<[string, (doc: Doc) => void, string[]]>([
    ['empty host glob', (d) => (d.routes[0].match.host = ''), ['routes[0].match.host: must not be empty']],
    [
      'message regex that does not compile',
      (d) => (d.routes[0].match.message = 'disk (full'),
      ['routes[0].match.message: invalid regular expression: Invalid regular expression: /disk (full/: Unterminated group'],
    ],
    ['unknown route priority', (d) => (d.routes[0].match.priority = ['P0', 'PX']), ['routes[0].match.priority[1]: must be one of P0–P9, got "PX"']],
    ['route naming an unknown policy', (d) => (d.routes[1].policy = 'opz'), ['routes[1].policy: unknown escalation policy "opz"']],
    [
      'a route matching everything before the last',
      (d) => d.routes.unshift({ policy: 'ops' }),
      ['routes[0].match: only the last route may match everything; routes[1] and after would never be used'],
    ],
    [
      'step naming an unknown user',
      (d) => (d.escalationPolicies[0].steps[1].notify = ['user:dave']),
      ['escalationPolicies[0].steps[1].notify[0]: unknown user "dave"'],
    ],
    [
      'step naming an unknown schedule and channel',
      (d) => (d.escalationPolicies[0].steps[0].notify = ['schedule:dba-primary', 'channel:ops-slack']),
      ['escalationPolicies[0].steps[0].notify[0]: unknown schedule "dba-primary"', 'escalationPolicies[0].steps[0].notify[1]: unknown channel "ops-slack"'],
    ],
    [
      'malformed step target',
      (d) => (d.escalationPolicies[1].steps[0].notify = ['carol']),
      ['escalationPolicies[1].steps[0].notify[0]: must be "user:<id>", "schedule:<id>" or "channel:<id>", got "carol"'],
    ],
    [
      'missing next between steps',
      (d) => delete d.escalationPolicies[0].steps[0].next,
      ['escalationPolicies[0].steps[0].next: is required (the wait before the next step)'],
    ],
    [
      'missing next on the last step of a repeating policy',
      (d) => delete d.escalationPolicies[0].steps[1].next,
      ['escalationPolicies[0].steps[1].next: is required when repeat is above 0 (the wait before starting over)'],
    ],
    [
      'malformed duration',
      (d) => (d.escalationPolicies[0].steps[0].next = '10 minutes'),
      ['escalationPolicies[0].steps[0].next: must be a duration like 30s, 10m, 2h or 1d, got "10 minutes"'],
    ],
    ['unknown schedule member', (d) => d.schedules[0].rotation.members.push('zed'), ['schedules[0].rotation.members[2]: unknown user "zed"']],
    [
      'schedule start with a zone',
      (d) => (d.schedules[0].rotation.start = '2026-01-05T09:00:00+08:00'),
      [
        'schedules[0].rotation.start: must be a local date and time without zone like "2026-01-05T09:00:00" (the schedule\'s timezone applies), got "2026-01-05T09:00:00+08:00"',
      ],
    ],
    [
      'handoff contradicting start',
      (d) => (d.schedules[0].rotation.handoff = '10:00'),
      ['schedules[0].rotation.handoff: 10:00 differs from the time in start (2026-01-05T09:00:00); give one of them'],
    ],
    ['zero shift', (d) => (d.schedules[0].rotation.shift = '0s'), ['schedules[0].rotation.shift: must be longer than 0s']],
    ['duplicate user id', (d) => d.users.push({ id: 'alice' }), ['users[3].id: duplicate id "alice" (also users[0])']],
    [
      'duplicate policy id',
      (d) => (d.escalationPolicies[1].id = 'ops'),
      ['escalationPolicies[1].id: duplicate id "ops" (also escalationPolicies[0])', 'routes[0].policy: unknown escalation policy "dba"'],
    ],
    ['duplicate phone', (d) => (d.users[1].phone = '+8613800000001'), ["users[1].phone: this phone number is also users[0]'s (alice)"]],
    ['phone written as a number', (d) => (d.users[0].phone = 8613800000001), ['users[0].phone: must be a string (quote it in YAML), got 86138****0001']],
    ['phone not E.164', (d) => (d.users[0].phone = '13800000001'), ['users[0].phone: must be an E.164 phone number like "+8613800000001", got "138****0001"']],
    ['phone without +', (d) => (d.users[0].phone = '8613800000001'), ['users[0].phone: must be an E.164 phone number like "+8613800000001", got "86138****0001"']],
    ['short phone', (d) => (d.users[0].phone = '+86138'), ['users[0].phone: must be an E.164 phone number like "+8613800000001", got "******"']],
    ['phone as a list', (d) => (d.users[0].phone = ['+8613800000001']), ['users[0].phone: must be a string, got a list']],
    ['token written as a number', (d) => (d.integrations[0].token = 1234567890123456), ['integrations[0].token: must be a string (quote it in YAML), got a number']],
    ['token as true', (d) => (d.integrations[0].token = true), ['integrations[0].token: must be a string, got true or false']],
    ['channel secret written as a number', (d) => (d.channels[0].secret = 9876543210987654), ['channels[0].secret: must be a string (quote it in YAML), got a number']],
    ['password hash written as a number', (d) => (d.users[0].passwordHash = 424242424242), ['users[0].passwordHash: must be a string (quote it in YAML), got a number']],
    ['channel url written as a number', (d) => (d.channels[0].url = 8080), ['channels[0].url: must be a string (quote it in YAML), got a number']],
    [
      'channel url with credentials but no scheme',
      (d) => (d.channels[0].url = 'hooks:s3cr3t-pass@chat.example.com/x'),
      ['channels[0].url: must be an http:// or https:// URL'],
    ],
    ['bad email', (d) => (d.users[2].email = 'carol'), ['users[2].email: must be an email address, got "carol"']],
    [
      'unknown time zone',
      (d) => (d.users[0].timezone = 'Asia/Peking'),
      ['users[0].timezone: must be an IANA time zone like "Asia/Shanghai" or "UTC", got "Asia/Peking"'],
    ],
    ['bad quiet hours', (d) => (d.users[0].quietHours = { from: '23:00', to: '8am' }), ['users[0].quietHours.to: must be a time of day "HH:MM" (00:00–23:59), got "8am"']],
    ['unknown role', (d) => (d.users[0].role = 'root'), ['users[0].role: must be one of admin, responder, got "root"']],
    [
      'plaintext password',
      (d) => (d.users[0].passwordHash = 'hunter2'),
      ['users[0].passwordHash: must be an argon2 hash (make one with: npm run klaxon -- hash-password)'],
    ],
    ['misspelt user key', (d) => (d.users[1].pone = '+1'), ['users[1]: unknown key "pone"']],
    ['unknown top-level key', (d) => (d.escalation_policies = []), ['unknown key "escalation_policies" at the top level']],
    [
      'unknown channel type',
      (d) => (d.channels[0].type = 'slak'),
      ['channels[0].type: must be one of slack, teams, discord, telegram, dingtalk, feishu, wecom, webhook, got "slak"'],
    ],
    ['channel url not http', (d) => (d.channels[0].url = 'ftp://files/hook'), ['channels[0].url: must be an http:// or https:// URL']],
    ['telegram without chatId', (d) => (d.channels[0].type = 'telegram'), ['channels[0].chatId: is required for a telegram channel']],
    ['P1 in two tiers', (d) => (d.tiers = { critical: { priorities: ['P0', 'P1'] } }), ['tiers.critical.priorities: P1 is also in tier high']],
    [
      'priorities in no tier',
      (d) => (d.tiers = { low: { priorities: ['P3', 'P4', 'P5', 'P6', 'P7'] } }),
      ['tiers: P8 is in no tier', 'tiers: P9 is in no tier'],
    ],
    ['unknown tier', (d) => (d.tiers = { urgent: { priorities: ['P0'] } }), ['tiers: unknown key "urgent"']],
    ['unknown tier channel', (d) => (d.tiers = { high: { channels: ['sms', 'pager'] } }), ['tiers.high.channels[1]: must be one of sms, voice, im, email, got "pager"']],
    ['bad sms budget', (d) => (d.smsBudget = { max: 0, per: '10m' }), ['smsBudget.max: must be at least 1']],
    ['bad host-down pattern', (d) => (d.inhibit = { hostDown: ['/(unclosed/'] }), [expect.stringMatching(/^inhibit\.hostDown\[0\]: invalid regular expression/)]],
    ['flapping cycles 0', (d) => (d.flapping = { cycles: 0 }), ['flapping.cycles: must be at least 1']],
    ['rate limit for an unknown channel type', (d) => (d.rateLimits = { pager: { max: 1, per: '1s' } }), [expect.stringContaining('rateLimits')]],
    ['rate limit of 0', (d) => (d.rateLimits = { dingtalk: { max: 0, per: '1m' } }), ['rateLimits.dingtalk.max: must be at least 1']],
    ['short token', (d) => (d.integrations[0].token = 'short'), ['integrations[0].token: must be at least 16 characters long']],
    [
      'shared token',
      (d) => d.integrations.push({ id: 'prom', token: TOKEN }),
      ['integrations[1].token: the same token as integrations[0]; each integration needs its own'],
    ],
    ['no users', (d) => delete d.users, ['users: is required']],
    ['no integrations', (d) => (d.integrations = []), ['integrations: must list at least one integration']],
    [
      'several problems at once',
      (d) => {
        d.routes[1].policy = 'nope';
        d.users[0].timezone = 'Nowhere';
        d.channels[0].url = 'not a url';
      },
      [
        'users[0].timezone: must be an IANA time zone like "Asia/Shanghai" or "UTC", got "Nowhere"',
        'channels[0].url: must be an http:// or https:// URL',
      ],
    ],
  ])('%s', (_name, mutate, expected) => {
    const doc = aConfig();
    mutate(doc);
    expect(problemsOf(doc)).toEqual(expected);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problemsOf('users:\n  - id: alice\n    name: [Alice\nintegrations: []\n')).toEqual([
      'line 4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(problemsOf('users: []\nusers: []\n')).toEqual(['line 2:1: YAML syntax error: Map keys must be unique']);
  });

  it('reports an empty file and a file that is not a map', () => {
    expect(problemsOf('')).toEqual(['the file is empty']);
    expect(problemsOf('- 1\n- 2\n')).toEqual(['must be a map, got a list']);
  });
});

describe('secrets and phone numbers in problems', () => {
  // Problems reach stderr, logs and the reload API's 422 body.
  const SECRET = '1234567890123456';
  const PHONE = '8613912345678'; // not the example number the message gives

  it.each<[string, (doc: Doc, value: string | number) => void]>([
    ['a phone', (d, v) => (d.users[0].phone = v)],
    ['a token', (d, v) => (d.integrations[0].token = v)],
    ['a channel secret', (d, v) => (d.channels[0].secret = v)],
    ['a password hash', (d, v) => (d.users[0].passwordHash = v)],
    ['a channel url', (d, v) => (d.channels[0].url = v)],
  ])('never repeats %s, quoted or not, written in the file or taken from ${NAME}', (_what, put) => {
    for (const value of [SECRET, Number(SECRET), PHONE, Number(PHONE), `x${SECRET}`]) {
      const written = aConfig();
      put(written, value);
      const fromEnv = aConfig();
      put(fromEnv, '${VALUE}');
      for (const problems of [problemsOf(written), problemsOf(fromEnv, { VALUE: String(value) })]) {
        const text = problems.join('\n');
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(PHONE);
      }
    }
  });

  it('says what is wrong with a secret without it', () => {
    const doc = aConfig();
    doc.integrations[0].token = '${FALCON_TOKEN}';
    expect(problemsOf(doc, { FALCON_TOKEN: 'short-secret' })).toEqual(['integrations[0].token: must be at least 16 characters long']);
  });

  it('names the file and path in a ConfigError without the phone number', () => {
    const doc = aConfig();
    doc.users[1].phone = PHONE;
    expect(() => parseKlaxonConfig(stringify(doc), {}, 'bad.yaml')).toThrow(
      new ConfigError('bad.yaml: 1 problem\n  users[1].phone: must be an E.164 phone number like "+8613800000001", got "86139****5678"'),
    );
  });
});

describe('${NAME} in the config file', () => {
  const withHook = (url: string) => {
    const doc = aConfig();
    doc.channels[0].url = url;
    return doc;
  };

  it('expands variables before validation', () => {
    const result = validateKlaxonConfig(stringify(withHook('${HOOK_URL}')), { HOOK_URL: 'https://hooks.example.com/T/1' });
    expect(result.ok && result.config.channels[0]?.url).toBe('https://hooks.example.com/T/1');
  });

  it('uses the default of ${NAME:-default} when NAME is unset', () => {
    const result = validateKlaxonConfig(stringify(withHook('${HOOK_URL:-http://127.0.0.1:9/x}')), {});
    expect(result.ok && result.config.channels[0]?.url).toBe('http://127.0.0.1:9/x');
  });

  it('names the path and the variable when one is unset, and only that', () => {
    expect(problemsOf(withHook('${DINGTALK_OPS_URL}'))).toEqual(['channels[0].url: environment variable DINGTALK_OPS_URL is not set']);
  });

  it('validates the expanded value', () => {
    expect(problemsOf(withHook('${HOOK_URL}'), { HOOK_URL: 'nonsense' })).toEqual(['channels[0].url: must be an http:// or https:// URL']);
  });
});

describe('the loaded config', () => {
  const config = parseKlaxonConfig(stringify(aConfig()), {}, 'test.yaml');

  it('applies the tier and budget defaults of SPEC §5', () => {
    expect(config.tiers.critical).toEqual({
      name: 'critical',
      priorities: ['P0'],
      channels: ['sms', 'im', 'email'],
      voiceAfterMs: 300_000,
      escalate: true,
      quietHours: 'ignore',
      groupWindowMs: 0,
    });
    expect(config.tiers.high.groupWindowMs).toBe(30_000);
    expect(config.tiers.medium).toMatchObject({ channels: ['im', 'email'], smsAfterMs: 1_800_000, quietHours: 'defer', groupWindowMs: 120_000 });
    expect(config.tiers.low).toMatchObject({ priorities: ['P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'], digestEveryMs: 1_800_000, quietHours: 'defer' });
    expect(config.smsBudget).toEqual({ max: 10, perMs: 600_000 });
    expect(config.lookup.tierByPriority.get('P7')?.name).toBe('low');
  });

  it('holds host-down patterns, flap detection and provider rate limits, with defaults', () => {
    expect(config.inhibit.hostDown.map((re) => re.test('Host Is Down'))).toEqual([true, false, false]);
    expect(config.inhibit.hostDown.some((re) => re.test('agent.alive=0'))).toBe(true);
    // a substring, not a regular expression: the dot is a dot
    expect(config.inhibit.hostDown.some((re) => re.test('agentXalive'))).toBe(false);
    // whole words: `ping` is not in "mapping failed"; CJK matches anywhere
    expect(config.inhibit.hostDown.some((re) => re.test('ping loss 100%'))).toBe(true);
    expect(config.inhibit.hostDown.some((re) => re.test('mapping failed'))).toBe(false);
    expect(config.inhibit.hostDownSubstrings).toEqual(['host is down', 'agent.alive', 'ping']);
    expect(parseKlaxonConfig(stringify({ ...aConfig(), inhibit: { hostDown: ['宕机'] } }), {}).inhibit.hostDown[0]?.test('主机宕机')).toBe(true);
    expect(config.flapping).toEqual({ windowMs: 600_000, cycles: 1, stableForMs: 300_000 });
    expect(config.rateLimits.dingtalk).toEqual({ max: 20, perMs: 60_000 });
    expect(config.rateLimits.wecom).toEqual({ max: 20, perMs: 60_000 });

    const doc = aConfig();
    doc.inhibit = { hostDown: ['/^down:/i', 'unreachable'] };
    doc.flapping = { enabled: false };
    doc.rateLimits = { dingtalk: { max: 5, per: '10s' } };
    const c = parseKlaxonConfig(stringify(doc), {});
    expect(c.inhibit.hostDown.map((re) => re.test('DOWN: web-01'))).toEqual([true, false]);
    expect(c.inhibit.hostDown[1]?.test('host UNREACHABLE')).toBe(true);
    expect(c.inhibit.hostDownSubstrings).toBeNull();
    expect(c.flapping).toBeNull();
    expect(c.rateLimits.dingtalk).toEqual({ max: 5, perMs: 10_000 });
    expect(c.rateLimits.slack).toEqual({ max: 1, perMs: 1_000 });
  });

  it('merges tier overrides key by key, null removing an optional delay', () => {
    const doc = aConfig();
    doc.tiers = { critical: { voiceAfter: null, groupWindow: '10s' }, medium: { smsAfter: '1h' } };
    const c = parseKlaxonConfig(stringify(doc), {});
    expect(c.tiers.critical.voiceAfterMs).toBeUndefined();
    expect(c.tiers.critical.groupWindowMs).toBe(10_000);
    expect(c.tiers.critical.channels).toEqual(['sms', 'im', 'email']);
    expect(c.tiers.medium.smsAfterMs).toBe(3_600_000);
  });

  it('fills user defaults and parses targets, routes and schedules', () => {
    expect(config.users[1]).toEqual({ id: 'bob', name: 'bob', role: 'responder', timezone: 'UTC', im: {}, phone: '+8613800000002' });
    expect(config.escalationPolicies[0]?.steps[0]).toEqual({
      notify: [
        { kind: 'schedule', id: 'ops-primary' },
        { kind: 'channel', id: 'ops-hook' },
      ],
      nextMs: 600_000,
    });
    expect(config.escalationPolicies[1]).toEqual({ id: 'dba', repeat: 0, steps: [{ notify: [{ kind: 'user', id: 'carol' }] }] });
    expect(config.routes).toEqual([
      { index: 0, match: { host: 'db-*', priority: ['P0', 'P1'] }, policy: 'dba' },
      { index: 1, policy: 'ops' },
    ]);
    expect(config.schedules[0]?.rotation).toEqual({
      members: ['alice', 'bob'],
      shiftMs: 604_800_000,
      start: '2026-01-05T09:00:00',
      handoff: '09:00',
      startsAtMs: Date.parse('2026-01-05T01:00:00Z'),
    });
    expect(config.lookup.usersByPhone.get('+8613800000002')?.id).toBe('bob');
  });

  it('takes the hand-off time from handoff when start is a date', () => {
    const doc = aConfig();
    doc.schedules[0].rotation = { members: ['alice'], shift: '1d', start: '2026-01-05', handoff: '08:30' };
    const rotation = parseKlaxonConfig(stringify(doc), {}).schedules[0]?.rotation;
    expect(rotation).toMatchObject({ start: '2026-01-05T08:30:00', handoff: '08:30', startsAtMs: Date.parse('2026-01-05T00:30:00Z') });
  });

  it('keeps provider fields of a channel as options', () => {
    const doc = aConfig();
    doc.channels[0] = { id: 'ops-hook', type: 'telegram', url: 'https://api.telegram.org/botX/sendMessage', chatId: -1001234567890, silent: true };
    expect(parseKlaxonConfig(stringify(doc), {}).channels[0]).toEqual({
      id: 'ops-hook',
      type: 'telegram',
      url: 'https://api.telegram.org/botX/sendMessage',
      options: { chatId: -1001234567890, silent: true },
    });
  });

  it('keeps integration tokens only hashed, and finds them by token', () => {
    expect(config.integrations).toEqual([{ id: 'falcon', tokenHash: hashIntegrationToken(TOKEN) }]);
    expect(hashIntegrationToken(TOKEN)).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(findIntegrationByToken(config, TOKEN)?.id).toBe('falcon');
    expect(findIntegrationByToken(config, `${TOKEN}x`)).toBeUndefined();
    expect(findIntegrationByToken(config, '')).toBeUndefined();
  });

  it('is frozen', () => {
    expect(Object.isFrozen(config.users[0])).toBe(true);
    expect(() => {
      (config.routes as unknown[]).push({});
    }).toThrow(TypeError);
  });
});

describe('loadKlaxonConfig', () => {
  it('loads the example file with an empty environment', () => {
    const config = loadKlaxonConfig(EXAMPLE, {});
    expect(config.users.map((u) => u.id)).toEqual(['alice', 'bob', 'carol']);
    expect(config.users[0]?.role).toBe('admin');
    expect(config.users[0]?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(config.channels[0]?.url).toBe('http://127.0.0.1:9/ops-webhook');
    expect(findIntegrationByToken(config, 'demo-ingest-token-change-me')?.id).toBe('demo');
  });

  it('takes the example channel url and token from the environment when set', () => {
    const config = loadKlaxonConfig(EXAMPLE, { OPS_WEBHOOK_URL: 'https://chat.example.com/hook', KLAXON_INGEST_TOKEN: 'my-own-ingest-token-42' });
    expect(config.channels[0]?.url).toBe('https://chat.example.com/hook');
    expect(findIntegrationByToken(config, 'my-own-ingest-token-42')?.id).toBe('demo');
    expect(findIntegrationByToken(config, 'demo-ingest-token-change-me')).toBeUndefined();
  });

  it('has no secret in the example file', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const secretish = text.split('\n').filter((line) => /^\s*(token|secret|url):/.test(line) && !line.includes('${'));
    expect(secretish).toEqual([]);
  });

  it('names the file and every problem', () => {
    expect.assertions(3);
    try {
      parseKlaxonConfig('users: []\nintegrations: []\n', {}, 'bad.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        'bad.yaml: 2 problems\n  users: must list at least one user\n  integrations: must list at least one integration',
      );
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('names a missing file', () => {
    expect(() => loadKlaxonConfig('/nonexistent/klaxon.yaml', {})).toThrow(
      new ConfigError('/nonexistent/klaxon.yaml: 1 problem\n  cannot read the config file (no such file)'),
    );
  });
});
