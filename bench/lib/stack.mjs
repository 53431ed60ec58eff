// Starts and stops the bench's own Klaxon: a fresh database, a private Redis
// key prefix, the built api and worker(s), all on 127.0.0.1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { STANDIN_TO } from './twilio-standin.mjs';

export const ENTRY = {
  api: 'dist/apps/api/apps/api/src/main.js',
  worker: 'dist/apps/worker/apps/worker/src/main.js',
  cli: 'dist/apps/cli/apps/cli/src/main.js',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The ingest logs' keys under a stack's prefix (libs/queue/src/ingest-log.ts: normal lane, urgent lane). */
export const ingestLogKeys = (prefix) => [`${prefix}:ingest-log`, `${prefix}:ingest-log-urgent`];

/** Entries (ingest groups) waiting in both ingest logs, not yet moved into triage jobs by a worker. */
export async function loggedEntries(redis, prefix) {
  let n = 0;
  for (const key of ingestLogKeys(prefix)) n += await redis.xlen(key);
  return n;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The config the bench runs with: one user, one policy, a default route, one integration.
 * The user has a phone for the p0 phase: P0s (critical tier) are paged by SMS to it, through
 * the Twilio stand-in, when the worker has TWILIO_* set; P3/P5 (low tier, digest) page nobody.
 * The SMS budget is set out of reach: the bench measures latency, not the budget's folding.
 */
export function benchConfigYaml(token) {
  return `# written by bench/run.mjs
smsBudget: { max: 1000000, per: 1m }

users:
  - id: bench
    name: Bench User
    role: responder
    phone: "${STANDIN_TO}"
    email: bench@example.com
    timezone: UTC

escalationPolicies:
  - id: bench
    steps:
      - { notify: [user:bench] }

routes:
  - policy: bench

integrations:
  - id: bench
    token: ${token}
`;
}

function dbUrl(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function runToEnd(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
    child.on('error', (err) => resolve({ code: -1, signal: null, out: String(err) }));
  });
}

/** One spawned Klaxon process, its output kept (the last lines) and its warn/error lines counted. */
class KlaxonProcess {
  constructor(role, index, root, env, profDir) {
    this.role = role;
    this.name = index === undefined ? role : `${role}-${index}`;
    const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${this.name}.cpuprofile`] : [];
    this.lines = [];
    this.problemLines = [];
    this.problems = 0;
    this.child = spawn(process.execPath, [...nodeArgs, ENTRY[role]], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    let partial = '';
    const collect = (chunk) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop();
      for (const line of parts) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > 300) this.lines.shift();
        // LOG_LEVEL=warn: everything the process prints is a warning, an error or a crash
        this.problems++;
        if (this.problemLines.length < 200) this.problemLines.push(line);
      }
    };
    this.child.stdout.on('data', collect);
    this.child.stderr.on('data', collect);
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(graceMs = 10_000) {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(n = 20) {
    return this.lines.slice(-n).map((l) => `[${this.name} ${this.pid}] ${l}`).join('\n');
  }
}

/** mtime of the api and worker entry files: which build the processes load. */
export function distBuilt(root) {
  const at = (entry) => {
    try {
      return statSync(join(root, entry)).mtime.toISOString();
    } catch {
      return null;
    }
  };
  return { api: at(ENTRY.api), worker: at(ENTRY.worker) };
}

async function waitHttpOk(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) while starting:\n${proc.tail(40)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err.cause?.code ?? err.message ?? err);
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} not ready at ${url} within ${timeoutMs / 1000}s (last answer: ${last})\n${proc.tail(40)}`);
}

/** `workers`: a count of workers that do everything (WORKER_ROLE=all), or the roles of the workers to start. */
export const workerRolesOf = (workers) => (Array.isArray(workers) ? workers : Array.from({ length: workers }, () => 'all'));

/** How a stack's workers read in a report: "2 workers", "workers paging + bulk". */
export const describeWorkers = (workers) =>
  Array.isArray(workers) ? `worker${workers.length === 1 ? '' : 's'} ${workers.join(' + ')}` : `${workers} worker${workers === 1 ? '' : 's'}`;

/**
 * Creates everything the bench needs and returns the handles plus an idempotent
 * cleanup. On a failure part-way, cleans up what was made and rethrows.
 */
/**
 * workers: a count of workers that do everything, or their roles (workerRolesOf).
 * workerEnv: extra variables for the worker(s) only (the TWILIO_* settings, SMTP_URL).
 * configYaml(token): the config file's text (default: benchConfigYaml; the storm phases bring their own).
 */
export async function startStack({ root, adminUrl, redisUrl, workers, log, profDir, workerEnv = {}, configYaml = benchConfigYaml }) {
  const missing = () => Object.values(ENTRY).filter((entry) => !existsSync(join(root, entry)));
  if (missing().length > 0) {
    // someone may be rebuilding right now (nest build empties the output first): give it a moment
    log(`${missing().join(', ')} missing; waiting up to 30 s in case a build is running …`);
    for (let i = 0; i < 60 && missing().length > 0; i++) await sleep(500);
    if (missing().length > 0) {
      throw new Error(`${missing().join(', ')} missing; build first: cd ${root} && npx nest build api && npx nest build worker && npx nest build cli`);
    }
    await sleep(3000); // let the build finish writing the rest of the files
  }
  const id = randomBytes(5).toString('hex');
  const stack = {
    id,
    dbName: `klaxon_bench_${id}`,
    prefix: `{kb-${id}}`,
    token: `bench-${randomBytes(18).toString('base64url')}`,
    dir: mkdtempSync(join(tmpdir(), 'klaxon-bench-')),
    adminUrl,
    redisUrl,
    processes: [],
    api: null,
    workers: [],
    cleanedUp: false,
    dbCreated: false,
  };
  stack.databaseUrl = dbUrl(adminUrl, stack.dbName);
  stack.cleanup = () => cleanup(stack, log);
  try {
    const configPath = join(stack.dir, 'klaxon.yaml');
    writeFileSync(configPath, configYaml(stack.token));

    // Mark the database as ours before the CLI creates it, so cleanup drops it even if migrate fails half-way.
    stack.dbCreated = true;
    const t0 = Date.now();
    const migrate = await runToEnd(process.execPath, [ENTRY.cli, 'migrate'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: stack.databaseUrl },
    });
    if (migrate.code !== 0) throw new Error(`migrate failed (${migrate.code ?? migrate.signal}):\n${migrate.out}`);
    log(`database ${stack.dbName} created and migrated in ${Date.now() - t0} ms`);

    const apiPort = await freePort();
    stack.baseUrl = `http://127.0.0.1:${apiPort}`;
    const baseEnv = {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: redisUrl,
      KLAXON_QUEUE_PREFIX: stack.prefix,
      PORT: String(apiPort),
      PUBLIC_URL: stack.baseUrl,
      KLAXON_CONFIG: configPath,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
    };
    stack.distBuiltAtSpawn = distBuilt(root);
    stack.api = new KlaxonProcess('api', undefined, root, baseEnv, profDir);
    stack.processes.push(stack.api);
    const roles = workerRolesOf(workers);
    for (const [i, role] of roles.entries()) {
      const metricsPort = await freePort();
      // worker-0, worker-1 … for `all` workers (the scale phase); worker-paging, worker-bulk for npm start's pair
      const twins = roles.filter((r) => r === role).length > 1;
      const name = role === 'all' ? String(i) : twins ? `${role}-${i}` : role;
      const w = new KlaxonProcess('worker', name, root, { ...baseEnv, ...workerEnv, WORKER_ROLE: role, WORKER_HTTP_PORT: String(metricsPort) }, profDir);
      w.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      w.readyUrl = `http://127.0.0.1:${metricsPort}/readyz`;
      stack.workers.push(w);
      stack.processes.push(w);
    }
    // LOG_LEVEL=warn hides the "listening"/"running" info lines, so readiness is asked over HTTP.
    await waitHttpOk(`${stack.baseUrl}/readyz`, stack.api, 30_000);
    for (const w of stack.workers) await waitHttpOk(w.readyUrl, w, 30_000);
    stack.distBuiltWhenReady = distBuilt(root);
    if (JSON.stringify(stack.distBuiltAtSpawn) !== JSON.stringify(stack.distBuiltWhenReady)) {
      log(`warning: dist was rebuilt while the api/worker started (${JSON.stringify(stack.distBuiltAtSpawn)} → ${JSON.stringify(stack.distBuiltWhenReady)}); which code ran is uncertain`);
    }
    log(`api pid ${stack.api.pid} at ${stack.baseUrl}; worker pid ${stack.workers.map((w) => w.pid).join(', ')}; Redis prefix ${stack.prefix}`);
    return stack;
  } catch (err) {
    await stack.cleanup();
    throw err;
  }
}

