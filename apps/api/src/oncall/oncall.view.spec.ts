import { parseKlaxonConfig } from '@klaxon/config';
import { stepTargets } from '@klaxon/triage';
import { onCallView } from './oncall.view';

const config = parseKlaxonConfig(`
users:
  - { id: alice, name: Alice }
  - { id: bob, name: Bob }
  - { id: carol, name: Carol }
schedules:
  - id: primary
    timezone: Asia/Shanghai
    rotation: { members: [alice, bob], shift: 1d, start: "2026-01-05T09:00:00" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [schedule:primary, user:carol] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: "0123456789abcdef0123456789abcdef" }
`);

// 2026-01-05T09:00 Shanghai is 01:00Z: alice's shift 0; 12:00 local the same day
const NOON = new Date('2026-01-05T04:00:00Z');
const carolTonight = { userId: 'carol', startsAt: new Date('2026-01-05T10:00:00Z'), endsAt: new Date('2026-01-05T22:00:00Z'), createdAt: new Date('2026-01-05T00:00:00Z') };

describe('stepTargets with overrides', () => {
  it('keeps the rotation without overrides, or with none for the schedule', () => {
    expect(stepTargets(config, 'ops', 0, NOON)).toEqual([{ kind: 'user', userId: 'alice', viaSchedule: 'primary' }, { kind: 'user', userId: 'carol' }]);
    expect(stepTargets(config, 'ops', 0, NOON, new Map())).toEqual(stepTargets(config, 'ops', 0, NOON));
  });

  it('pages the override while it covers now (and a person named twice once)', () => {
    const overrides = new Map([['primary', [carolTonight]]]);
    expect(stepTargets(config, 'ops', 0, new Date('2026-01-05T12:00:00Z'), overrides)).toEqual([{ kind: 'user', userId: 'carol', viaSchedule: 'primary' }]);
    expect(stepTargets(config, 'ops', 0, new Date('2026-01-05T22:00:00Z'), overrides)[0]).toEqual({ kind: 'user', userId: 'alice', viaSchedule: 'primary' });
  });
});

describe('onCallView', () => {
  it('shows now and the next different person, per schedule and per policy', () => {
    expect(onCallView(config, new Map(), NOON)).toEqual({
      schedules: [
        {
          schedule: 'primary',
          timezone: 'Asia/Shanghai',
          now: { user: 'alice', name: 'Alice', since: '2026-01-05T01:00:00.000Z', until: '2026-01-06T01:00:00.000Z', override: false },
          next: { user: 'bob', name: 'Bob', from: '2026-01-06T01:00:00.000Z', until: '2026-01-07T01:00:00.000Z', override: false },
        },
      ],
      policies: [{ policy: 'ops', step: 1, targets: [{ kind: 'schedule', id: 'primary', onCall: 'alice' }, { kind: 'user', id: 'carol' }] }],
    });
  });

  it('shows an upcoming override as next, and a covering one as now', () => {
    const overrides = new Map([['primary', [carolTonight]]]);
    const before = onCallView(config, overrides, NOON).schedules[0]!;
    expect(before.now).toMatchObject({ user: 'alice', until: '2026-01-05T10:00:00.000Z', override: false });
    expect(before.next).toMatchObject({ user: 'carol', from: '2026-01-05T10:00:00.000Z', override: true });
    const during = onCallView(config, overrides, new Date('2026-01-05T12:00:00Z'));
    expect(during.schedules[0]!.now).toEqual({ user: 'carol', name: 'Carol', since: '2026-01-05T10:00:00.000Z', until: '2026-01-05T22:00:00.000Z', override: true });
    expect(during.schedules[0]!.next).toMatchObject({ user: 'alice', from: '2026-01-05T22:00:00.000Z', override: false });
    expect(during.policies[0]!.targets[0]).toEqual({ kind: 'schedule', id: 'primary', onCall: 'carol' });
  });

  it('skips a stretch that keeps the same person (the member on shift overriding themselves)', () => {
    const aliceSelf = { ...carolTonight, userId: 'alice', startsAt: new Date('2026-01-05T02:00:00Z'), endsAt: new Date('2026-01-05T05:00:00Z') };
    const view = onCallView(config, new Map([['primary', [aliceSelf]]]), new Date('2026-01-05T01:30:00Z'));
    expect(view.schedules[0]!.now.user).toBe('alice');
    expect(view.schedules[0]!.next).toMatchObject({ user: 'bob', from: '2026-01-06T01:00:00.000Z' });
  });
});
