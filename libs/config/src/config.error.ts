/**
 * A missing or malformed setting: an environment variable or the config file.
 * `problems` lists each one on its own (each naming its variable or path); the
 * message is what an operator reads when start-up or a reload is refused.
 * Messages never contain secret values.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';

  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