async function cleanup(stack, log) {
  if (stack.cleanedUp) return stack.cleanupReport;
  stack.cleanedUp = true;
  const report = { processes: 'stopped', database: 'none', redisKeysDeleted: 0, errors: [] };
  await Promise.all(stack.processes.map((p) => p.stop().catch((err) => report.errors.push(`${p.name}: ${err.message}`))));
  if (stack.dbCreated) {
    const client = new pg.Client({ connectionString: stack.adminUrl });
    try {
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${stack.dbName}" WITH (FORCE)`);
      report.database = `dropped ${stack.dbName}`;
    } catch (err) {
      report.errors.push(`drop database ${stack.dbName}: ${err.message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  try {
    report.redisKeysDeleted = await deleteRedisKeys(stack.redisUrl, stack.prefix);
  } catch (err) {
    report.errors.push(`redis cleanup of ${stack.prefix}*: ${err.message}`);
  }
  rmSync(stack.dir, { recursive: true, force: true });
  log(
    `cleanup: processes stopped, ${report.database}, ${report.redisKeysDeleted} Redis keys under ${stack.prefix} deleted` +
      (report.errors.length ? `; PROBLEMS: ${report.errors.join('; ')}` : ''),
  );
  stack.cleanupReport = report;
  return report;
}

/** SCAN + DEL of every key under the prefix; returns how many were deleted. */
export async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    // Redis glob: escape the characters MATCH treats specially.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
