/**
 * Applies prisma/migrations/<name>/migration.sql and records them in `_prisma_migrations` the way
 * `prisma migrate deploy` does (prisma-engines: schema-engine apply_migrations.rs,
 * sql_migration_persistence.rs, flavour/postgres.rs), so both tools agree on the history.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, DatabaseError } from 'pg';

const LOCK_ID = 72707369; // Prisma Migrate's advisory lock key
const RESOLVE_DOCS = 'https://pris.ly/d/migrate-resolve';
const POSTGIS_TABLES = /^(spatial_ref_sys|geometry_columns|geography_columns|raster_columns|raster_overviews)$/i;

export type MigrationErrorCode = 'P1002' | 'P3005' | 'P3009' | 'P3015' | 'P3018';

export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migrationName?: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'MigrationError';
  }
}

export interface ApplyMigrationsOptions {
  connectionString: string;
  migrationsDir: string;
  log?: (line: string) => void;
  /** Give up waiting for another run's lock after this long, as Prisma does (10 s). 0 waits forever. */
  lockTimeoutMs?: number;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Lowercase hex SHA-256 of the script, as Prisma's render_checksum. */
export function migrationChecksum(script: string): string {
  return sha256(script).toString('hex');
}

/** Prisma's script_matches_checksum: line-ending agnostic, accepts the old un-padded hex format. */
function checksumMatches(script: string, checksum: string): boolean {
  return [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')].some((variant) => {
    const digest = sha256(variant);
    const hex = checksum.length === 64 ? digest.toString('hex') : [...digest].map((b) => b.toString(16)).join('');
    return hex === checksum;
  });
}

/** Splits `?schema=` (Prisma's, unknown to pg) off the URL. */
function parseUrl(connectionString: string): { pgUrl: string; schema: string; database: string } {
  const url = new URL(connectionString);
  const schema = url.searchParams.get('schema') || 'public';
  url.searchParams.delete('schema');
  return { pgUrl: url.toString(), schema, database: decodeURIComponent(url.pathname.slice(1)) };
}

/** Creates the database named in the URL unless it exists. Returns true when it created it. */
export async function ensureDatabase(connectionString: string): Promise<boolean> {
  const { pgUrl, database } = parseUrl(connectionString);
  if (!database) throw new Error('ensureDatabase: the connection string names no database');
  const admin = new URL(pgUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    return true;
  } catch (err) {
    // A concurrent creator won the race: 42P04 duplicate_database, or 23505 on pg_database's index.
    if (err instanceof DatabaseError && (err.code === '42P04' || err.code === '23505')) return false;
    throw err;
  } finally {
    await client.end();
  }
}

/** Prisma's P3018 text: the database error, with the failing line and up to 5 before it. */
function describeFailure(name: string, script: string, err: unknown): string {
  let code = 'none';
  let detail = err instanceof Error ? err.message : String(err);
  if (err instanceof DatabaseError) {
    code = err.code ?? 'none';
    detail = `${err.severity ?? 'ERROR'}: ${err.message}`;
    if (err.detail) detail += `\nDETAIL: ${err.detail}`;
    if (err.hint) detail += `\nHINT: ${err.hint}`;
    if (err.position) {
      const errorLine = script.slice(0, Number(err.position) - 1).split('\n').length; // 1-based
      const first = Math.max(1, errorLine - 5);
      const shown = script
        .split('\n')
        .slice(first - 1, errorLine)
        .map((line, i) => `${String(first + i).padStart(3)} ${line}`);
      detail += `\n\nPosition:\n${shown.join('\n')}`;
    }
  }
  return (
    `A migration failed to apply. New migrations cannot be applied before the error is recovered from. ` +
    `Read more about how to resolve migration issues in a production database: ${RESOLVE_DOCS}\n\n` +
    `Migration name: ${name}\n\nDatabase error code: ${code}\n\nDatabase error:\n${detail}\n`
  );
}

