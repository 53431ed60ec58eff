/**
 * PostgreSQL and Redis instances of a test's own, for fault tests that stop, kill and restart them
 * (the shared ones other specs use must stay up). Both listen on 127.0.0.1 on a free port, keep
 * their files in a temporary directory and are started from the installed binaries.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { applyMigrations } from '@klaxon/db';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  /** the `postgres` database as the `postgres` superuser (trust auth on 127.0.0.1) */
  adminUrl: string;
  /** where its data, socket and log live */
  dir: string;
  /** a fresh database on it, migrated like the shared test databases; returns its URL */
  createDatabase(name?: string): Promise<string>;
  /** `pg_ctl stop -m fast`: disconnects every client and shuts down */
  stop(): Promise<void>;
  /** starts it again on the same port with the same data, and waits until it takes connections */
  start(): Promise<void>;
  /** stops it (immediate mode, if running) and removes its files */
  destroy(): Promise<void>;
  /** the tail of its log, for a failing test's message */
  log(): string;
}

/** The newest installed PostgreSQL's bin directory (Debian keeps them in /usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries (initdb) under ${root}`);
  return join(root, newest, 'bin');
}

/** initdb and postgres refuse to run as root: run them as the postgres user then. */
async function asPostgresUser(): Promise<{ prefix: string[]; uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * initdb into a temporary directory and start PostgreSQL on a free port, trust auth on 127.0.0.1.
 * fsync is off: these tests are about Klaxon surviving an outage, not PostgreSQL surviving a crash.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const user = await asPostgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const port = await freePort();
  const exec = async (command: string, args: string[]) => {
    const [file, ...rest] = [...(user?.prefix ?? []), join(bin, command), ...args];
    try {
      return await run(file!, rest, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };

  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 100',
      '',
    ].join('\n'),
  );
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    await exec('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '60']);
    await waitFor(
      async () => {
        const client = new Client({ connectionString: adminUrl });
        await client.connect();
        await client.end();
        return true;
      },
      { timeoutMs: 30_000, what: `the private PostgreSQL on port ${port}` },
    );
  };
  const stopWith = (mode: 'fast' | 'immediate') => exec('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '60']).then(() => undefined);
  const running = () => existsSync(join(data, 'postmaster.pid'));

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    port,
    adminUrl,
    dir,
    async createDatabase(name = 'klaxon') {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      const url = `postgresql://postgres@127.0.0.1:${port}/${name}`;
      await applyMigrations({ connectionString: url, migrationsDir: resolve(__dirname, '../../../prisma/migrations') });
      return url;
    },
    stop: () => stopWith('fast'),
    start,
    async destroy() {
      if (running()) await stopWith('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '';
    },
  };
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** its working directory: the append-only file lives here */
  dir: string;
  /** the running redis-server, or null between kill() and start() */
  process: ChildProcess | null;
  /** kills the server (SIGKILL by default: no chance to save anything) and waits until it is gone */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** starts it again on the same port with the same directory, and waits until it answers PING */
  start(): Promise<void>;
  /** kills it and removes its files */
  destroy(): Promise<void>;
  /** what it wrote, for a failing test's message */
  log(): string;
}

/**
 * redis-server on a free port with its files in a temporary directory. `appendOnly` turns on AOF
 * with `appendfsync always`: every write is on disk before Redis answers it.
 */
export async function startPrivateRedis(options: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      'daemonize no',
      `dir ${dir}`,
      'save ""',
      `appendonly ${options.appendOnly ? 'yes' : 'no'}`,
      'appendfsync always',
      'loglevel notice',
      '',
    ].join('\n'),
  );
  const output: string[] = [];
  const handle: PrivateRedis = {
    port,
    url,
    dir,
    process: null,
    async kill(signal = 'SIGKILL') {
      const child = handle.process;
      if (!child) return;
      handle.process = null;
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((res) => child.once('exit', res));
        child.kill(signal);
        await gone;
      }
    },
    async start() {
      if (handle.process) throw new Error('the private Redis is already running');
      const from = output.length;
      const child = spawn('redis-server', [conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
      handle.process = child;
      const exited = new AbortController();
      child.once('exit', (code, signal) => exited.abort(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output.join('')}`)));
      // printed once the append-only file is loaded and it takes commands
      await waitFor(() => output.slice(from).join('').includes('Ready to accept connections'), {
        timeoutMs: 20_000,
        what: `the private Redis on port ${port}`,
        signal: exited.signal,
      });
    },
    async destroy() {
      await handle.kill();
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      return output.join('').split('\n').slice(-40).join('\n');
    },
  };
  try {
    await handle.start();
  } catch (err) {
    await handle.destroy();
    throw err;
  }
  return handle;
}
