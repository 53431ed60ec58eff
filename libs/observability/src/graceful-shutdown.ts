import type { Logger } from 'pino';

/**
 * SIGTERM or SIGINT: stop taking work, finish what is running (`close`), exit 0.
 * A second signal, or `graceMs` passing, exits at once. SIGHUP is not a
 * shutdown signal here: it reloads the config.
 */
export function exitGracefullyOnSignals(close: () => Promise<void>, logger: Logger, graceMs = 30_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down: finishing running work');
    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs).unref();
    close().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
