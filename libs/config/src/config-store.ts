import { ConfigError } from './config.error';
import { loadKlaxonConfig } from './config-loader';
import { type AppEnv, processEnv } from './env.schema';
import type { KlaxonConfig } from './klaxon-config.types';

export type ConfigReloadResult = { ok: true } | { ok: false; error: string };
export type ConfigChangeListener = (next: KlaxonConfig, previous: KlaxonConfig) => void;

/** What watchSighup logs through; Nest's Logger fits. */
export interface ConfigReloadLogger {
  log(message: string): void;
  error(message: string): void;
}

/** Where SIGHUP comes from; the process by default. */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

/**
 * The running config file and the environment. Read `store.config` each time
 * it is needed rather than keeping it: a reload swaps in a new (frozen) object.
 */
export class ConfigStore {
  private current: KlaxonConfig;
  private loaded: Date;
  private readonly listeners = new Set<ConfigChangeListener>();

  /**
   * @param env the validated environment; `env.configPath` is the file
   * @param rawEnv the variables `${NAME}` in the file expands from
   * @param initial an already loaded config; loaded from the file when omitted
   */
  constructor(
    readonly env: AppEnv,
    private readonly rawEnv: NodeJS.ProcessEnv = processEnv(),
    initial?: KlaxonConfig,
  ) {
    this.current = initial ?? loadKlaxonConfig(env.configPath, rawEnv);
    this.loaded = new Date();
  }

  get config(): KlaxonConfig {
    return this.current;
  }

  get path(): string {
    return this.env.configPath;
  }

  /** When the running config was loaded. */
  get loadedAt(): Date {
    return this.loaded;
  }

  /**
   * Re-reads the file. An invalid file is refused with every problem in
   * `error` and the running config stays. Listeners run after the swap; if
   * any throws, the others still run and an AggregateError is thrown (the new
   * config is then already in place).
   */
  reload(): ConfigReloadResult {
    let next: KlaxonConfig;
    try {
      next = loadKlaxonConfig(this.env.configPath, this.rawEnv);
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, error: error.message };
      return { ok: false, error: `${this.env.configPath}: ${(error as Error).message}` };
    }
    const previous = this.current;
    this.current = next;
    this.loaded = new Date();
    const failures: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'a config change listener failed');
    return { ok: true };
  }

  /** Calls `listener` after each successful reload; returns the unsubscribe function. */
  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads on SIGHUP and logs the outcome; returns the function that stops watching. */
  watchSighup(logger: ConfigReloadLogger, signals: SignalSource = process): () => void {
    const onSignal = () => {
      try {
        const result = this.reload();
        if (result.ok) logger.log(`SIGHUP: reloaded the config from ${this.env.configPath}`);
        else logger.error(`SIGHUP: refused the config, the running one stays. ${result.error}`);
      } catch (error) {
        logger.error(`SIGHUP: reloaded the config, but a listener failed: ${(error as Error).message}`);
      }
    };
    signals.on('SIGHUP', onSignal);
    return () => {
      signals.off('SIGHUP', onSignal);
    };
  }
}
