import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigStore } from './config-store';
import { APP_ENV, KlaxonConfigModule } from './config.module';
import { type AppEnv, loadEnv } from './env.schema';

const EXAMPLE = readFileSync(join(__dirname, '../../../klaxon.example.yaml'), 'utf8');
const ENV = { DATABASE_URL: 'postgres://localhost/klaxon', SESSION_SECRET: 'x'.repeat(32) };

describe('ConfigStore', () => {
  let dir: string;
  let file: string;
  let env: AppEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'klaxon-store-'));
    file = join(dir, 'klaxon.yaml');
    writeFileSync(file, EXAMPLE);
    env = loadEnv({ ...ENV, KLAXON_CONFIG: file }, { cwd: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the file named by the environment', () => {
    const store = new ConfigStore(env, {});
    expect(store.path).toBe(file);
    expect(store.config.users).toHaveLength(3);
  });

  it('swaps in a valid new file and tells the listeners', () => {
    const store = new ConfigStore(env, {});
    const before = store.config;
    const seen: [number, number][] = [];
    store.onChange((next, previous) => seen.push([next.users.length, previous.users.length]));

    writeFileSync(file, EXAMPLE.replace(/\n  # carol has no passwordHash[\s\S]*?timezone: Europe\/Berlin\n/, '\n').replace(/user:carol/g, 'user:bob'));
    expect(store.reload()).toEqual({ ok: true });
    expect(store.config).not.toBe(before);
    expect(store.config.users.map((u) => u.id)).toEqual(['alice', 'bob']);
    expect(seen).toEqual([[2, 3]]);
  });

  it('refuses an invalid file with the reason and keeps the running config', () => {
    const store = new ConfigStore(env, {});
    const before = store.config;
    const listener = jest.fn();
    store.onChange(listener);

    writeFileSync(file, EXAMPLE.replace('policy: dba', 'policy: dbx').replace('shift: 1w', 'shift: weekly'));
    const result = store.reload();
    expect(result).toEqual({
      ok: false,
      error: `${file}: 1 problem\n  schedules[0].rotation.shift: must be a duration like 30s, 10m, 2h or 1d, got "weekly"`,
    });
    expect(store.config).toBe(before);
    expect(listener).not.toHaveBeenCalled();

    writeFileSync(file, 'users: [');
    expect(store.reload()).toMatchObject({ ok: false, error: expect.stringContaining('YAML syntax error') });
    rmSync(file);
    expect(store.reload()).toEqual({ ok: false, error: `${file}: 1 problem\n  cannot read the config file (no such file)` });
    expect(store.config).toBe(before);
  });

  it('stops calling a listener once unsubscribed, and runs the others when one throws', () => {
    const store = new ConfigStore(env, {});
    const quiet = jest.fn();
    const unsubscribe = store.onChange(quiet);
    unsubscribe();
    const after = jest.fn();
    store.onChange(() => {
      throw new Error('boom');
    });
    store.onChange(after);
    expect(() => store.reload()).toThrow(AggregateError);
    expect(quiet).not.toHaveBeenCalled();
    expect(after).toHaveBeenCalledTimes(1);
  });

  it('reloads on SIGHUP and logs the outcome', () => {
    const store = new ConfigStore(env, {});
    const signals = new EventEmitter();
    const logger = { log: jest.fn(), error: jest.fn() };
    const stop = store.watchSighup(logger, signals);

    signals.emit('SIGHUP');
    expect(logger.log).toHaveBeenCalledWith(`SIGHUP: reloaded the config from ${file}`);

    writeFileSync(file, EXAMPLE.replace('policy: dba', 'policy: dbx'));
    signals.emit('SIGHUP');
    expect(logger.error).toHaveBeenCalledWith(
      `SIGHUP: refused the config, the running one stays. ${file}: 1 problem\n  routes[0].policy: unknown escalation policy "dbx"`,
    );

    stop();
    expect(signals.listenerCount('SIGHUP')).toBe(0);
  });
});

describe('KlaxonConfigModule', () => {
  it('provides the environment and the store', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [KlaxonConfigModule.forRoot({ env: { ...ENV, PORT: '4321' }, cwd: join(__dirname, '../../..') })],
    }).compile();
    const env = moduleRef.get<AppEnv>(APP_ENV);
    expect(env.http.port).toBe(4321);
    const store = moduleRef.get(ConfigStore);
    expect(store.env).toBe(env);
    expect(store.config.routes).toHaveLength(2);
    await moduleRef.close();
  });

  it('stops start-up with the ConfigError', async () => {
    await expect(
      Test.createTestingModule({ imports: [KlaxonConfigModule.forRoot({ env: { SESSION_SECRET: 'x'.repeat(32) } })] }).compile(),
    ).rejects.toThrow('DATABASE_URL is missing');
  });
});
