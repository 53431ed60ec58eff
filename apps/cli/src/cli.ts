import { CHECK_CONFIG_USAGE, checkConfigCommand } from './commands/check-config.command';
import { HASH_PASSWORD_USAGE, hashPasswordCommand } from './commands/hash-password.command';
import { MIGRATE_USAGE, migrateCommand } from './commands/migrate.command';
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli-io';

export const USAGE = [
  'Usage: npm run klaxon -- <command> [arguments]',
  '',
  'Commands:',
  `  ${HASH_PASSWORD_USAGE}`,
  `  ${CHECK_CONFIG_USAGE}`,
  `  ${MIGRATE_USAGE}`,
  '  help                       show this text',
  '',
  'Exit codes: 0 done, 1 failed, 2 wrong arguments.',
].join('\n');

const wantsHelp = (args: readonly string[]) => args.length === 1 && (args[0] === '--help' || args[0] === '-h');

/** Runs one command and returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (wantsHelp(args)) {
      io.out(USAGE);
      return EXIT_OK;
    }
    switch (command) {
      case 'hash-password':
        return await hashPasswordCommand(args, io);
      case 'check-config':
        return await checkConfigCommand(args, io);
      case 'migrate': {
        const { createDatabaseAndApplyMigrations } = await import('./commands/db-migrations');
        return await migrateCommand(args, io, createDatabaseAndApplyMigrations);
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`klaxon: ${error.message}`);
      io.err('Run "npm run klaxon -- help" for the commands.');
      return EXIT_USAGE;
    }
    io.err(`klaxon ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILURE;
  }
}
