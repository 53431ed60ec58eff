import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config.error';

/**
 * The process environment (SPEC §8). This file is the only place in the code
 * base that reads `process.env`: everything else receives a typed `AppEnv`
 * (or, for `${NAME}` expansion in the config file, the raw map handed over
 * from here).
 *
 * Error messages name the variable and never echo the value of one that may
 * hold a secret (connection strings can carry passwords).
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/**
 * What a worker process does (WORKER_ROLE). `all`: everything. `paging`: the
 * urgent triage lane, notifications, escalation and housekeeping. `bulk`: the
 * normal triage lane only, at a lower CPU priority, so that a flood of low
 * alerts queues behind the api and the paging path rather than in front of a P0.
 */
export const WORKER_ROLES = ['all', 'paging', 'bulk'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** BullMQ key prefix: the braces make it a Redis Cluster hash tag, so all of a queue's keys share a slot. */
export const DEFAULT_QUEUE_PREFIX = '{klaxon}';

export interface TwilioEnv {
  accountSid: string;
  authToken: string;
  /** a second token accepted on inbound webhooks, so the main one can be rotated without downtime */
  alternateAuthToken: string | undefined;
  fromNumber: string;
  /** send the SDK's REST calls here instead of *.twilio.com (a test stand-in or an egress proxy) */
  apiBaseUrl: string | undefined;
}

export interface SmtpEnv {
  url: string;
  from: string;
}

/** The typed, grouped environment every app receives. */
export interface AppEnv {
  database: { url: string };
  redis: { url: string; queuePrefix: string };
  /** host: the address the api listens on (0.0.0.0: every interface) */
  http: { host: string; port: number; publicUrl: string };
  /** absolute path of the YAML config file */
  configPath: string;
  /** undefined when no Twilio variable is set: SMS and voice are then off */
  twilio: TwilioEnv | undefined;
  /** undefined when SMTP_URL is not set: email is then off */
  smtp: SmtpEnv | undefined;
  session: { secret: string };
  log: { level: LogLevel };
  worker: {
    concurrency: number;
    /** port of the worker's probe server (/healthz, /readyz, /metrics); undefined: none */
    httpPort: number | undefined;
    role: WorkerRole;
    /** niceness the process lowers itself to at start (WORKER_NICE); undefined: as started (a bulk worker: 10) */
    nice: number | undefined;
  };
}

export const DEFAULT_EMAIL_FROM = 'Klaxon <klaxon@localhost>';
const MIN_SESSION_SECRET = 32;

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function hasProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol.replace(/:$/, '')) && url.host !== '';
  } catch {
    return false;
  }
}

function urlVar(name: string, protocols: readonly string[], secret: boolean) {
  const kinds = protocols.map((p) => `${p}://`).join(' or ');
  return z.string({ error: `${name} is missing` }).refine((v) => hasProtocol(v, protocols), {
    error: (iss) => `${name} must be a ${kinds} URL${secret ? '' : `, got ${shown(iss.input)}`}`,
  });
}

function intVar(name: string, what: string, min: number, max: number) {
  return z
    .string()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      error: (iss) => `${name} must be ${what} (${min}–${max}), got ${shown(iss.input)}`,
    })
    .transform(Number);
}

function oneOfVar<const T extends string>(name: string, values: readonly T[]) {
  return z
    .string()
    .refine((v): v is T => (values as readonly string[]).includes(v), {
      error: (iss) => `${name} must be one of ${values.join(', ')}, got ${shown(iss.input)}`,
    })
    .transform((v) => v as T);
}

function secretVar(name: string, minLength = 1) {
  return z.string({ error: `${name} is missing` }).refine((v) => v.length >= minLength, {
    error: (iss) =>
      `${name} must be at least ${minLength} characters long (it has ${typeof iss.input === 'string' ? iss.input.length : 0})`,
  });
}

