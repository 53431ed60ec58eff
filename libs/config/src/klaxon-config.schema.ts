import { z } from 'zod';
import type { ConfigProblem } from './config-path';
import { DURATION_HINT, tryParseDuration } from './duration';
import { isValidTimeZone, parseLocalDateTime } from './local-time';
import {
  CHANNEL_TYPES,
  type ChannelOptionValue,
  type ConfigPriority,
  QUIET_HOURS_MODES,
  TARGET_KINDS,
  TIER_CHANNELS,
  TIER_NAMES,
  type TierConfig,
  type TierName,
  USER_ROLES,
} from './klaxon-config.types';

/**
 * The shape of the YAML config file (SPEC §8), after `${NAME}` expansion.
 * Keys are as the file writes them; durations are already milliseconds.
 * Cross-references are checked afterwards (klaxon-config.checks.ts).
 */

/** Tier defaults from SPEC §5. */
export const DEFAULT_TIERS: Readonly<Record<TierName, TierConfig>> = {
  critical: {
    name: 'critical',
    priorities: ['P0'],
    channels: ['sms', 'im', 'email'],
    voiceAfterMs: 5 * 60_000,
    escalate: true,
    quietHours: 'ignore',
    groupWindowMs: 0,
  },
  high: { name: 'high', priorities: ['P1'], channels: ['sms', 'im', 'email'], escalate: true, quietHours: 'ignore', groupWindowMs: 30_000 },
  medium: {
    name: 'medium',
    priorities: ['P2'],
    channels: ['im', 'email'],
    smsAfterMs: 30 * 60_000,
    escalate: false,
    quietHours: 'defer',
    groupWindowMs: 2 * 60_000,
  },
  low: {
    name: 'low',
    priorities: ['P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'],
    channels: ['im', 'email'],
    escalate: false,
    quietHours: 'defer',
    groupWindowMs: 0,
    digestEveryMs: 30 * 60_000,
  },
};

export const DEFAULT_SMS_BUDGET = { max: 10, perMs: 10 * 60_000 } as const;

/** How often a notification is tried before it counts as failed, and the first wait between tries (doubling). */
export const DEFAULT_DELIVERY = { attempts: 4, backoffMs: 2_000 } as const;

/** Messages that say a whole host is down: while one is open, the host's other alerts are held (SPEC §5). */
export const DEFAULT_HOST_DOWN_PATTERNS = ['host is down', 'agent.alive', 'ping'] as const;

/**
 * PROBLEM → OK → PROBLEM `cycles` times within `window` is flapping: the alert is reopened with one
 * `flapping ×N` notice instead of a page per cycle, and resolves only once stable for `stableFor`.
 */
export const DEFAULT_FLAPPING = { windowMs: 10 * 60_000, cycles: 1, stableForMs: 5 * 60_000 } as const;

/**
 * Messages per window each IM destination (one robot or webhook URL) accepts, from the providers' documents:
 * DingTalk and WeCom robots 20/min, Feishu 100/min (5/s), Slack incoming webhooks 1/s, Discord 5 per 2 s,
 * Telegram 20/min per group, Teams 4/s. Over the limit, messages wait; they are never dropped.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, { max: number; perMs: number }>> = {
  dingtalk: { max: 20, perMs: 60_000 },
  wecom: { max: 20, perMs: 60_000 },
  feishu: { max: 100, perMs: 60_000 },
  slack: { max: 1, perMs: 1_000 },
  discord: { max: 5, perMs: 2_000 },
  telegram: { max: 20, perMs: 60_000 },
  teams: { max: 4, perMs: 1_000 },
  webhook: { max: 100, perMs: 1_000 },
};

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** What a value is, without the value. */
function kindOf(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'true or false';
  return shown(value);
}

/**
 * Config problems reach stderr, logs and the reload API's 422 body, so values
 * under these keys are never repeated in one: secrets, and URLs, which may
 * carry credentials or access tokens (IM webhooks). Phone numbers are shown
 * masked.
 */
const SECRET_KEYS: ReadonlySet<PropertyKey> = new Set(['token', 'secret', 'passwordHash', 'url']);
const PHONE_KEYS: ReadonlySet<PropertyKey> = new Set(['phone']);

/** `+8613800000001` → `+86138****0001`: enough to find the entry, never fewer than four digits hidden. */
function maskedPhone(phone: string): string {
  if (phone.length <= 6) return '*'.repeat(phone.length);
  const keepEnd = phone.length >= 10 ? 4 : 2;
  const keepStart = Math.max(0, Math.min(6, phone.length - keepEnd - 4));
  return phone.slice(0, keepStart) + '*'.repeat(phone.length - keepStart - keepEnd) + phone.slice(-keepEnd);
}

