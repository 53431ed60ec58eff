/**
 * The migration applier against the real PostgreSQL: each test gets its own database and its own
 * temporary migrations folder, so nothing here depends on the project's schema (except the last test).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testEnv } from '@klaxon/testing';
import { applyMigrations, ensureDatabase, MigrationError } from '../libs/db/src/migrations';

jest.setTimeout(30_000);

const REAL_MIGRATIONS = join(__dirname, '..', 'prisma', 'migrations');
const databases: string[] = [];
const folders: string[] = [];

/** A database on the test server (`npm test` names it, with its user and password if any), plus query parameters. */
const urlFor = (db: string, query = ''): string => {
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${encodeURIComponent(db)}`;
  for (const [key, value] of new URLSearchParams(query)) url.searchParams.set(key, value);
  return url.toString();
};
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function sql<T extends object = Record<string, unknown>>(url: string, text: string, params: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh, empty database with a random name; dropped in afterAll. */
async function freshDatabase(): Promise<string> {
  const name = `klaxon_migtest_${randomBytes(6).toString('hex')}`;
  databases.push(name);
  await sql(urlFor('postgres'), `CREATE DATABASE ${quote(name)}`);
  return urlFor(name);
}

/** A temporary migrations folder in Prisma's layout, including the lock file the applier must ignore. */
function migrationsFolder(migrations: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-migrations-'));
  folders.push(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, script] of Object.entries(migrations)) writeMigration(dir, name, script);
  return dir;
}

function writeMigration(dir: string, name: string, script: string): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'migration.sql'), script);
}

const fileChecksum = (dir: string, name: string): string =>
  createHash('sha256').update(readFileSync(join(dir, name, 'migration.sql'))).digest('hex');

interface Row {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}
const history = (url: string, schema = 'public') =>
  sql<Row>(url, `SELECT * FROM ${quote(schema)}._prisma_migrations ORDER BY started_at, migration_name`);

const tableExists = async (url: string, table: string, schema = 'public'): Promise<boolean> =>
  (await sql<{ t: string | null }>(url, 'SELECT to_regclass($1) AS t', [`${quote(schema)}.${quote(table)}`]))[0]?.t !==
  null;

async function expectMigrationError(promise: Promise<unknown>): Promise<MigrationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MigrationError);
  return err as MigrationError;
}

const INIT = 'CREATE TABLE widgets (id SERIAL PRIMARY KEY, name TEXT NOT NULL);\n';
const SECOND = '-- A comment line\nALTER TABLE widgets ADD COLUMN colour TEXT;\nCREATE INDEX widgets_name_idx ON widgets (name);\n';

afterAll(async () => {
  for (const db of databases) await sql(urlFor('postgres'), `DROP DATABASE IF EXISTS ${quote(db)} WITH (FORCE)`);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('applyMigrations', () => {
  it('applies every migration to an empty database and records them as Prisma does', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_init': INIT, '20260102000000_colour': SECOND });
    const lines: string[] = [];

    const result = await applyMigrations({ connectionString: url, migrationsDir: dir, log: (l) => lines.push(l) });

    expect(result).toEqual({ applied: ['20260101000000_init', '20260102000000_colour'], alreadyApplied: 0 });
    expect(lines).toEqual([
      expect.stringMatching(/^applied 20260101000000_init \(\d+ ms\)$/),
      expect.stringMatching(/^applied 20260102000000_colour \(\d+ ms\)$/),
    ]);
    const rows = await history(url);
    expect(rows.map((r) => r.migration_name)).toEqual(['20260101000000_init', '20260102000000_colour']);
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(fileChecksum(dir, row.migration_name));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
    }
    expect(await tableExists(url, 'widgets')).toBe(true);

    // The table itself matches schema-engine's CREATE TABLE _prisma_migrations for PostgreSQL.
    const columns = await sql(
      url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
    const pk = await sql(
      url,
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass`,
    );
    expect(pk).toEqual([{ conname: '_prisma_migrations_pkey', def: 'PRIMARY KEY (id)' }]);
  });

  it('is a no-op when everything is applied, then applies only a migration added later', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_init': INIT, '20260102000000_colour': SECOND });
    await applyMigrations({ connectionString: url, migrationsDir: dir });
    const before = await history(url);

    const lines: string[] = [];
    const again = await applyMigrations({ connectionString: url, migrationsDir: dir, log: (l) => lines.push(l) });
    expect(again).toEqual({ applied: [], alreadyApplied: 2 });
    expect(lines).toEqual(['database is up to date (2 migrations)']);
    expect(await history(url)).toEqual(before);

    writeMigration(dir, '20260103000000_gadgets', 'CREATE TABLE gadgets (id INT PRIMARY KEY);');
    const later = await applyMigrations({ connectionString: url, migrationsDir: dir });
    expect(later).toEqual({ applied: ['20260103000000_gadgets'], alreadyApplied: 2 });
    const after = await history(url);
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2]).toMatchObject({ migration_name: '20260103000000_gadgets', applied_steps_count: 1 });
  });

  it('warns and carries on when an applied migration was edited afterwards', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_init': INIT });
    await applyMigrations({ connectionString: url, migrationsDir: dir });
    writeMigration(dir, '20260101000000_init', `${INIT}-- edited\n`);
    const lines: string[] = [];
    const result = await applyMigrations({ connectionString: url, migrationsDir: dir, log: (l) => lines.push(l) });
    expect(result).toEqual({ applied: [], alreadyApplied: 1 });
    expect(lines[0]).toMatch(/^warning: 20260101000000_init was modified/);

    // A CRLF checkout of the same file is not an edit (Prisma compares line-ending agnostically).
    writeMigration(dir, '20260101000000_init', INIT.replace(/\n/g, '\r\n'));
    const crlf: string[] = [];
    await applyMigrations({ connectionString: url, migrationsDir: dir, log: (l) => crlf.push(l) });
    expect(crlf).toEqual(['database is up to date (1 migration)']);
  });

  it('records a failing migration as unfinished, rolls its script back, then refuses further runs (P3009)', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({
      '20260101000000_init': INIT,
      '20260102000000_broken': 'CREATE TABLE half_done (id INT);\nSELEC 1;\n',
      '20260103000000_after': 'CREATE TABLE after_broken (id INT);',
    });

    const err = await expectMigrationError(applyMigrations({ connectionString: url, migrationsDir: dir }));
    expect(err.code).toBe('P3018');
    expect(err.migrationName).toBe('20260102000000_broken');
    expect(err.message).toContain('Migration name: 20260102000000_broken');
    expect(err.message).toContain('Database error code: 42601');
    expect(err.message).toMatch(/syntax error at or near "SELEC"/);
    expect(err.message).toContain('  2 SELEC 1;');

    const rows = await history(url);
    expect(rows.map((r) => r.migration_name)).toEqual(['20260101000000_init', '20260102000000_broken']);
    const broken = rows[1]!;
    expect(broken).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(broken.checksum).toBe(fileChecksum(dir, '20260102000000_broken'));
    expect(broken.logs).toContain('syntax error at or near "SELEC"');
    expect(await tableExists(url, 'half_done')).toBe(false); // the whole script ran as one transaction
    expect(await tableExists(url, 'after_broken')).toBe(false);

    // Fixing the broken file does not let deploy continue: the unfinished row blocks it.
    writeMigration(dir, '20260102000000_broken', 'CREATE TABLE half_done (id INT);\n');
    const blocked = await expectMigrationError(applyMigrations({ connectionString: url, migrationsDir: dir }));
    expect(blocked.code).toBe('P3009');
    expect(blocked.message).toContain('`20260102000000_broken` migration started at');
    expect(blocked.message).toContain('rolled back');
    expect(await history(url)).toHaveLength(2);
    expect(await tableExists(url, 'half_done')).toBe(false);

    // Resolving it as `prisma migrate resolve --rolled-back` does lets the fixed script run.
    await sql(url, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '20260102000000_broken'`);
    const resumed = await applyMigrations({ connectionString: url, migrationsDir: dir });
    expect(resumed).toEqual({ applied: ['20260102000000_broken', '20260103000000_after'], alreadyApplied: 1 });
    expect(await tableExists(url, 'half_done')).toBe(true);
    expect((await history(url)).filter((r) => r.migration_name === '20260102000000_broken')).toHaveLength(2);
  });

  it('refuses a non-empty schema that has no _prisma_migrations table (P3005)', async () => {
    const url = await freshDatabase();
    await sql(url, 'CREATE TABLE legacy (id INT)');
    const dir = migrationsFolder({ '20260101000000_init': INIT });

    const err = await expectMigrationError(applyMigrations({ connectionString: url, migrationsDir: dir }));
    expect(err.code).toBe('P3005');
    expect(await tableExists(url, '_prisma_migrations')).toBe(false);
    expect(await tableExists(url, 'widgets')).toBe(false);
  });

  it('works in the schema named by ?schema= and creates that schema', async () => {
    const url = await freshDatabase();
    await sql(url, 'CREATE TABLE unrelated_public_table (id INT)'); // another schema's tables do not count
    const dir = migrationsFolder({ '20260101000000_init': INIT });

    const result = await applyMigrations({ connectionString: `${url}?schema=Klaxon`, migrationsDir: dir });
    expect(result.applied).toEqual(['20260101000000_init']);
    expect(await tableExists(url, 'widgets', 'Klaxon')).toBe(true);
    expect(await tableExists(url, 'widgets')).toBe(false);
    expect(await tableExists(url, '_prisma_migrations')).toBe(false);
    expect(await history(url, 'Klaxon')).toHaveLength(1);
  });

  it('applies each migration once when two runs race on one empty database (advisory lock)', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({
      '20260101000000_init': `${INIT}SELECT pg_sleep(0.3);\n`,
      '20260102000000_colour': SECOND,
      '20260103000000_gadgets': 'CREATE TABLE gadgets (id INT PRIMARY KEY);',
    });
    const lines: string[] = [];
    const run = () => applyMigrations({ connectionString: url, migrationsDir: dir, log: (l) => lines.push(l) });

    const [a, b] = await Promise.all([run(), run()]);
    const all = [...a.applied, ...b.applied].sort();
    expect(all).toEqual(['20260101000000_init', '20260102000000_colour', '20260103000000_gadgets']);
    expect([a.alreadyApplied, b.alreadyApplied].sort()).toEqual([0, 3]);
    expect(lines).toContain('waiting for another migration run to finish');
    const rows = await history(url);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
  });

  it('gives up waiting for the lock after lockTimeoutMs (P1002)', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_init': INIT });
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      const err = await expectMigrationError(
        applyMigrations({ connectionString: url, migrationsDir: dir, lockTimeoutMs: 200 }),
      );
      expect(err.code).toBe('P1002');
    } finally {
      await holder.end();
    }
    expect(await tableExists(url, 'widgets')).toBe(false);
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database (quoting its name) and is a no-op when it exists', async () => {
    const name = `Klaxon "mig" ${randomBytes(4).toString('hex')}`;
    databases.push(name);
    const url = urlFor(name, '?schema=public');
    const exists = async () =>
      (await sql(urlFor('postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;

    expect(await exists()).toBe(false);
    await expect(ensureDatabase(url)).resolves.toBe(true);
    expect(await exists()).toBe(true);
    await expect(ensureDatabase(url)).resolves.toBe(false);

    const dir = migrationsFolder({ '20260101000000_init': INIT });
    await expect(applyMigrations({ connectionString: url, migrationsDir: dir })).resolves.toMatchObject({
      applied: ['20260101000000_init'],
    });
  });
});

describe("the project's prisma/migrations", () => {
  it('applies to a fresh database and enforces one open alert per fingerprint', async () => {
    const url = await freshDatabase();
    const result = await applyMigrations({ connectionString: url, migrationsDir: REAL_MIGRATIONS });
    expect(result.applied.length).toBeGreaterThan(0);
    expect(result.alreadyApplied).toBe(0);
    expect(await tableExists(url, 'alerts')).toBe(true);
    expect(await tableExists(url, 'alert_events')).toBe(true);

    const insert = (status: string) =>
      sql(
        url,
        `INSERT INTO alerts (id, fingerprint, priority, status, host, message, source,
                             first_seen_at, last_seen_at, last_problem_seq)
         VALUES (gen_random_uuid(), 'fp-1', 'P2', $1::"AlertStatus", 'db1', 'disk full', 'zabbix', now(), now(), 1)`,
        [status],
      );
    await insert('firing');
    await expect(insert('acknowledged')).rejects.toMatchObject({
      code: '23505',
      constraint: 'alerts_one_open_per_fingerprint',
    });
    await insert('resolved');
    const counts = await sql<{ status: string; n: string }>(
      url,
      `SELECT status::text, count(*) AS n FROM alerts WHERE fingerprint = 'fp-1' GROUP BY status ORDER BY status`,
    );
    expect(counts).toEqual([
      { status: 'firing', n: '1' },
      { status: 'resolved', n: '1' },
    ]);
  });
});
