import { hashIntegrationToken } from './integration-token';
import { formatLocalDateTime, localDateTimeToUtc, parseLocalDateTime } from './local-time';
import { DEFAULT_DELIVERY, DEFAULT_FLAPPING, DEFAULT_HOST_DOWN_PATTERNS, DEFAULT_RATE_LIMITS, DEFAULT_SMS_BUDGET, DEFAULT_TIERS, compileMessagePattern, type KlaxonConfigFile, type TierOverride } from './klaxon-config.schema';
import {
  type ChannelConfig,
  type ConfigPriority,
  type EscalationPolicyConfig,
  type KlaxonConfig,
  type RouteConfig,
  type ScheduleConfig,
  type StepTarget,
  type TargetKind,
  TIER_NAMES,
  type TierConfig,
  type TierName,
  type UserConfig,
} from './klaxon-config.types';

const isRegexLiteral = (pattern: string): boolean => /^\/[\s\S]*\/[a-z]*$/.test(pattern);

/**
 * `/regex/flags` as written; anything else a case-insensitive substring that does not start or end inside
 * a word: `ping` matches "ping loss" and "no ping", not "mapping failed" (CJK text, which has no spaces,
 * matches anywhere: `宕机` in "主机宕机").
 */
function hostDownPattern(pattern: string): RegExp {
  if (isRegexLiteral(pattern)) return compileMessagePattern(pattern);
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = /^[A-Za-z0-9_]/.test(pattern) ? '(?<![A-Za-z0-9_])' : '';
  const after = /[A-Za-z0-9_]$/.test(pattern) ? '(?![A-Za-z0-9_])' : '';
  return new RegExp(`${before}${escaped}${after}`, 'i');
}

function inhibitConfig(patterns: readonly string[]): KlaxonConfig['inhibit'] {
  return {
    hostDown: patterns.map(hostDownPattern),
    hostDownSubstrings: patterns.some(isRegexLiteral) ? null : patterns.map((p) => p.toLowerCase()),
  };
}

function mergeTier(name: TierName, override: TierOverride | undefined): TierConfig {
  const base = DEFAULT_TIERS[name];
  if (!override) return base;
  const pick = (value: number | null | undefined, fallback: number | undefined) => (value === null ? undefined : (value ?? fallback));
  const tier: TierConfig = {
    name,
    priorities: [...new Set(override.priorities ?? base.priorities)],
    channels: [...new Set(override.channels ?? base.channels)],
    escalate: override.escalate ?? base.escalate,
    quietHours: override.quietHours ?? base.quietHours,
    groupWindowMs: override.groupWindow ?? base.groupWindowMs,
  };
  const voiceAfterMs = pick(override.voiceAfter, base.voiceAfterMs);
  const smsAfterMs = pick(override.smsAfter, base.smsAfterMs);
  const digestEveryMs = pick(override.digestEvery, base.digestEveryMs);
  if (voiceAfterMs !== undefined) tier.voiceAfterMs = voiceAfterMs;
  if (smsAfterMs !== undefined) tier.smsAfterMs = smsAfterMs;
  if (digestEveryMs !== undefined) tier.digestEveryMs = digestEveryMs;
  return tier;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Map) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * The typed config from a file whose shape and references are valid:
 * defaults merged, names normalised, tokens hashed, lookups built.
 */