/** Prisma holds pg_advisory_lock(72707369) for the whole run and gives up after 10 s. */
async function acquireLock(client: Client, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_ID]);
  if (got.rows[0]?.ok) return;
  log('waiting for another migration run to finish');
  await client.query(`SET lock_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  } catch (err) {
    if (err instanceof DatabaseError && err.code === '55P03') {
      throw new MigrationError('P1002', `timed out after ${timeoutMs} ms waiting for the migration lock`);
    }
    throw err;
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
  }
}

export async function applyMigrations(
  opts: ApplyMigrationsOptions,
): Promise<{ applied: string[]; alreadyApplied: number }> {
  const log = opts.log ?? (() => undefined);
  const { pgUrl, schema } = parseUrl(opts.connectionString);
  const table = `${quoteIdent(schema)}."_prisma_migrations"`;
  // Prisma's listMigrations: every sub-folder, sorted with localeCompare; migration_lock.toml is not a folder.
  const entries = await readdir(opts.migrationsDir, { withFileTypes: true }); // Prisma: missing = empty; we fail loudly
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));

  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await acquireLock(client, opts.lockTimeoutMs ?? 10_000, log);
    // Like Prisma's setup_connection: create the schema only when it is missing (needs no CREATE right otherwise).
    const schemaFound = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!schemaFound.rowCount) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);

    // Prisma's initialize(): create the table in an empty schema, refuse a non-empty one without it.
    const tables = await client.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname = $1`,
      [schema],
    );
    const tableNames = tables.rows.map((r) => r.relname);
    if (!tableNames.includes('_prisma_migrations')) {
      if (tableNames.some((t) => !POSTGIS_TABLES.test(t))) {
        throw new MigrationError(
          'P3005',
          `The database schema "${schema}" is not empty (${tableNames.length} tables, no _prisma_migrations). ` +
            'Read more about how to baseline an existing production database: https://pris.ly/d/migrate-baseline',
        );
      }
      await client.query(`CREATE TABLE ${table} (
        id                      VARCHAR(36) PRIMARY KEY NOT NULL,
        checksum                VARCHAR(64) NOT NULL,
        finished_at             TIMESTAMPTZ,
        migration_name          VARCHAR(255) NOT NULL,
        logs                    TEXT,
        rolled_back_at          TIMESTAMPTZ,
        started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
        applied_steps_count     INTEGER NOT NULL DEFAULT 0
      )`);
    }

    const { rows } = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs FROM ${table} ORDER BY started_at`,
    );
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) {
      const details = failed.map(
        (r) =>
          `The \`${r.migration_name}\` migration started at ${r.started_at.toISOString()} failed` +
          (r.logs?.trim() ? ` with the following logs:\n${r.logs.trim()}` : ''),
      );
      const fix = `UPDATE ${table} SET rolled_back_at = now() WHERE finished_at IS NULL AND rolled_back_at IS NULL`;
      throw new MigrationError(
        'P3009',
        `migrate found failed migrations in the target database, new migrations will not be applied. ` +
          `Undo what the failed migration changed (or finish it by hand), then mark it rolled back ` +
          `(prisma migrate resolve --rolled-back <name>, or: ${fix}). See ${RESOLVE_DOCS}\n${details.join('\n')}`,
        failed[0]?.migration_name,
      );
    }

    const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const pending: { name: string; script: string }[] = [];
    for (const name of names) {
      const path = join(opts.migrationsDir, name, 'migration.sql');
      const script = await readFile(path, 'utf8').catch(() => null);
      const row = applied.get(name);
      if (row) {
        if (script !== null && !checksumMatches(script, row.checksum)) {
          log(`warning: ${name} was modified after it was applied (checksum differs)`);
        }
      } else if (script === null) {
        throw new MigrationError('P3015', `Could not find the migration file at ${path}.`, name);
      } else {
        pending.push({ name, script });
      }
    }

    const done: string[] = [];
    for (const { name, script } of pending) {
      const started = Date.now();
      const id = randomUUID();
      await client.query(`INSERT INTO ${table} (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`, [
        id,
        migrationChecksum(script),
        name,
      ]);
      try {
        await client.query(script); // one simple query = one implicit transaction
      } catch (err) {
        const message = describeFailure(name, script, err);
        await client.query(`UPDATE ${table} SET logs = $2 WHERE id = $1`, [id, message]).catch(() => undefined);
        throw new MigrationError('P3018', message, name);
      }
      await client.query(
        `UPDATE ${table} SET applied_steps_count = applied_steps_count + 1, finished_at = now() WHERE id = $1`,
        [id],
      );
      done.push(name);
      log(`applied ${name} (${Date.now() - started} ms)`);
    }
    const alreadyApplied = names.length - pending.length;
    if (done.length === 0) log(`database is up to date (${alreadyApplied} migration${alreadyApplied === 1 ? '' : 's'})`);
    return { applied: done, alreadyApplied };
  } finally {
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
