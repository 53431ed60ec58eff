// Preparation shared by `npm start` and `npm test` (SPEC §12): install what is
// missing, make sure PostgreSQL and Redis are reachable (starting or installing
// local ones if need be), generate the Prisma client offline, and build.
// Plain Node, no dependencies before the install step.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function step(message) {
  process.stdout.write(`\x1b[1m▸ ${message}\x1b[0m\n`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

function quiet(command, args, options = {}) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options });
}

function has(command) {
  return quiet('sh', ['-c', `command -v ${command}`]).status === 0;
}

/**
 * npm ci, falling back to npm install against the lockfile (STACK-NOTES: this
 * registry lacks some optional packages), for the root and for apps/web.
 */
export function installDependencies() {
  installRootDependencies();
  installWebDependencies();
}

function installRootDependencies() {
  const marker = join(ROOT, 'node_modules/.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && existsSync(join(ROOT, 'node_modules/.bin/nest'))) {
    return;
  }
  step('installing dependencies');
  const before = readFileSync(lock, 'utf8');
  const ci = quiet('npm', ['ci', '--no-audit', '--no-fund']);
  if (ci.status !== 0) {
    const reason = (ci.stderr ?? '').split('\n').find((line) => line.startsWith('npm error')) ?? `exit ${ci.status}`;
    step(`npm ci refused this registry's view of the lockfile (${reason.replace(/^npm error\s*/, '')}); installing from it with npm install`);
    run('npm', ['install', '--no-audit', '--no-fund']);
  }
  if (readFileSync(lock, 'utf8') !== before) {
    throw new Error('installing changed package-lock.json; commit a lockfile that installs as it is');
  }
}

const WEB = join(ROOT, 'apps/web');

/** apps/web is its own npm project (STACK-NOTES): the same npm ci / npm install fallback, in its folder. */
function installWebDependencies() {
  const marker = join(WEB, 'node_modules/.package-lock.json');
  const lock = join(WEB, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && existsSync(join(WEB, 'node_modules/.bin/vite'))) {
    return;
  }
  step('installing the web UI\'s dependencies (apps/web)');
  const before = readFileSync(lock, 'utf8');
  const ci = quiet('npm', ['ci', '--no-audit', '--no-fund'], { cwd: WEB });
  if (ci.status !== 0) {
    step('npm ci refused apps/web/package-lock.json on this registry; installing from it with npm install');
    run('npm', ['install', '--no-audit', '--no-fund'], { cwd: WEB });
  }
  if (readFileSync(lock, 'utf8') !== before) {
    throw new Error('installing changed apps/web/package-lock.json; commit a lockfile that installs as it is');
  }
}

/**
 * Debian's chromium for the browser tests (playwright-core drives it; no
 * browser downloads). Needed by `npm test` only (scripts/test.mjs).
 */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  aptInstall(['chromium'], 'the browser tests need /usr/bin/chromium; install it (apt-get install chromium)');
}

