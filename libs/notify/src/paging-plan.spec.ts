import { parseKlaxonConfig, type KlaxonConfig } from '@klaxon/config';
import { stepTargets } from '@klaxon/triage';
import { planFallback, planPage, recoveryKey } from './paging-plan';

const config: KlaxonConfig = parseKlaxonConfig(
  `
users:
  - { id: alice, name: Alice, phone: "+15005550001", email: alice@example.com, im: { slack: U111 } }
  - { id: bob, name: Bob, email: bob@example.com }
  - { id: carol, name: Carol, phone: "+15005550003", im: { dingtalk: "13800000003" } }
channels:
  - { id: ops-slack, type: slack, url: "https://hooks.slack.test/T/B/x" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice, user:bob, channel:ops-slack], next: 5m }
      - { notify: [user:carol] }
routes:
  - policy: ops
integrations:
  - { id: test, token: test-token-0123456789 }
`,
  {},
  'test.yaml',
);

const now = new Date('2026-11-21T10:00:00Z');
const ctx = (tier: keyof KlaxonConfig['tiers'], step = 0) => ({
  alertId: 'a1',
  tier: config.tiers[tier],
  targets: stepTargets(config, 'ops', step, now),
  step,
  round: 0,
});

describe('planPage', () => {
  it('pages each person of the step by every channel of a critical tier they have, and the IM channel with mentions', () => {
    const planned = planPage(config, ctx('critical'));
    expect(planned.map((p) => [p.userId, p.channel, p.address])).toEqual([
      ['alice', 'sms', '+15005550001'],
      ['alice', 'email', 'alice@example.com'],
      ['bob', 'email', 'bob@example.com'],
      [null, 'slack', 'ops-slack'],
    ]);
    expect(planned[3]!.meta).toEqual({ step: 0, round: 0, channelId: 'ops-slack', mentions: ['U111'] });
  });

  it('uses only the channels of the tier: medium pages by IM and email, no SMS', () => {
    expect(planPage(config, ctx('medium')).map((p) => p.channel)).toEqual(['email', 'email', 'slack']);
  });

  it('gives the same keys when the same step is planned again (a retried job)', () => {
    expect(planPage(config, ctx('critical')).map((p) => p.key)).toEqual(planPage(config, ctx('critical')).map((p) => p.key));
    expect(new Set(planPage(config, ctx('critical')).map((p) => p.key)).size).toBe(4);
  });

  it('keys a later step and a later round apart', () => {
    const first = planPage(config, ctx('critical', 0)).map((p) => p.key);
    const second = planPage(config, ctx('critical', 1)).map((p) => p.key);
    const again = planPage(config, { ...ctx('critical', 0), round: 1 }).map((p) => p.key);
    expect(second.some((k) => first.includes(k))).toBe(false);
    expect(again.some((k) => first.includes(k))).toBe(false);
  });
});

describe('planFallback', () => {
  const alice = config.lookup.users.get('alice')!;
  const failedSms = { channel: 'sms', step: 0, round: 0, alertId: 'a1' };

  it('falls back from SMS to voice when voice is available', () => {
    expect(planFallback(alice, failedSms, new Set(['sms', 'voice', 'email']), new Set())).toMatchObject({ channel: 'voice', address: '+15005550001' });
  });

  it('skips voice when it is not available, and email when this step already used it', () => {
    const usedEmail = new Set([planPage(config, ctx('critical')).find((p) => p.userId === 'alice' && p.channel === 'email')!.key]);
    expect(planFallback(alice, failedSms, new Set(['sms', 'email']), new Set())).toMatchObject({ channel: 'email', address: 'alice@example.com' });
    expect(planFallback(alice, failedSms, new Set(['sms', 'email']), usedEmail)).toBeNull();
  });

  it('has nothing after email', () => {
    expect(planFallback(alice, { ...failedSms, channel: 'email' }, new Set(['sms', 'voice', 'email']), new Set())).toBeNull();
  });
});

it('keys recovery notices by the page they answer', () => {
  expect(recoveryKey('a1', 'n1')).toBe('recovery:a1:n1');
  // a reopened (flapping) alert that resolves again gets another notice
  expect(recoveryKey('a1', 'n1', new Date(1_000))).toBe('recovery:a1:n1:1000');
  expect(recoveryKey('a1', 'n1', new Date(1_000))).not.toBe(recoveryKey('a1', 'n1', new Date(2_000)));
});
