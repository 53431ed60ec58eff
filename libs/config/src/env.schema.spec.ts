import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { describeEnv, envSchema, loadDatabaseEnv, loadEnv } from './env.schema';

const SECRET = 'a-session-secret-of-at-least-32-chars';
const base = { DATABASE_URL: 'postgresql://klaxon:pw@127.0.0.1:5432/klaxon', SESSION_SECRET: SECRET };

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadEnv(env, { cwd: '/nonexistent' });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadEnv did not throw');
}

describe('loadEnv', () => {
  it('applies the defaults', () => {
    expect(loadEnv(base, { cwd: '/srv/klaxon' })).toEqual({
      database: { url: base.DATABASE_URL },
      redis: { url: 'redis://127.0.0.1:6379', queuePrefix: '{klaxon}' },
      http: { host: '0.0.0.0', port: 3000, publicUrl: 'http://localhost:3000' },
      configPath: '/srv/klaxon/klaxon.example.yaml',
      twilio: undefined,
      smtp: undefined,
      session: { secret: SECRET },
      log: { level: 'info' },
      worker: { concurrency: 50, httpPort: undefined, role: 'all', nice: undefined },
    });
  });

  it('reads every variable into its group', () => {
    const env = loadEnv(
      {
        ...base,
        REDIS_URL: 'redis://:pw@redis:6380/2',
        KLAXON_QUEUE_PREFIX: '{klaxon-test-7}',
        PORT: '8080',
        PUBLIC_URL: 'https://klaxon.example.com/',
        KLAXON_CONFIG: 'conf/klaxon.yaml',
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'token-1',
        TWILIO_ALTERNATE_AUTH_TOKEN: 'token-2',
        TWILIO_FROM_NUMBER: '+15005550006',
        TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        EMAIL_FROM: 'Klaxon <klaxon@example.com>',
        LOG_LEVEL: 'debug',
        WORKER_CONCURRENCY: '8',
        WORKER_HTTP_PORT: '9464',
        WORKER_ROLE: 'bulk',
        WORKER_NICE: '5',
      },
      { cwd: '/srv/klaxon' },
    );
    expect(env.redis).toEqual({ url: 'redis://:pw@redis:6380/2', queuePrefix: '{klaxon-test-7}' });
    expect(env.http).toEqual({ host: '0.0.0.0', port: 8080, publicUrl: 'https://klaxon.example.com' });
    expect(env.configPath).toBe('/srv/klaxon/conf/klaxon.yaml');
    expect(env.twilio).toEqual({
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      authToken: 'token-1',
      alternateAuthToken: 'token-2',
      fromNumber: '+15005550006',
      apiBaseUrl: 'http://127.0.0.1:4010',
    });
    expect(env.smtp).toEqual({ url: 'smtp://127.0.0.1:2525', from: 'Klaxon <klaxon@example.com>' });
    expect(env.log.level).toBe('debug');
    expect(env.worker).toEqual({ concurrency: 8, httpPort: 9464, role: 'bulk', nice: 5 });
  });

  it('defaults PUBLIC_URL to the port and EMAIL_FROM to a local sender', () => {
    const env = loadEnv({ ...base, PORT: '4000', SMTP_URL: 'smtp://mail:25' }, { cwd: '/x' });
    expect(env.http.publicUrl).toBe('http://localhost:4000');
    expect(env.smtp?.from).toBe('Klaxon <klaxon@localhost>');
  });

  it('prefers klaxon.yaml in the working directory over the example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klaxon-env-'));
    try {
      expect(loadEnv(base, { cwd: dir }).configPath).toBe(join(dir, 'klaxon.example.yaml'));
      writeFileSync(join(dir, 'klaxon.yaml'), 'users: []\n');
      expect(loadEnv(base, { cwd: dir }).configPath).toBe(join(dir, 'klaxon.yaml'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats empty values as unset', () => {
    const env = loadEnv({ ...base, PORT: '', TWILIO_ACCOUNT_SID: '', SMTP_URL: '' }, { cwd: '/x' });
    expect(env.http.port).toBe(3000);
    expect(env.twilio).toBeUndefined();
    expect(env.smtp).toBeUndefined();
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['DATABASE_URL missing', { SESSION_SECRET: SECRET }, 'DATABASE_URL is missing'],
    ['SESSION_SECRET missing', { DATABASE_URL: base.DATABASE_URL }, 'SESSION_SECRET is missing'],
    ['both missing', {}, 'DATABASE_URL is missing; SESSION_SECRET is missing'],
    ['DATABASE_URL not postgres', { ...base, DATABASE_URL: 'mysql://root:hunter2@db/x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    ['DATABASE_URL not a URL', { ...base, DATABASE_URL: 'hunter2' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    ['PORT not a number', { ...base, PORT: 'abc' }, 'PORT must be a port number (0–65535), got "abc"'],
    ['PORT too large', { ...base, PORT: '70000' }, 'PORT must be a port number (0–65535), got "70000"'],
    ['PORT negative', { ...base, PORT: '-1' }, 'PORT must be a port number (0–65535), got "-1"'],
    ['REDIS_URL wrong scheme', { ...base, REDIS_URL: 'http://redis:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    ['PUBLIC_URL not http', { ...base, PUBLIC_URL: 'klaxon.local' }, 'PUBLIC_URL must be a http:// or https:// URL, got "klaxon.local"'],
    ['SESSION_SECRET short', { ...base, SESSION_SECRET: 'too-short' }, 'SESSION_SECRET must be at least 32 characters long (it has 9)'],
    ['LOG_LEVEL unknown', { ...base, LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['WORKER_CONCURRENCY zero', { ...base, WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY must be a whole number (1–10000), got "0"'],
    ['TWILIO_ACCOUNT_SID malformed', { ...base, TWILIO_ACCOUNT_SID: 'XX123', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15005550006' }, 'TWILIO_ACCOUNT_SID must start with AC'],
    ['TWILIO_FROM_NUMBER not E.164', { ...base, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '5550006' }, 'TWILIO_FROM_NUMBER must be an E.164 phone number like +15005550006, got "5550006"'],
    ['Twilio half configured', { ...base, TWILIO_ACCOUNT_SID: 'AC1' }, 'TWILIO_AUTH_TOKEN is missing (other TWILIO_* variables are set); TWILIO_FROM_NUMBER is missing (other TWILIO_* variables are set)'],
    ['TWILIO_API_BASE_URL alone', { ...base, TWILIO_API_BASE_URL: 'http://127.0.0.1:1' }, 'TWILIO_ACCOUNT_SID is missing (other TWILIO_* variables are set); TWILIO_AUTH_TOKEN is missing (other TWILIO_* variables are set); TWILIO_FROM_NUMBER is missing (other TWILIO_* variables are set)'],
    ['SMTP_URL wrong scheme', { ...base, SMTP_URL: 'mailto:ops@example.com' }, 'SMTP_URL must be a smtp:// or smtps:// URL'],
    ['EMAIL_FROM malformed', { ...base, SMTP_URL: 'smtp://mail:25', EMAIL_FROM: 'klaxon' }, 'EMAIL_FROM must be an address like "Klaxon <klaxon@example.com>", got "klaxon"'],
    ['WORKER_HTTP_PORT not a port', { ...base, WORKER_HTTP_PORT: 'metrics' }, 'WORKER_HTTP_PORT must be a port number (0–65535), got "metrics"'],
    ['WORKER_ROLE unknown', { ...base, WORKER_ROLE: 'urgent' }, 'WORKER_ROLE must be one of all, paging, bulk, got "urgent"'],
    ['WORKER_NICE out of range', { ...base, WORKER_NICE: '20' }, 'WORKER_NICE must be a niceness (0–19), got "20"'],
    ['KLAXON_QUEUE_PREFIX with spaces', { ...base, KLAXON_QUEUE_PREFIX: 'a b' }, 'KLAXON_QUEUE_PREFIX must not contain white space, got "a b"'],
  ])('%s', (_name, env, message) => {
    const error = errorOf(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['DATABASE_URL', 'mysql://root:hunter2@db/x'],
    ['REDIS_URL', 'http://:hunter2@redis'],
    ['SMTP_URL', 'http://user:hunter2@mail'],
    ['SESSION_SECRET', 'hunter2'],
    ['TWILIO_API_BASE_URL', 'ftp://user:hunter2@proxy'],
  ])('never prints the value of %s', (name, value) => {
    const env: NodeJS.ProcessEnv = { ...base, [name]: value };
    if (name === 'TWILIO_API_BASE_URL') Object.assign(env, { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15005550006' });
    const error = errorOf(env);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadDatabaseEnv', () => {
  it('needs only DATABASE_URL', () => {
    expect(loadDatabaseEnv({ DATABASE_URL: 'postgres://localhost/klaxon' })).toEqual({ url: 'postgres://localhost/klaxon' });
    expect(() => loadDatabaseEnv({})).toThrow('DATABASE_URL is missing');
  });
});

describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');

  it.each(Object.keys(envSchema.shape))('documents %s', (name) => {
    expect(text).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });
});

describe('describeEnv', () => {
  it('hides every secret', () => {
    const env = loadEnv(
      {
        ...base,
        REDIS_URL: 'redis://:hunter2@redis:6379',
        SMTP_URL: 'smtp://user:hunter2@mail:587',
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'hunter2',
        TWILIO_ALTERNATE_AUTH_TOKEN: 'hunter2',
        TWILIO_FROM_NUMBER: '+15005550006',
        SESSION_SECRET: 'hunter2'.repeat(5),
      },
      { cwd: '/x' },
    );
    const text = JSON.stringify(describeEnv(env));
    expect(text).not.toMatch(/hunter2|:pw@|0123456789abcdef/);
    expect(describeEnv(env)).toMatchObject({ database: { url: 'postgresql://klaxon:***@127.0.0.1:5432/klaxon' }, http: { port: 3000 } });
  });
});