function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function waitForPort(host, port, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up on ${host}:${port} within ${timeoutMs / 1000} s`);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function aptInstall(packages, hint = `${packages.join(' and ')} not found; install them (e.g. apt-get install ${packages.join(' ')}) or set DATABASE_URL / REDIS_URL`) {
  if (!isRoot() || !has('apt-get')) {
    throw new Error(hint);
  }
  step(`installing ${packages.join(', ')} with apt-get`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...packages], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function postgresVersions() {
  const base = '/usr/lib/postgresql';
  return existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
}

/** The PostgreSQL to use: DATABASE_URL's if reachable, else the local one on 5432, started (or installed) if need be. */
export async function ensurePostgres(databaseUrl) {
  const url = new URL(databaseUrl);
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 5432);
  if (await canConnect(host, port)) return databaseUrl;
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`PostgreSQL at ${host}:${port} (DATABASE_URL) is not reachable`);
  }
  step(`PostgreSQL is not running on ${host}:${port}; starting a local one`);
  if (postgresVersions().length === 0) aptInstall(['postgresql']);
  const version = postgresVersions()[0];
  if (has('pg_ctlcluster')) {
    const clusters = existsSync(`/etc/postgresql/${version}`) ? readdirSync(`/etc/postgresql/${version}`) : [];
    if (clusters.length === 0) run('pg_createcluster', [version, 'main', '--port', String(port)]);
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, clusters[0] ?? 'main', 'start']);
  } else {
    throw new Error(`PostgreSQL ${version} is installed but pg_ctlcluster is not; start PostgreSQL and set DATABASE_URL`);
  }
  await waitForPort(host, port, 'PostgreSQL');
  // A cluster made by the package uses peer/password auth: give the postgres role the URL's password.
  if (!url.password && isRoot()) {
    quiet('runuser', ['-u', 'postgres', '--', 'psql', '-qc', "ALTER USER postgres PASSWORD 'postgres'"]);
    url.username = url.username || 'postgres';
    url.password = 'postgres';
    return url.toString();
  }
  return databaseUrl;
}

/** The Redis to use: REDIS_URL's if reachable, else a local one on 6379, started (or installed) if need be. */
export async function ensureRedis(redisUrl) {
  const url = new URL(redisUrl);
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 6379);
  if (await canConnect(host, port)) return redisUrl;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`Redis at ${host}:${port} (REDIS_URL) is not reachable`);
  step(`Redis is not running on ${host}:${port}; starting a local one`);
  if (!has('redis-server')) aptInstall(['redis-server']);
  // Persistent (append-only file in the git-ignored .klaxon/), so alerts
  // already answered 202 and queued survive a restart of this Redis.
  const dir = join(ROOT, '.klaxon/redis');
  mkdirSync(dir, { recursive: true });
  run('redis-server', [
    '--daemonize', 'yes',
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dir,
    '--appendonly', 'yes',
    '--save', '',
    '--logfile', join(dir, 'redis.log'),
  ]);
  await waitForPort(host, port, 'Redis');
  return redisUrl;
}

const GENERATED_DIR = join(ROOT, 'libs/db/src/generated/prisma');
/** Beside the generated client: what it was generated from (see schemaFingerprint). */
const GENERATED_FROM = join(GENERATED_DIR, '.schema-hash');

/**
 * A hash of prisma/schema.prisma and the Prisma version: the client is current
 * when the one stored beside it matches. (Modification times are not enough:
 * a checkout or `git pull` gives files the time of writing, not of editing.)
 */
function schemaFingerprint() {
  const schema = readFileSync(join(ROOT, 'prisma/schema.prisma'));
  const prisma = JSON.parse(readFileSync(join(ROOT, 'node_modules/prisma/package.json'), 'utf8')).version;
  return createHash('sha256').update(`prisma ${prisma}\n`).update(schema).digest('hex');
}

/**
 * `prisma generate` offline (the schema engine is only needed by migrate/db
 * commands, so a stub stands in), when the client is missing or was generated
 * from another schema, or always with `force`.
 */
export function generatePrismaClient({ force = false } = {}) {
  const fingerprint = schemaFingerprint();
  const current =
    existsSync(join(GENERATED_DIR, 'client.ts')) && existsSync(GENERATED_FROM) && readFileSync(GENERATED_FROM, 'utf8').trim() === fingerprint;
  if (current && !force) return;
  step('generating the Prisma client');
  run(join(ROOT, 'node_modules/.bin/prisma'), ['generate'], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(ROOT, 'scripts/schema-engine-stub'), PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  writeFileSync(GENERATED_FROM, `${fingerprint}\n`);
}

export function build() {
  step('building api, worker and cli');
  const nest = join(ROOT, 'node_modules/.bin/nest');
  for (const app of ['api', 'worker', 'cli']) run(nest, ['build', app]);
  step('building the web UI (apps/web)');
  // type-checks with apps/web's own tsconfig, then vite build into apps/web/dist, which the api serves
  run('npm', ['run', 'build', '--silent'], { cwd: WEB });
}

export function migrate(databaseUrl) {
  step('applying database migrations');
  run(process.execPath, [join(ROOT, 'dist/apps/cli/apps/cli/src/main.js'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

export function gitRevision() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
