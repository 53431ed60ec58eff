/**
 * Who is on call now and next (SPEC §6, §10), computed from the config's
 * rotations and the stored overrides. Pure: the service loads, this shapes.
 */
import type { KlaxonConfig, ScheduleConfig, TargetKind } from '@klaxon/config';
import { onCallNext, onCallNow, withOverrides, type OnCallPeriod, type ScheduleOverride } from '@klaxon/escalation';

export interface OnCallNowView {
  user: string;
  name: string;
  since: string;
  until: string;
  /** true when an override, not the rotation, puts `user` on call */
  override: boolean;
}

export interface OnCallNextView {
  user: string;
  name: string;
  from: string;
  until: string;
  override: boolean;
}

export interface ScheduleOnCallView {
  schedule: string;
  timezone: string;
  now: OnCallNowView;
  /** the next person to take over (stretches that keep the same person are skipped); null when nobody else does within the looked-at window */
  next: OnCallNextView | null;
}

export interface PolicyOnCallView {
  policy: string;
  step: 1;
  targets: { kind: TargetKind; id: string; onCall?: string }[];
}

export interface OnCallView {
  schedules: ScheduleOnCallView[];
  policies: PolicyOnCallView[];
}

/** How far ahead overrides can matter for "next": two shifts beyond now, plus a day for DST and more. */
export function lookAheadMs(config: KlaxonConfig): number {
  const longest = Math.max(0, ...config.schedules.map((s) => s.rotation.shiftMs));
  return 2 * longest + 86_400_000;
}

const MAX_SKIPS = 32;

function nameOf(config: KlaxonConfig, userId: string): string {
  return config.lookup.users.get(userId)?.name ?? userId;
}

export function scheduleOnCall(config: KlaxonConfig, schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], now: Date): ScheduleOnCallView {
  const current = onCallNow(schedule, overrides, now);
  let next: OnCallPeriod = onCallNext(schedule, overrides, now);
  // onCallNext may name the same person (an override by the member on shift): look on to the next real change.
  for (let i = 0; next.userId === current.userId && i < MAX_SKIPS; i++) next = onCallNow(schedule, overrides, next.until);
  return {
    schedule: schedule.id,
    timezone: schedule.timezone,
    now: {
      user: current.userId,
      name: nameOf(config, current.userId),
      since: current.since.toISOString(),
      until: current.until.toISOString(),
      override: current.isOverride,
    },
    next:
      next.userId === current.userId
        ? null
        : { user: next.userId, name: nameOf(config, next.userId), from: next.since.toISOString(), until: next.until.toISOString(), override: next.isOverride },
  };
}

export function onCallView(config: KlaxonConfig, overrides: ReadonlyMap<string, readonly ScheduleOverride[]>, now: Date): OnCallView {
  const schedules = config.schedules.map((s) => scheduleOnCall(config, s, overrides.get(s.id) ?? [], now));
  const policies = config.escalationPolicies.map((policy): PolicyOnCallView => {
    const first = policy.steps[0];
    const targets = (first?.notify ?? []).map((t) => {
      if (t.kind !== 'schedule') return { kind: t.kind, id: t.id };
      const schedule = config.lookup.schedules.get(t.id);
      return schedule ? { kind: t.kind, id: t.id, onCall: withOverrides(schedule, overrides.get(t.id) ?? [], now).userId } : { kind: t.kind, id: t.id };
    });
    return { policy: policy.id, step: 1, targets };
  });
  return { schedules, policies };
}