/** The raw variables, as strings; empty values count as unset. */
export const envSchema = z.object({
  DATABASE_URL: urlVar('DATABASE_URL', ['postgres', 'postgresql'], true),
  REDIS_URL: urlVar('REDIS_URL', ['redis', 'rediss'], true).default('redis://127.0.0.1:6379'),
  KLAXON_QUEUE_PREFIX: z
    .string()
    .refine((v) => /^\S+$/.test(v), { error: (iss) => `KLAXON_QUEUE_PREFIX must not contain white space, got ${shown(iss.input)}` })
    .default(DEFAULT_QUEUE_PREFIX),
  PORT: intVar('PORT', 'a port number', 0, 65535).default(3000),
  HOST: z
    .string()
    .refine((v) => /^[\w.:-]+$/.test(v), { error: (iss) => `HOST must be an address to listen on like 0.0.0.0 or 127.0.0.1, got ${shown(iss.input)}` })
    .default('0.0.0.0'),
  PUBLIC_URL: urlVar('PUBLIC_URL', ['http', 'https'], false).optional(),
  KLAXON_CONFIG: z.string().optional(),
  TWILIO_ACCOUNT_SID: secretVar('TWILIO_ACCOUNT_SID')
    .refine((v) => v.startsWith('AC'), { error: 'TWILIO_ACCOUNT_SID must start with AC' })
    .optional(),
  TWILIO_AUTH_TOKEN: secretVar('TWILIO_AUTH_TOKEN').optional(),
  TWILIO_ALTERNATE_AUTH_TOKEN: secretVar('TWILIO_ALTERNATE_AUTH_TOKEN').optional(),
  TWILIO_FROM_NUMBER: z
    .string()
    .refine((v) => /^\+[1-9]\d{6,14}$/.test(v), {
      error: (iss) => `TWILIO_FROM_NUMBER must be an E.164 phone number like +15005550006, got ${shown(iss.input)}`,
    })
    .optional(),
  TWILIO_API_BASE_URL: urlVar('TWILIO_API_BASE_URL', ['http', 'https'], true).optional(),
  SMTP_URL: urlVar('SMTP_URL', ['smtp', 'smtps'], true).optional(),
  EMAIL_FROM: z
    .string()
    .refine((v) => /^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(v), {
      error: (iss) => `EMAIL_FROM must be an address like "Klaxon <klaxon@example.com>", got ${shown(iss.input)}`,
    })
    .optional(),
  SESSION_SECRET: secretVar('SESSION_SECRET', MIN_SESSION_SECRET),
  LOG_LEVEL: oneOfVar('LOG_LEVEL', LOG_LEVELS).default('info'),
  WORKER_CONCURRENCY: intVar('WORKER_CONCURRENCY', 'a whole number', 1, 10_000).default(50),
  WORKER_HTTP_PORT: intVar('WORKER_HTTP_PORT', 'a port number', 0, 65535).optional(),
  WORKER_ROLE: oneOfVar('WORKER_ROLE', WORKER_ROLES).default('all'),
  WORKER_NICE: intVar('WORKER_NICE', 'a niceness', 0, 19).optional(),
});

export type RawEnv = z.input<typeof envSchema>;

/** Hands out the process environment; the one read of `process.env` in the code base. */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function parseOrThrow<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => issue.message);
  throw new ConfigError(problems.join('; '), problems);
}

export interface LoadEnvOptions {
  /** where a relative KLAXON_CONFIG and the default `klaxon.yaml` are looked up; default: the process's cwd */
  cwd?: string;
}

/**
 * Validates the environment and returns it grouped and typed. A missing or
 * malformed value throws a ConfigError whose message is one line naming the
 * variable(s).
 */