/** The offending value as a message may show it: as is, masked (phones), or only its kind (secrets). */
function shownAt(path: readonly PropertyKey[] | undefined, value: unknown): string {
  const key = path?.[path.length - 1];
  if (key !== undefined && SECRET_KEYS.has(key)) return kindOf(value);
  if (key !== undefined && PHONE_KEYS.has(key)) {
    if (typeof value === 'number' && Number.isFinite(value)) return maskedPhone(String(value));
    return typeof value === 'string' ? JSON.stringify(maskedPhone(value)) : kindOf(value);
  }
  return shown(value);
}

/** `got …` for an issue: the value it was raised on, shown as its path allows. */
function got(iss: { input?: unknown; path?: PropertyKey[] }): string {
  return `got ${shownAt(iss.path, iss.input)}`;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const id = z.string().regex(ID, {
  error: (iss) => `must be an id of letters, digits, ".", "_" and "-", ${got(iss)}`,
});

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

/** A duration (`30s`, `10m`, `2h`, `1d`) → milliseconds. */
const duration = z.unknown().transform((value, ctx): number => {
  const ms = typeof value === 'string' ? tryParseDuration(value) : value === 0 ? 0 : undefined;
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT}, got ${shown(value)}` });
    return z.NEVER;
  }
  return ms;
});

const positiveDuration = duration.refine((ms) => ms > 0, { error: 'must be longer than 0s' });

const priority = z
  .string()
  .refine((v) => /^[pP][0-9]$/.test(v), { error: (iss) => `must be one of P0–P9, ${got(iss)}` })
  .transform((v) => v.toUpperCase() as ConfigPriority);

const timeZone = z.string().refine(isValidTimeZone, {
  error: (iss) => `must be an IANA time zone like "Asia/Shanghai" or "UTC", ${got(iss)}`,
});

const hhmm = z.string().regex(HH_MM, { error: (iss) => `must be a time of day "HH:MM" (00:00–23:59), ${got(iss)}` });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}

/** Never echoes the value: IM webhook URLs carry access tokens. */
const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an http:// or https:// URL' });

/** A string, or a number written without quotes (IM handles, chat ids). */
const stringish = z.union([z.string(), z.number()], { error: (iss) => `must be a string, ${got(iss)}` }).transform(String);

/** `disk (full|\d+%)` or `/disk full/i`. */
export function compileMessagePattern(pattern: string): RegExp {
  const literal = /^\/([\s\S]*)\/([dgimsuyv]*)$/.exec(pattern);
  // g and y make test() stateful: never let them through
  return literal ? new RegExp(literal[1] ?? '', (literal[2] ?? '').replace(/[gy]/g, '')) : new RegExp(pattern);
}

const messagePattern = z.string().superRefine((value, ctx) => {
  try {
    compileMessagePattern(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
  }
});

const tierOverride = z.strictObject({
  priorities: z.array(priority).optional(),
  channels: z.array(z.enum(TIER_CHANNELS)).optional(),
  voiceAfter: duration.nullable().optional(),
  smsAfter: duration.nullable().optional(),
  escalate: z.boolean().optional(),
  quietHours: z.enum(QUIET_HOURS_MODES).optional(),
  groupWindow: duration.optional(),
  digestEvery: positiveDuration.nullable().optional(),
});
export type TierOverride = z.output<typeof tierOverride>;

const user = z
  .strictObject({
    id,
    name: nonEmpty.optional(),
    role: z.enum(USER_ROLES).default('responder'),
    passwordHash: z
      .string()
      .regex(/^\$argon2(id|i|d)\$/, { error: 'must be an argon2 hash (make one with: npm run klaxon -- hash-password)' })
      .optional(),
    phone: z
      .string()
      .regex(E164, { error: (iss) => `must be an E.164 phone number like "+8613800000001", ${got(iss)}` })
      .optional(),
    email: z.email({ error: (iss) => `must be an email address, ${got(iss)}` }).optional(),
    timezone: timeZone.default('UTC'),
    quietHours: z
      .strictObject({ from: hhmm, to: hhmm })
      .refine((q) => q.from !== q.to, { error: '"from" and "to" must differ' })
      .optional(),
    im: z.partialRecord(z.enum(CHANNEL_TYPES), stringish).default({}),
  });

const CHANNEL_KEYS = new Set(['id', 'type', 'url', 'secret']);
const channelOption = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())], {
  error: 'must be a string, number, true/false or a list of strings',
});

const channel = z
  .looseObject({ id, type: z.enum(CHANNEL_TYPES), url: httpUrl, secret: nonEmpty.optional() })
  .transform((entry, ctx) => {
    const options: Record<string, ChannelOptionValue> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (CHANNEL_KEYS.has(key)) continue;
      const parsed = channelOption.safeParse(value);
      if (parsed.success) options[key] = parsed.data;
      else ctx.addIssue({ code: 'custom', path: [key], message: 'must be a string, number, true/false or a list of strings' });
    }
    if (entry.type === 'telegram' && (options['chatId'] === undefined || options['chatId'] === '')) {
      ctx.addIssue({ code: 'custom', path: ['chatId'], message: 'is required for a telegram channel' });
    }
    return { id: entry.id, type: entry.type, url: entry.url, secret: entry.secret, options };
  });

const localStart = z.string().refine((v) => parseLocalDateTime(v) !== undefined, {
  error: (iss) =>
    `must be a local date and time without zone like "2026-01-05T09:00:00" (the schedule's timezone applies), ${got(iss)}`,
});

const schedule = z.strictObject({
  id,
  timezone: timeZone,
  rotation: z.strictObject({
    members: z.array(id).min(1, { error: 'must name at least one user' }),
    shift: positiveDuration,
    start: localStart,
    handoff: hhmm.optional(),
  }),
});

const target = z.string().regex(new RegExp(`^(${TARGET_KINDS.join('|')}):[A-Za-z0-9][A-Za-z0-9._-]*$`), {
  error: (iss) => `must be "user:<id>", "schedule:<id>" or "channel:<id>", ${got(iss)}`,
});

const escalationPolicy = z.strictObject({
  id,
  repeat: z.number().int().min(0).max(100, { error: 'must be at most 100' }).default(0),
  steps: z
    .array(
      z.strictObject({
        notify: z.array(target).min(1, { error: 'must name at least one target' }),
        next: positiveDuration.optional(),
      }),
    )
    .min(1, { error: 'must have at least one step' }),
});

const routeMatch = z.strictObject({
  host: nonEmpty.optional(),
  message: messagePattern.optional(),
  priority: z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(priority).min(1, { error: 'must list at least one priority' }))
    .optional(),
  source: nonEmpty.optional(),
});

