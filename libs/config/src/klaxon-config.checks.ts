import type { ConfigProblem } from './config-path';
import { hashIntegrationToken } from './integration-token';
import { parseLocalDateTime } from './local-time';
import { DEFAULT_TIERS, type KlaxonConfigFile } from './klaxon-config.schema';
import { CONFIG_PRIORITIES, TIER_NAMES, type TargetKind, type TierName } from './klaxon-config.types';

/**
 * Checks across sections, once the shape is valid: unique ids, references to
 * users, schedules, channels and policies that exist, tiers that cover every
 * priority exactly once, route order. Each problem names its path.
 */
export function checkConfigReferences(file: KlaxonConfigFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });

  const idsOf = (section: string, items: readonly { id: string }[]): Set<string> => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const first = seen.get(item.id);
      if (first !== undefined) add([section, i, 'id'], `duplicate id "${item.id}" (also ${section}[${first}])`);
      else seen.set(item.id, i);
    });
    return new Set(seen.keys());
  };
  const users = idsOf('users', file.users);
  const channels = idsOf('channels', file.channels);
  const schedules = idsOf('schedules', file.schedules);
  const policies = idsOf('escalationPolicies', file.escalationPolicies);
  idsOf('integrations', file.integrations);

  const uniqueField = (field: 'phone' | 'email', what: string) => {
    const seen = new Map<string, number>();
    file.users.forEach((u, i) => {
      const value = u[field];
      if (value === undefined) return;
      const key = value.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) add(['users', i, field], `${what} is also users[${first}]'s (${file.users[first]?.id ?? '?'})`);
      else seen.set(key, i);
    });
  };
  uniqueField('phone', 'this phone number');
  uniqueField('email', 'this email address');

  const tokens = new Map<string, number>();
  file.integrations.forEach((integration, i) => {
    const hash = hashIntegrationToken(integration.token);
    const first = tokens.get(hash);
    if (first !== undefined) add(['integrations', i, 'token'], `the same token as integrations[${first}]; each integration needs its own`);
    else tokens.set(hash, i);
  });

  const known: Record<TargetKind, { ids: Set<string>; noun: string }> = {
    user: { ids: users, noun: 'user' },
    schedule: { ids: schedules, noun: 'schedule' },
    channel: { ids: channels, noun: 'channel' },
  };

  file.schedules.forEach((schedule, i) => {
    schedule.rotation.members.forEach((member, j) => {
      if (!users.has(member)) add(['schedules', i, 'rotation', 'members', j], `unknown user "${member}"`);
    });
    const start = parseLocalDateTime(schedule.rotation.start);
    const handoff = schedule.rotation.handoff;
    const hasTime = /[T ]\d/.test(schedule.rotation.start);
    if (start && handoff !== undefined && hasTime) {
      const startTime = `${String(start.hour).padStart(2, '0')}:${String(start.minute).padStart(2, '0')}`;
      if (startTime !== handoff || start.second !== 0) {
        add(['schedules', i, 'rotation', 'handoff'], `${handoff} differs from the time in start (${schedule.rotation.start}); give one of them`);
      }
    }
  });

  file.escalationPolicies.forEach((policy, i) => {
    policy.steps.forEach((step, j) => {
      step.notify.forEach((target, k) => {
        const colon = target.indexOf(':');
        const kind = target.slice(0, colon) as TargetKind;
        const targetId = target.slice(colon + 1);
        if (!known[kind].ids.has(targetId)) add(['escalationPolicies', i, 'steps', j, 'notify', k], `unknown ${known[kind].noun} "${targetId}"`);
      });
      const last = j === policy.steps.length - 1;
      if (step.next === undefined && (!last || policy.repeat > 0)) {
        add(
          ['escalationPolicies', i, 'steps', j, 'next'],
          last ? 'is required when repeat is above 0 (the wait before starting over)' : 'is required (the wait before the next step)',
        );
      }
    });
  });

  file.routes.forEach((route, i) => {
    if (!policies.has(route.policy)) add(['routes', i, 'policy'], `unknown escalation policy "${route.policy}"`);
    const matchesAll = route.match == null || Object.values(route.match).every((v) => v === undefined);
    if (matchesAll && i < file.routes.length - 1) {
      add(['routes', i, 'match'], `only the last route may match everything; routes[${i + 1}] and after would never be used`);
    }
  });

  const tierOf = new Map<string, TierName[]>();
  for (const name of TIER_NAMES) {
    const priorities = file.tiers?.[name]?.priorities ?? DEFAULT_TIERS[name].priorities;
    for (const p of new Set(priorities)) tierOf.set(p, [...(tierOf.get(p) ?? []), name]);
  }
  for (const p of CONFIG_PRIORITIES) {
    const names = tierOf.get(p) ?? [];
    if (names.length === 0) add(['tiers'], `${p} is in no tier`);
    if (names.length > 1) {
      const edited = names.find((n) => file.tiers?.[n]?.priorities !== undefined) ?? names[0] ?? 'critical';
      const others = names.filter((n) => n !== edited);
      add(['tiers', edited, 'priorities'], `${p} is also in tier${others.length > 1 ? 's' : ''} ${others.join(', ')}`);
    }
  }

  return problems;
}
