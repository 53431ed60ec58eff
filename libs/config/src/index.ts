export { ConfigError } from './config.error';
export { formatConfigPath } from './config-path';
export { type ConfigValidation, loadKlaxonConfig, parseKlaxonConfig, validateKlaxonConfig } from './config-loader';
export {
  type ConfigChangeListener,
  type ConfigReloadLogger,
  type ConfigReloadResult,
  ConfigStore,
  type SignalSource,
} from './config-store';
export { APP_ENV, KlaxonConfigModule, type KlaxonConfigModuleOptions } from './config.module';
export { DURATION_HINT, formatDuration, parseDuration, tryParseDuration } from './duration';
export {
  type AppEnv,
  DEFAULT_QUEUE_PREFIX,
  describeEnv,
  LOG_LEVELS,
  type LoadEnvOptions,
  type LogLevel,
  loadDatabaseEnv,
  loadEnv,
  processEnv,
  type SmtpEnv,
  type TwilioEnv,
  WORKER_ROLES,
  type WorkerRole,
} from './env.schema';
export { expandEnvReferences } from './env-expansion';
export { findIntegrationByToken, hashIntegrationToken } from './integration-token';
export { tierForPriority } from './klaxon-config.build';
export { compileMessagePattern, DEFAULT_DELIVERY, DEFAULT_FLAPPING, DEFAULT_HOST_DOWN_PATTERNS, DEFAULT_RATE_LIMITS, DEFAULT_SMS_BUDGET, DEFAULT_TIERS } from './klaxon-config.schema';
export * from './klaxon-config.types';
export { formatLocalDateTime, isValidTimeZone, type LocalDateTime, localDateTimeToUtc, parseLocalDateTime, toLocalDateTime } from './local-time';
