import picomatch from 'picomatch';
import { compileMessagePattern, type KlaxonConfig, type RouteConfig, type ScheduleConfig } from '@klaxon/config';
import { shiftAt, withOverrides, type ScheduleOverride } from '@klaxon/escalation';

/** What routing looks at in an alert. */
export interface RoutableAlert {
  host: string;
  message: string;
  priority: string;
  /** the sender's name for itself, by default the integration id */
  source?: string | undefined;
}

export interface RouteMatch {
  /** position of the matching route in the config file */
  routeIndex: number;
  policyId: string;
}

type AlertTest = (alert: RoutableAlert) => boolean;

interface CompiledRoute {
  index: number;
  policy: string;
  tests: AlertTest[];
}

/** Compiled once per loaded config: a reload yields new route arrays, so old entries are collected. */
const compiled = new WeakMap<readonly RouteConfig[], readonly CompiledRoute[]>();

function compile(routes: readonly RouteConfig[]): readonly CompiledRoute[] {
  let result = compiled.get(routes);
  if (!result) {
    result = routes.map((route) => {
      const tests: AlertTest[] = [];
      const match = route.match;
      if (match?.host !== undefined) {
        // host names are case-insensitive; dot: true lets `*` match names with a leading dot part
        const isHost = picomatch(match.host, { nocase: true, dot: true });
        tests.push((alert) => isHost(alert.host));
      }
      if (match?.message !== undefined) {
        const pattern = compileMessagePattern(match.message);
        tests.push((alert) => pattern.test(alert.message));
      }
      if (match?.priority !== undefined) {
        const priorities = new Set<string>(match.priority);
        tests.push((alert) => priorities.has(alert.priority.toUpperCase()));
      }
      if (match?.source !== undefined) {
        const source = match.source;
        tests.push((alert) => alert.source === source);
      }
      return { index: route.index, policy: route.policy, tests };
    });
    compiled.set(routes, result);
  }
  return result;
}

/**
 * The route for an alert: the first whose matchers all hold (host glob,
 * message regex, priority list, source), a route without matchers matching
 * everything. Undefined when no route matches (a config without a default route).
 */
export function matchRoute(routes: readonly RouteConfig[], alert: RoutableAlert): RouteMatch | undefined {
  for (const route of compile(routes)) {
    if (route.tests.every((test) => test(alert))) return { routeIndex: route.index, policyId: route.policy };
  }
  return undefined;
}

/**
 * Who a schedule's rotation has on call at `now`, shifts counted in the
 * schedule's local wall-clock time (hand-offs stay put across DST changes).
 * Schedule overrides (stored in the database) are applied by the caller.
 */
export function onCallMember(schedule: ScheduleConfig, now: Date): string {
  return shiftAt(schedule, now).member;
}

export type ResolvedTarget =
  | { kind: 'user'; userId: string; /** set when the user was reached through this schedule */ viaSchedule?: string }
  | { kind: 'channel'; channelId: string };

/** Temporary overrides (from the database) by schedule id. */
export type OverridesBySchedule = ReadonlyMap<string, readonly ScheduleOverride[]>;

/**
 * The targets of one step of a policy, schedules resolved to whoever is on
 * call at `now` (with `overrides` applied when given, else the rotation alone);
 * a person named twice is paged once (first mention kept).
 */
export function stepTargets(config: KlaxonConfig, policyId: string, stepIndex: number, now: Date, overrides?: OverridesBySchedule): ResolvedTarget[] {
  const policy = config.lookup.escalationPolicies.get(policyId);
  if (!policy) throw new Error(`unknown escalation policy "${policyId}"`);
  const step = policy.steps[stepIndex];
  if (!step) throw new Error(`escalation policy "${policyId}" has no step ${stepIndex}`);

  const targets: ResolvedTarget[] = [];
  const seen = new Set<string>();
  const add = (target: ResolvedTarget) => {
    const key = target.kind === 'user' ? `user:${target.userId}` : `channel:${target.channelId}`;
    if (seen.has(key)) return;
    seen.add(key);
    targets.push(target);
  };
  for (const target of step.notify) {
    switch (target.kind) {
      case 'user':
        add({ kind: 'user', userId: target.id });
        break;
      case 'channel':
        add({ kind: 'channel', channelId: target.id });
        break;
      case 'schedule': {
        const schedule = config.lookup.schedules.get(target.id);
        if (!schedule) throw new Error(`unknown schedule "${target.id}"`);
        const scheduleOverrides = overrides?.get(schedule.id);
        const userId = scheduleOverrides && scheduleOverrides.length > 0 ? withOverrides(schedule, scheduleOverrides, now).userId : onCallMember(schedule, now);
        add({ kind: 'user', userId, viaSchedule: schedule.id });
        break;
      }
      default: {
        const never: never = target.kind;
        throw new Error(`unknown target kind ${String(never)}`);
      }
    }
  }
  return targets;
}

/** The targets of a policy's first step at `now`. */
export function firstStepTargets(config: KlaxonConfig, policyId: string, now: Date): ResolvedTarget[] {
  return stepTargets(config, policyId, 0, now);
}
