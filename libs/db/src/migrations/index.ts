export { applyMigrations, ensureDatabase, migrationChecksum, MigrationError } from './migrator';
export type { ApplyMigrationsOptions, MigrationErrorCode } from './migrator';
