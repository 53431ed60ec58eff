import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { testEnv } from './test-env';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../../..');
const ENTRY = {
  api: join(ROOT, 'dist/apps/api/apps/api/src/main.js'),
  worker: join(ROOT, 'dist/apps/worker/apps/worker/src/main.js'),
};

export interface KlaxonProcess {
  role: 'api' | 'worker';
  child: ChildProcess;
  /** everything it wrote to stdout and stderr, line by line */
  output: string[];
  /** its exit code (null when killed by a signal), once it has exited and its output is all read */
  exited: Promise<number | null>;
}

export interface KlaxonStack {
  baseUrl: string;
  origin: string;
  env: Record<string, string>;
  configPath: string;
  api: KlaxonProcess;
  workers: KlaxonProcess[];
  /** one more worker; `env` adds to (or overrides) the stack's environment for it alone, e.g. WORKER_ROLE */
  startWorker(env?: Record<string, string>): Promise<KlaxonProcess>;
  /** stops everything and removes the Redis keys of this stack */
  stop(): Promise<void>;
  /** lines of every process's output, for a failing test's message */
  logs(): string;
}

export interface StackOptions {
  databaseUrl: string;
  configYaml: string;
  workers?: number;
  env?: Record<string, string>;
}

/**
 * Starts the real, built api and worker processes against a test database and
 * a private Redis key prefix, and waits until the api is ready.
 */
export async function startKlaxon(options: StackOptions): Promise<KlaxonStack> {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-e2e-'));
  const configPath = join(dir, 'klaxon.yaml');
  writeFileSync(configPath, options.configYaml);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const prefix = `{kt-${randomBytes(5).toString('hex')}}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TZ: 'UTC',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: testEnv().redisUrl,
    KLAXON_QUEUE_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    KLAXON_CONFIG: configPath,
    SESSION_SECRET: randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'info',
    ...options.env,
  };

  const started: KlaxonProcess[] = [];
  const spawnRole = (role: 'api' | 'worker', extraEnv: Record<string, string> = {}): KlaxonProcess => {
    const child = spawn(process.execPath, [ENTRY[role]], { env: { ...env, ...extraEnv }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    collectLines(child.stdout!, output);
    collectLines(child.stderr!, output);
    // 'close' comes after 'exit' once stdout and stderr are drained, so the output is complete
    const exited = new Promise<number | null>((res) => {
      child.once('close', (code) => res(code));
      child.once('error', () => res(child.exitCode));
    });
    const proc: KlaxonProcess = { role, child, output, exited };
    started.push(proc);
    return proc;
  };

  const logs = () => started.map((p) => p.output.map((line) => `[${p.role} ${p.child.pid}] ${line}`).join('\n')).join('\n');
  /** Waits for the start-up line; fails at once, with the output, if the process exits first. */
  const waitUntilRunning = async (proc: KlaxonProcess, marker: string) => {
    const exitedEarly = new AbortController();
    void proc.exited.then((code) => {
      const how = code === null ? `by ${proc.child.signalCode ?? 'a signal'}` : `with ${code}`;
      exitedEarly.abort(new Error(`${proc.role} exited ${how} before it was running:\n${proc.output.join('\n')}`));
    });
    await waitFor(() => proc.output.some((line) => line.includes(marker)), {
      timeoutMs: 30_000,
      what: `${proc.role} to start`,
      signal: exitedEarly.signal,
    });
  };

  const api = spawnRole('api');
  const workers: KlaxonProcess[] = [];
  const startWorker = async (extraEnv: Record<string, string> = {}) => {
    const worker = spawnRole('worker', extraEnv);
    workers.push(worker);
    await waitUntilRunning(worker, 'klaxon worker running');
    return worker;
  };
  try {
    await waitUntilRunning(api, 'klaxon api listening');
    for (let i = 0; i < (options.workers ?? 1); i++) await startWorker();
  } catch (err) {
    for (const p of started) p.child.kill('SIGKILL');
    throw err;
  }

  return {
    baseUrl,
    origin: baseUrl,
    env,
    configPath,
    api,
    workers,
    startWorker,
    logs,
    async stop() {
      await Promise.all(
        started.map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
          const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
          await p.exited;
          clearTimeout(timer);
        }),
      );
      await deleteRedisKeys(prefix);
    },
  };
}

/**
 * Appends each line of `stream` to `output` as it completes: a line may arrive
 * split across chunks (a long JSON log line), so the unfinished tail of a chunk
 * waits for the next one. Exported for its spec only (not in the lib's index).
 */
export function collectLines(stream: Readable, output: string[]): void {
  let partial = '';
  const add = (line: string) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text !== '') output.push(text);
  };
  stream.setEncoding('utf8'); // a character split across chunks is decoded whole
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(add);
  });
  stream.on('end', () => {
    add(partial);
    partial = '';
  });
}

/** Removes every Redis key under a test's prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(testEnv().redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