export function loadEnv(env: NodeJS.ProcessEnv = processEnv(), options: LoadEnvOptions = {}): AppEnv {
  const raw = parseOrThrow(envSchema, env);
  const cwd = options.cwd ?? process.cwd();

  const problems: string[] = [];
  const twilioCore = {
    TWILIO_ACCOUNT_SID: raw.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: raw.TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER: raw.TWILIO_FROM_NUMBER,
  };
  const anyTwilio =
    Object.values(twilioCore).some((v) => v !== undefined) ||
    raw.TWILIO_ALTERNATE_AUTH_TOKEN !== undefined ||
    raw.TWILIO_API_BASE_URL !== undefined;
  if (anyTwilio) {
    for (const [name, value] of Object.entries(twilioCore)) {
      if (value === undefined) problems.push(`${name} is missing (other TWILIO_* variables are set)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '), problems);

  const twilio: TwilioEnv | undefined =
    raw.TWILIO_ACCOUNT_SID !== undefined && raw.TWILIO_AUTH_TOKEN !== undefined && raw.TWILIO_FROM_NUMBER !== undefined
      ? {
          accountSid: raw.TWILIO_ACCOUNT_SID,
          authToken: raw.TWILIO_AUTH_TOKEN,
          alternateAuthToken: raw.TWILIO_ALTERNATE_AUTH_TOKEN,
          fromNumber: raw.TWILIO_FROM_NUMBER,
          apiBaseUrl: raw.TWILIO_API_BASE_URL?.replace(/\/+$/, ''),
        }
      : undefined;

  const configPath =
    raw.KLAXON_CONFIG !== undefined
      ? resolve(cwd, raw.KLAXON_CONFIG)
      : existsSync(resolve(cwd, 'klaxon.yaml'))
        ? resolve(cwd, 'klaxon.yaml')
        : resolve(cwd, 'klaxon.example.yaml');

  return {
    database: { url: raw.DATABASE_URL },
    redis: { url: raw.REDIS_URL, queuePrefix: raw.KLAXON_QUEUE_PREFIX },
    http: {
      host: raw.HOST,
      port: raw.PORT,
      // no trailing slash: Twilio signatures are computed over PUBLIC_URL + path
      publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    },
    configPath,
    twilio,
    smtp: raw.SMTP_URL !== undefined ? { url: raw.SMTP_URL, from: raw.EMAIL_FROM ?? DEFAULT_EMAIL_FROM } : undefined,
    session: { secret: raw.SESSION_SECRET },
    log: { level: raw.LOG_LEVEL },
    worker: { concurrency: raw.WORKER_CONCURRENCY, httpPort: raw.WORKER_HTTP_PORT, role: raw.WORKER_ROLE, nice: raw.WORKER_NICE },
  };
}

/** Only DATABASE_URL, for tools (the migration step) that need nothing else. */
export function loadDatabaseEnv(env: NodeJS.ProcessEnv = processEnv()): AppEnv['database'] {
  const raw = parseOrThrow(envSchema.pick({ DATABASE_URL: true }), env);
  return { url: raw.DATABASE_URL };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '***';
  }
}

/** The environment with secrets hidden and passwords cut out of URLs, for start-up logs. */
export function describeEnv(env: AppEnv): Record<string, unknown> {
  return {
    database: { url: withoutPassword(env.database.url) },
    redis: { url: withoutPassword(env.redis.url), queuePrefix: env.redis.queuePrefix },
    http: env.http,
    configPath: env.configPath,
    twilio: env.twilio && {
      accountSid: `${env.twilio.accountSid.slice(0, 6)}…`,
      authToken: '***',
      alternateAuthToken: env.twilio.alternateAuthToken === undefined ? undefined : '***',
      fromNumber: env.twilio.fromNumber,
      apiBaseUrl: env.twilio.apiBaseUrl && withoutPassword(env.twilio.apiBaseUrl),
    },
    smtp: env.smtp && { url: withoutPassword(env.smtp.url), from: env.smtp.from },
    session: { secret: '***' },
    log: env.log,
    worker: env.worker,
  };
}