const route = z.strictObject({ match: routeMatch.nullable().optional(), policy: id });

const integration = z.strictObject({
  id,
  token: z.string().min(16, { error: 'must be at least 16 characters long' }),
});

/** null (a key with nothing after it) counts as an empty list. */
const section = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === null ? undefined : v), z.array(item).default([]));

export const klaxonConfigFileSchema = z.strictObject({
  tiers: z
    .strictObject({
      critical: tierOverride.optional(),
      high: tierOverride.optional(),
      medium: tierOverride.optional(),
      low: tierOverride.optional(),
    })
    .nullable()
    .optional(),
  smsBudget: z
    .strictObject({
      max: z.number().int().min(1, { error: 'must be at least 1' }).default(DEFAULT_SMS_BUDGET.max),
      per: positiveDuration.default(DEFAULT_SMS_BUDGET.perMs),
    })
    .nullable()
    .optional(),
  delivery: z
    .strictObject({
      attempts: z.number().int().min(1, { error: 'must be at least 1' }).max(20, { error: 'must be at most 20' }).default(DEFAULT_DELIVERY.attempts),
      backoff: positiveDuration.default(DEFAULT_DELIVERY.backoffMs),
    })
    .nullable()
    .optional(),
  inhibit: z
    .strictObject({
      hostDown: z.array(messagePattern).default([...DEFAULT_HOST_DOWN_PATTERNS]),
    })
    .nullable()
    .optional(),
  flapping: z
    .strictObject({
      enabled: z.boolean().default(true),
      window: positiveDuration.default(DEFAULT_FLAPPING.windowMs),
      cycles: z.number().int().min(1, { error: 'must be at least 1' }).default(DEFAULT_FLAPPING.cycles),
      stableFor: positiveDuration.default(DEFAULT_FLAPPING.stableForMs),
    })
    .nullable()
    .optional(),
  rateLimits: z
    .partialRecord(
      z.enum(CHANNEL_TYPES),
      z.strictObject({ max: z.number().int().min(1, { error: 'must be at least 1' }), per: positiveDuration }),
    )
    .nullable()
    .optional(),
  users: z.array(user).min(1, { error: 'must list at least one user' }),
  channels: section(channel),
  schedules: section(schedule),
  escalationPolicies: section(escalationPolicy),
  routes: section(route),
  integrations: z.array(integration).min(1, { error: 'must list at least one integration' }),
});

export type KlaxonConfigFile = z.output<typeof klaxonConfigFileSchema>;

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
};

/** Clear messages for zod's generic issues; the specific ones are set on the schemas above. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input: unknown = issue.input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      if (issue.expected === 'string' && typeof input === 'number') return `must be a string (quote it in YAML), ${got(issue)}`;
      return `must be ${ARTICLE[issue.expected] ?? issue.expected}, ${got(issue)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}, ${got(issue)}`;
    case 'invalid_key':
      return `unknown key ${shown(input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `must be at least ${String(issue.minimum)} characters long`;
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

export type ShapeResult = { ok: true; file: KlaxonConfigFile } | { ok: false; problems: ConfigProblem[] };

/** Validates the shape of the (expanded) file content. */
export function parseConfigShape(data: unknown): ShapeResult {
  if (data === null || data === undefined) return { ok: false, problems: [{ path: [], message: 'the file is empty' }] };
  const result = klaxonConfigFileSchema.safeParse(data, { error: issueMessage });
  if (result.success) return { ok: true, file: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path,
      message: issue.code === 'unrecognized_keys' && issue.path.length === 0 ? `${issue.message} at the top level` : issue.message,
    })),
  };
}
