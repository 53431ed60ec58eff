/** Loaded only by the migrate command: @klaxon/db pulls in pg and the Prisma client. */
import { applyMigrations, ensureDatabase } from '@klaxon/db';
import type { ApplyMigrations } from './migrate.command';

/** Creates the database named in the URL when it does not exist yet, then applies the migrations. */
export const createDatabaseAndApplyMigrations: ApplyMigrations = async (opts) => {
  if (await ensureDatabase(opts.connectionString)) opts.log?.(`created database ${new URL(opts.connectionString).pathname.slice(1)}`);
  return applyMigrations(opts);
};