export function buildKlaxonConfig(file: KlaxonConfigFile): KlaxonConfig {
  const tiers = Object.fromEntries(TIER_NAMES.map((name) => [name, mergeTier(name, file.tiers?.[name])])) as Record<TierName, TierConfig>;

  const users: UserConfig[] = file.users.map((u) => {
    const user: UserConfig = { id: u.id, name: u.name ?? u.id, role: u.role, timezone: u.timezone, im: { ...u.im } };
    if (u.passwordHash !== undefined) user.passwordHash = u.passwordHash;
    if (u.phone !== undefined) user.phone = u.phone;
    if (u.email !== undefined) user.email = u.email;
    if (u.quietHours !== undefined) user.quietHours = { from: u.quietHours.from, to: u.quietHours.to };
    return user;
  });

  const channels: ChannelConfig[] = file.channels.map((c) => {
    const channel: ChannelConfig = { id: c.id, type: c.type, url: c.url, options: { ...c.options } };
    if (c.secret !== undefined) channel.secret = c.secret;
    return channel;
  });

  const schedules: ScheduleConfig[] = file.schedules.map((s) => {
    const parsed = parseLocalDateTime(s.rotation.start);
    if (!parsed) throw new Error(`schedule ${s.id}: start was validated but does not parse`);
    const hasTime = /[T ]\d/.test(s.rotation.start);
    if (!hasTime && s.rotation.handoff !== undefined) {
      const [hour = 0, minute = 0] = s.rotation.handoff.split(':').map(Number);
      parsed.hour = hour;
      parsed.minute = minute;
    }
    const handoff = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
    return {
      id: s.id,
      timezone: s.timezone,
      rotation: {
        members: [...s.rotation.members],
        shiftMs: s.rotation.shift,
        start: formatLocalDateTime(parsed),
        handoff,
        startsAtMs: localDateTimeToUtc(parsed, s.timezone).getTime(),
      },
    };
  });

  const escalationPolicies: EscalationPolicyConfig[] = file.escalationPolicies.map((p) => ({
    id: p.id,
    repeat: p.repeat,
    steps: p.steps.map((step) => {
      const notify: StepTarget[] = step.notify.map((t) => {
        const colon = t.indexOf(':');
        return { kind: t.slice(0, colon) as TargetKind, id: t.slice(colon + 1) };
      });
      return step.next === undefined ? { notify } : { notify, nextMs: step.next };
    }),
  }));

  const routes: RouteConfig[] = file.routes.map((r, index) => {
    const m = r.match;
    const match = m ? Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) : {};
    return Object.keys(match).length > 0 ? { index, match, policy: r.policy } : { index, policy: r.policy };
  });

  const integrations = file.integrations.map((i) => ({ id: i.id, tokenHash: hashIntegrationToken(i.token) }));

  const tierByPriority = new Map<ConfigPriority, TierConfig>();
  for (const tier of Object.values(tiers)) for (const p of tier.priorities) tierByPriority.set(p, tier);
  const usersByPhone = new Map<string, UserConfig>();
  for (const u of users) if (u.phone !== undefined) usersByPhone.set(u.phone, u);

  const config: KlaxonConfig = {
    tiers,
    smsBudget: file.smsBudget ? { max: file.smsBudget.max, perMs: file.smsBudget.per } : { ...DEFAULT_SMS_BUDGET },
    delivery: file.delivery ? { attempts: file.delivery.attempts, backoffMs: file.delivery.backoff } : { ...DEFAULT_DELIVERY },
    inhibit: inhibitConfig(file.inhibit?.hostDown ?? DEFAULT_HOST_DOWN_PATTERNS),
    flapping: !file.flapping
      ? { ...DEFAULT_FLAPPING }
      : file.flapping.enabled
        ? { windowMs: file.flapping.window, cycles: file.flapping.cycles, stableForMs: file.flapping.stableFor }
        : null,
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      ...Object.fromEntries(Object.entries(file.rateLimits ?? {}).flatMap(([type, l]) => (l ? [[type, { max: l.max, perMs: l.per }]] : []))),
    },
    users,
    channels,
    schedules,
    escalationPolicies,
    routes,
    integrations,
    lookup: {
      users: new Map(users.map((u) => [u.id, u])),
      usersByPhone,
      channels: new Map(channels.map((c) => [c.id, c])),
      schedules: new Map(schedules.map((s) => [s.id, s])),
      escalationPolicies: new Map(escalationPolicies.map((p) => [p.id, p])),
      integrationsByTokenHash: new Map(integrations.map((i) => [i.tokenHash, i])),
      tierByPriority,
    },
  };
  return deepFreeze(config);
}

/** The tier a priority belongs to (every priority is in exactly one once the config is loaded). */
export function tierForPriority(config: KlaxonConfig, priority: ConfigPriority): TierConfig {
  const tier = config.lookup.tierByPriority.get(priority);
  if (!tier) throw new Error(`no tier holds ${priority}`);
  return tier;
}
