import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-io';
import { fakeCliIo } from '../testing/fake-cli-io';
import { checkConfigCommand, DEFAULT_SAMPLE_ALERT, formatPriorities, parseCheckConfigArgs } from './check-config.command';

const ROOT = join(__dirname, '../../../..');
const EXAMPLE = readFileSync(join(ROOT, 'klaxon.example.yaml'), 'utf8');

describe('parseCheckConfigArgs', () => {
  it('reads the file, the alert, the source and the time', () => {
    const args = parseCheckConfigArgs(['k.yaml', '--alert', '[p1][problem][db-01][10.0.0.9][disk full]', '--source=open-falcon', '--at', '2026-01-06T10:00:00Z']);
    expect(args).toEqual({
      file: 'k.yaml',
      alert: { line: '[p1][problem][db-01][10.0.0.9][disk full]', priority: 'P1', status: 'PROBLEM', host: 'db-01', ip: '10.0.0.9', message: 'disk full', source: 'open-falcon' },
      at: new Date('2026-01-06T10:00:00Z'),
    });
  });

  it('samples a P0 when no alert is given', () => {
    expect(parseCheckConfigArgs(['k.yaml']).alert.line).toBe(DEFAULT_SAMPLE_ALERT);
  });

  it.each<[string[], string]>([
    [[], 'check-config needs the config file: check-config FILE'],
    [['a.yaml', 'b.yaml'], 'check-config takes one file, got also b.yaml'],
    [['a.yaml', '--alert', '[PX][PROBLEM][h][][m]'], '--alert: priority "PX" is not P0–P9'],
    [['a.yaml', '--alert', '[P0][PROBLEM][h]'], '--alert: expected 5 bracketed fields, found 3'],
    [['a.yaml', '--at', 'tomorrow'], '--at: "tomorrow" is not a date and time (ISO 8601, e.g. 2026-01-06T10:00:00Z)'],
    [['a.yaml', '--verbose'], "check-config: Unknown option '--verbose'"],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseCheckConfigArgs(args)).toThrow(new UsageError(message));
  });
});

describe('formatPriorities', () => {
  it.each([
    [['P0'], 'P0'],
    [['P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'], 'P3–P9'],
    [['P0', 'P1'], 'P0, P1'],
    [['P0', 'P2', 'P3', 'P4', 'P9'], 'P0, P2–P4, P9'],
  ])('%j → %s', (priorities, text) => {
    expect(formatPriorities(priorities)).toBe(text);
  });
});

describe('check-config', () => {
  it('summarises the example file and shows who is paged for a database alert', async () => {
    const io = fakeCliIo({ cwd: ROOT });
    const code = await checkConfigCommand(
      ['klaxon.example.yaml', '--alert', '[P0][PROBLEM][db-01][10.0.0.9][disk full]', '--at', '2026-01-06T10:00:00Z'],
      io,
    );
    expect(io.stderr).toEqual([]);
    expect(code).toBe(EXIT_OK);
    expect(io.stdout.join('\n')).toBe(
      [
        'klaxon.example.yaml: valid',
        '  3 users: alice (admin), bob, carol',
        '  tiers: critical P0 · high P1 · medium P2 · low P3–P9; sms budget 10 per 10m',
        '  1 channel: ops-webhook (webhook)',
        '  1 schedule:',
        '    ops-primary: alice on call now, then bob from 2026-01-12 09:00 Asia/Shanghai',
        '  2 escalation policies: ops (2 steps, repeat 2), dba (2 steps, repeat 1)',
        '  2 routes:',
        '    routes[0] (host "db-*", priority P0, P1) → dba',
        '    routes[1] (default) → ops',
        '  1 integration: demo',
        '',
        'Sample alert [P0][PROBLEM][db-01][10.0.0.9][disk full]',
        '  tier:  critical — sms, im, email; voice after 5m; escalates; quiet hours ignored',
        '  route: routes[0] (host "db-*", priority P0, P1) → dba',
        '  step 1 of 2 pages, at 2026-01-06T10:00:00.000Z:',
        '    user carol (sms/voice +8613800000003, email carol@example.com)',
        '    channel ops-webhook (webhook)',
        '  then: step 2 after 10m if nobody acknowledges; the steps run 1 more time',
      ].join('\n'),
    );
  });

  it.each([
    ['2026-01-06T10:00:00Z', 'alice'],
    ['2026-01-13T10:00:00Z', 'bob'],
  ])('resolves the schedule for the default route at %s', async (at, member) => {
    const io = fakeCliIo({ cwd: ROOT });
    await checkConfigCommand(['klaxon.example.yaml', '--alert', '[P1][PROBLEM][web-01][10.0.0.1][host is down]', '--at', at], io);
    expect(io.stdout).toContain('  route: routes[1] (default) → ops');
    expect(io.stdout.find((l) => l.includes('on call for ops-primary'))).toMatch(new RegExp(`^    user ${member} `));
  });

  it('says a low alert goes into a digest and does not escalate', async () => {
    const io = fakeCliIo({ cwd: ROOT });
    await checkConfigCommand(['klaxon.example.yaml', '--alert', '[P5][PROBLEM][web-01][][disk 91%]'], io);
    expect(io.stdout).toEqual(
      expect.arrayContaining([
        '  tier:  low — a digest every 30m by im, email; does not escalate; sms and voice wait for quiet hours to end',
        '  step 1 of 2 gets it in the next digest, at 2026-01-06T02:00:00.000Z:',
        '  then: no escalation (tier low does not escalate)',
      ]),
    );
  });

  describe('with a broken file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'klaxon-cli-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('prints every problem and fails', async () => {
      writeFileSync(
        join(dir, 'bad.yaml'),
        EXAMPLE.replace('policy: dba', 'policy: dbx').replace('user:carol, channel:ops-webhook', 'user:dave, channel:ops-webhook').replace(
          'url: ${OPS_WEBHOOK_URL:-http://127.0.0.1:9/ops-webhook}',
          'url: ${OPS_WEBHOOK_URL}',
        ),
      );
      const io = fakeCliIo({ cwd: dir });
      expect(await checkConfigCommand(['bad.yaml'], io)).toBe(EXIT_FAILURE);
      expect(io.stdout).toEqual([]);
      expect(io.stderr.join('\n')).toBe('bad.yaml: 1 problem\n  channels[0].url: environment variable OPS_WEBHOOK_URL is not set');

      const io2 = fakeCliIo({ cwd: dir, env: { OPS_WEBHOOK_URL: 'https://chat.example.com/hook' } });
      expect(await checkConfigCommand(['bad.yaml'], io2)).toBe(EXIT_FAILURE);
      expect(io2.stderr.join('\n')).toBe(
        [
          'bad.yaml: 2 problems',
          '  escalationPolicies[1].steps[0].notify[0]: unknown user "dave"',
          '  routes[0].policy: unknown escalation policy "dbx"',
        ].join('\n'),
      );
    });

    it('names a missing file', async () => {
      const io = fakeCliIo({ cwd: dir });
      expect(await checkConfigCommand(['nope.yaml'], io)).toBe(EXIT_FAILURE);
      expect(io.stderr).toEqual(['nope.yaml: 1 problem\n  cannot read the config file (no such file)']);
    });
  });
});
