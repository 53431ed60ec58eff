/**
 * The loaded config file (SPEC §8), as every app sees it: defaults applied,
 * durations in milliseconds (`…Ms`), references checked, integration tokens
 * hashed. Frozen; a reload produces a new object.
 */

export const CONFIG_PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'] as const;
export type ConfigPriority = (typeof CONFIG_PRIORITIES)[number];

export const TIER_NAMES = ['critical', 'high', 'medium', 'low'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** How a tier pages people. `voice` here calls at once; `voiceAfterMs` calls later if still unacknowledged. */
export const TIER_CHANNELS = ['sms', 'voice', 'im', 'email'] as const;
export type TierChannel = (typeof TIER_CHANNELS)[number];

export const QUIET_HOURS_MODES = ['ignore', 'defer'] as const;
export type QuietHoursMode = (typeof QUIET_HOURS_MODES)[number];

export interface TierConfig {
  name: TierName;
  priorities: readonly ConfigPriority[];
  channels: readonly TierChannel[];
  /** call by voice if not acknowledged within this long */
  voiceAfterMs?: number;
  /** send an SMS if not acknowledged within this long (for tiers without `sms` in channels) */
  smsAfterMs?: number;
  escalate: boolean;
  /** `ignore`: SMS and voice go out during a person's quiet hours; `defer`: they wait until the hours end */
  quietHours: QuietHoursMode;
  /** alerts for the same person within this window go in one message; 0 = page at once */
  groupWindowMs: number;
  /** when set, the tier pages by a digest this often instead of one message per alert */
  digestEveryMs?: number;
}

export const USER_ROLES = ['admin', 'responder'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const CHANNEL_TYPES = ['slack', 'teams', 'discord', 'telegram', 'dingtalk', 'feishu', 'wecom', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface QuietHours {
  /** `HH:MM` in the user's time zone */
  from: string;
  /** `HH:MM`; earlier than `from` means the window spans midnight */
  to: string;
}

export interface UserConfig {
  id: string;
  name: string;
  role: UserRole;
  /** argon2 PHC string; a user without one cannot sign in to the UI */
  passwordHash?: string;
  /** E.164, for SMS and voice */
  phone?: string;
  email?: string;
  /** IANA time zone (default UTC) */
  timezone: string;
  quietHours?: QuietHours;
  /** IM handles by channel type, e.g. `{ slack: "U024BE7LH" }` */
  im: Readonly<Partial<Record<ChannelType, string>>>;
}

export type ChannelOptionValue = string | number | boolean | readonly string[];

export interface ChannelConfig {
  id: string;
  type: ChannelType;
  /** http(s) URL the message is posted to */
  url: string;
  /** signing secret (DingTalk, Feishu) or provider token */
  secret?: string;
  /** every other key of the entry, e.g. `chatId` for Telegram */
  options: Readonly<Record<string, ChannelOptionValue>>;
}

export interface RotationConfig {
  members: readonly string[];
  shiftMs: number;
  /** local wall time in the schedule's time zone, normalised to `YYYY-MM-DDTHH:MM:SS` */
  start: string;
  /** `HH:MM`, the local time of day shifts change */
  handoff: string;
  /** `start` in the schedule's time zone as epoch milliseconds */
  startsAtMs: number;
}

export interface ScheduleConfig {
  id: string;
  timezone: string;
  rotation: RotationConfig;
}

export const TARGET_KINDS = ['user', 'schedule', 'channel'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** `user:carol` → `{ kind: 'user', id: 'carol' }` */
export interface StepTarget {
  kind: TargetKind;
  id: string;
}

export interface EscalationStepConfig {
  notify: readonly StepTarget[];
  /** wait before the next step (or, after the last, before starting over); undefined only on the last step of a policy with repeat 0 */
  nextMs?: number;
}

export interface EscalationPolicyConfig {
  id: string;
  /** run the steps this many more times if nobody acknowledges (0 = once) */
  repeat: number;
  steps: readonly EscalationStepConfig[];
}

export interface RouteMatchConfig {
  /** glob on the host name (case-insensitive) */
  host?: string;
  /** regular expression on the message: `disk (full|\d+%)` or `/disk full/i` */
  message?: string;
  priority?: readonly ConfigPriority[];
  /** equals the alert's source (by default its integration id) */
  source?: string;
}

export interface RouteConfig {
  /** position in the file, for messages and timeline events */
  index: number;
  /** undefined: the default route, matching everything (only the last route) */
  match?: RouteMatchConfig;
  policy: string;
}

export interface IntegrationConfig {
  id: string;
  /** lowercase hex SHA-256 of the token; the plaintext is not kept */
  tokenHash: string;
}

/** Retries of one notification: `attempts` in all, waiting `backoffMs`, then double that, … */
export interface DeliveryConfig {
  attempts: number;
  backoffMs: number;
}

/** Host-down inhibition: messages (case-insensitive words or phrases, or `/regex/flags`) that mean a whole host is down. */
export interface InhibitConfig {
  hostDown: readonly RegExp[];
  /**
   * The same patterns as lower-case substrings, when every one is a plain substring (the usual case), so
   * the database can pick the host-down alerts itself; null when some pattern is a /regex/.
   */
  hostDownSubstrings: readonly string[] | null;
}

export interface FlappingConfig {
  windowMs: number;
  cycles: number;
  stableForMs: number;
}

/** At most `max` messages per `perMs` to one IM destination. */
export interface RateLimitConfig {
  max: number;
  perMs: number;
}

export interface SmsBudgetConfig {
  max: number;
  perMs: number;
}

/** Indexes built once per load. */
export interface ConfigLookup {
  users: ReadonlyMap<string, UserConfig>;
  /** by E.164 phone number, for SMS replies */
  usersByPhone: ReadonlyMap<string, UserConfig>;
  channels: ReadonlyMap<string, ChannelConfig>;
  schedules: ReadonlyMap<string, ScheduleConfig>;
  escalationPolicies: ReadonlyMap<string, EscalationPolicyConfig>;
  integrationsByTokenHash: ReadonlyMap<string, IntegrationConfig>;
  tierByPriority: ReadonlyMap<ConfigPriority, TierConfig>;
}

export interface KlaxonConfig {
  tiers: Readonly<Record<TierName, TierConfig>>;
  smsBudget: SmsBudgetConfig;
  delivery: DeliveryConfig;
  inhibit: InhibitConfig;
  /** null when flap detection is off (`flapping: { enabled: false }`) */
  flapping: FlappingConfig | null;
  /** per IM channel type */
  rateLimits: Readonly<Record<string, RateLimitConfig>>;
  users: readonly UserConfig[];
  channels: readonly ChannelConfig[];
  schedules: readonly ScheduleConfig[];
  escalationPolicies: readonly EscalationPolicyConfig[];
  routes: readonly RouteConfig[];
  integrations: readonly IntegrationConfig[];
  lookup: ConfigLookup;
}
