import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-io';
import { fakeCliIo } from '../testing/fake-cli-io';
import { type ApplyMigrations, migrateCommand } from './migrate.command';

const DATABASE_URL = 'postgresql://klaxon:pw@127.0.0.1:5432/klaxon';

describe('migrate', () => {
  it('applies prisma/migrations from the working directory to DATABASE_URL', async () => {
    const apply = jest.fn<ReturnType<ApplyMigrations>, Parameters<ApplyMigrations>>(async (opts) => {
      opts.log?.('applying 20261121000000_init');
      return { applied: ['20261121000000_init'], alreadyApplied: 0 };
    });
    const io = fakeCliIo({ env: { DATABASE_URL }, cwd: '/srv/klaxon' });
    expect(await migrateCommand([], io, apply)).toBe(EXIT_OK);
    expect(apply).toHaveBeenCalledWith({ connectionString: DATABASE_URL, migrationsDir: join('/srv/klaxon', 'prisma/migrations'), log: expect.any(Function) });
    expect(io.stdout).toEqual(['applying 20261121000000_init', 'migrate: applied 1 migration: 20261121000000_init']);
  });

  it('says when there is nothing to do', async () => {
    const io = fakeCliIo({ env: { DATABASE_URL } });
    expect(await migrateCommand([], io, async () => ({ applied: [], alreadyApplied: 3 }))).toBe(EXIT_OK);
    expect(io.stdout).toEqual(['migrate: the database is up to date (3 migrations applied before)']);
  });

  it('needs only DATABASE_URL, and fails without it', async () => {
    const apply = jest.fn();
    const io = fakeCliIo({ env: {} });
    expect(await migrateCommand([], io, apply)).toBe(EXIT_FAILURE);
    expect(apply).not.toHaveBeenCalled();
    expect(io.stderr).toEqual(['migrate: DATABASE_URL is missing']);
  });

  it('reports a failed migration', async () => {
    const io = fakeCliIo({ env: { DATABASE_URL } });
    const failing: ApplyMigrations = async () => {
      throw new Error('P3018: A migration failed to apply.');
    };
    expect(await migrateCommand([], io, failing)).toBe(EXIT_FAILURE);
    expect(io.stderr).toEqual(['migrate: P3018: A migration failed to apply.']);
  });

  it('takes no arguments', async () => {
    await expect(migrateCommand(['--force'], fakeCliIo(), jest.fn())).rejects.toThrow(new UsageError('migrate takes no arguments, got --force'));
  });
});
