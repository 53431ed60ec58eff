import { resolve } from 'node:path';
import { loadDatabaseEnv } from '@klaxon/config';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-io';

export const MIGRATE_USAGE = 'migrate                    apply the migrations in prisma/migrations to DATABASE_URL';

/** @klaxon/db's applyMigrations, passed in so that only this command loads the database code. */
export type ApplyMigrations = (opts: {
  connectionString: string;
  migrationsDir: string;
  log?: (line: string) => void;
}) => Promise<{ applied: string[]; alreadyApplied: number }>;

export async function migrateCommand(args: readonly string[], io: CliIo, applyMigrations: ApplyMigrations): Promise<number> {
  if (args.length > 0) throw new UsageError(`migrate takes no arguments, got ${args.join(' ')}`);
  try {
    const { url } = loadDatabaseEnv(io.env);
    const migrationsDir = resolve(io.cwd, 'prisma/migrations');
    const { applied, alreadyApplied } = await applyMigrations({ connectionString: url, migrationsDir, log: (line) => io.out(line) });
    if (applied.length === 0) io.out(`migrate: the database is up to date (${alreadyApplied} migration${alreadyApplied === 1 ? '' : 's'} applied before)`);
    else io.out(`migrate: applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`);
    return EXIT_OK;
  } catch (error) {
    io.err(`migrate: ${(error as Error).message}`);
    return EXIT_FAILURE;
  }
}
