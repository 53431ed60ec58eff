import { parseKlaxonConfig } from '@klaxon/config';
import { stringify } from 'yaml';
import { firstStepTargets, matchRoute, onCallMember, type RoutableAlert, stepTargets } from './route-matcher';

const config = parseKlaxonConfig(
  stringify({
    users: [{ id: 'alice' }, { id: 'bob' }, { id: 'carol' }],
    channels: [{ id: 'ops-hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    schedules: [
      { id: 'ops-primary', timezone: 'Asia/Shanghai', rotation: { members: ['alice', 'bob'], shift: '1w', start: '2026-01-05T09:00:00' } },
      { id: 'dba-daily', timezone: 'UTC', rotation: { members: ['carol', 'bob', 'alice'], shift: '1d', start: '2026-01-01', handoff: '08:00' } },
    ],
    escalationPolicies: [
      { id: 'ops', steps: [{ notify: ['schedule:ops-primary', 'channel:ops-hook'], next: '10m' }, { notify: ['user:alice', 'user:bob'] }] },
      { id: 'dba', steps: [{ notify: ['user:carol', 'schedule:dba-daily', 'user:bob', 'channel:ops-hook'] }] },
      { id: 'web', steps: [{ notify: ['user:bob'] }] },
      { id: 'falcon', steps: [{ notify: ['user:alice'] }] },
    ],
    routes: [
      { match: { host: 'db-*', priority: ['P0', 'P1'] }, policy: 'dba' },
      { match: { message: '/disk (full|\\d+%)/i', host: 'web-??' }, policy: 'web' },
      { match: { source: 'open-falcon', priority: 'P2' }, policy: 'falcon' },
      { policy: 'ops' },
    ],
    integrations: [{ id: 'open-falcon', token: 'falcon-token-0123456789' }],
  }),
  {},
);

const alert = (overrides: Partial<RoutableAlert>): RoutableAlert => ({ host: 'web-01', message: 'host is down', priority: 'P0', ...overrides });

describe('matchRoute', () => {
  it.each<[string, Partial<RoutableAlert>, number, string]>([
    ['db host, P0', { host: 'db-01' }, 0, 'dba'],
    ['db host, P1', { host: 'db-replica-2', priority: 'P1' }, 0, 'dba'],
    ['db host glob is case-insensitive', { host: 'DB-01' }, 0, 'dba'],
    ['db host, lower-case priority', { host: 'db-01', priority: 'p1' }, 0, 'dba'],
    ['db host, P2 falls through', { host: 'db-01', priority: 'P2' }, 3, 'ops'],
    ['db prefix only at the start', { host: 'mydb-01' }, 3, 'ops'],
    ['message regex with flags', { host: 'web-01', message: 'Disk FULL on /var' }, 1, 'web'],
    ['message regex, percentage', { host: 'web-02', message: 'disk 91% used' }, 1, 'web'],
    ['message regex needs the host too', { host: 'web-001', message: 'disk full' }, 3, 'ops'],
    ['source and priority', { source: 'open-falcon', priority: 'P2' }, 2, 'falcon'],
    ['source must be equal', { source: 'open-falcon-2', priority: 'P2' }, 3, 'ops'],
    ['no source', { priority: 'P2' }, 3, 'ops'],
    ['default route', { host: 'cache-01', priority: 'P5' }, 3, 'ops'],
  ])('%s', (_name, overrides, routeIndex, policyId) => {
    expect(matchRoute(config.routes, alert(overrides))).toEqual({ routeIndex, policyId });
  });

  it('returns undefined when no route matches and there is no default', () => {
    expect(matchRoute(config.routes.slice(0, 1), alert({ host: 'web-01' }))).toBeUndefined();
    expect(matchRoute([], alert({}))).toBeUndefined();
  });

  it('gives the same answer on repeated calls (compiled once, no regex state)', () => {
    const a = alert({ host: 'web-01', message: 'disk full' });
    expect([1, 2, 3].map(() => matchRoute(config.routes, a)?.routeIndex)).toEqual([1, 1, 1]);
  });
});

describe('on call', () => {
  const opsPrimary = config.lookup.schedules.get('ops-primary');
  if (!opsPrimary) throw new Error('fixture');

  it.each([
    // ops-primary starts 2026-01-05 09:00 Asia/Shanghai = 01:00 UTC, weekly
    ['2026-01-05T01:00:00Z', 'alice'],
    ['2026-01-12T00:59:59Z', 'alice'],
    ['2026-01-12T01:00:00Z', 'bob'],
    ['2026-01-19T01:00:00Z', 'alice'],
    ['2026-01-04T12:00:00Z', 'bob'],
    ['2025-12-29T00:59:59Z', 'alice'],
  ])('at %s it is %s', (at, member) => {
    expect(onCallMember(opsPrimary, new Date(at))).toBe(member);
  });
});

describe('firstStepTargets', () => {
  it('resolves schedules to the member on call', () => {
    expect(firstStepTargets(config, 'ops', new Date('2026-01-13T00:00:00Z'))).toEqual([
      { kind: 'user', userId: 'bob', viaSchedule: 'ops-primary' },
      { kind: 'channel', channelId: 'ops-hook' },
    ]);
  });

  it('pages a person once even when named twice', () => {
    // dba-daily hands off at 08:00 UTC: carol on the 1st, bob on the 2nd, alice on the 3rd
    expect(firstStepTargets(config, 'dba', new Date('2026-01-02T09:00:00Z'))).toEqual([
      { kind: 'user', userId: 'carol' },
      { kind: 'user', userId: 'bob', viaSchedule: 'dba-daily' },
      { kind: 'channel', channelId: 'ops-hook' },
    ]);
    expect(firstStepTargets(config, 'dba', new Date('2026-01-01T09:00:00Z'))).toEqual([
      { kind: 'user', userId: 'carol' },
      { kind: 'user', userId: 'bob' },
      { kind: 'channel', channelId: 'ops-hook' },
    ]);
  });

  it('reads later steps too', () => {
    expect(stepTargets(config, 'ops', 1, new Date())).toEqual([
      { kind: 'user', userId: 'alice' },
      { kind: 'user', userId: 'bob' },
    ]);
  });

  it('refuses an unknown policy or step', () => {
    expect(() => firstStepTargets(config, 'nope', new Date())).toThrow('unknown escalation policy "nope"');
    expect(() => stepTargets(config, 'web', 1, new Date())).toThrow('escalation policy "web" has no step 1');
  });
});
