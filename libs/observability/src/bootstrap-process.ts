import type { Logger } from 'pino';
import { ConfigError, ConfigStore, loadEnv, type AppEnv, type ConfigReloadLogger } from '@klaxon/config';
import { createLogger } from './logger';

/**
 * What every Klaxon process does first: validate the environment and the
 * config file, and make the logger. A bad value stops the process with one
 * clear line naming it (SPEC §8).
 */
export function bootstrapProcess(name: string): { env: AppEnv; config: ConfigStore; logger: Logger; reloadLogger: ConfigReloadLogger } {
  let env: AppEnv;
  try {
    env = loadEnv();
  } catch (err) {
    return stop(name, err);
  }
  const logger = createLogger(name, env.log.level);
  try {
    const config = new ConfigStore(env);
    const reloadLogger: ConfigReloadLogger = { log: (m) => logger.info(m), error: (m) => logger.error(m) };
    return { env, config, logger, reloadLogger };
  } catch (err) {
    return stop(name, err);
  }
}

function stop(name: string, err: unknown): never {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}
