// `npm start`: prepare (install, PostgreSQL, Redis, Prisma client, build),
// migrate, then run the api and two workers (paging and bulk) until Ctrl-C.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, build, ensurePostgres, ensureRedis, generatePrismaClient, installDependencies, migrate, step } from './lib/prepare.mjs';

/** A session secret kept across restarts in .klaxon/ (git-ignored), unless SESSION_SECRET is set. */
function sessionSecret() {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  const dir = join(ROOT, '.klaxon');
  const file = join(dir, 'session-secret');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

const STOP_SIGNAL = 'SIGTERM';

/**
 * Runs until Ctrl-C (SIGINT), SIGTERM or a child's exit, then stops every
 * child with one SIGTERM and exits 0 only if each shut down cleanly (exit 0,
 * or killed by that SIGTERM before it could handle it). SIGHUP (reload the
 * config) is passed on.
 */
function superviseChildren(children) {
  let stopping = false;
  let failed = false;
  const finished = new Set();
  const running = (child) => !finished.has(child) && child.exitCode === null && child.signalCode === null;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (running(child)) child.kill(STOP_SIGNAL);
  };
  const done = (child) => {
    finished.add(child);
    if (finished.size === children.length) process.exit(failed ? 1 : 0);
  };
  // npm passes SIGINT on to this process besides the terminal's own: stop() acts once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => children.forEach((c) => running(c) && c.kill('SIGHUP')));
  // Detached children outlive this process unless told: never leave them behind.
  process.on('exit', () => children.forEach((c) => running(c) && c.kill(STOP_SIGNAL)));
  for (const child of children) {
    child.on('error', (err) => {
      console.error(`a Klaxon process could not run: ${err.message}`);
      failed = true;
      stop();
      if (child.pid === undefined) done(child); // never started: no exit event follows
    });
    child.on('exit', (code, signal) => {
      if (!(stopping && (code === 0 || signal === STOP_SIGNAL))) {
        failed = true;
        console.error(`a Klaxon process (pid ${child.pid}) exited ${signal ? `by ${signal}` : `with ${code}`}${stopping ? '' : '; stopping'}`);
        stop();
      }
      done(child);
    });
  }
}

try {
  installDependencies();
  const databaseUrl = await ensurePostgres(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/klaxon');
  const redisUrl = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  generatePrismaClient();
  build();
  migrate(databaseUrl);

  const port = process.env.PORT ?? '3000';
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, PORT: port, PUBLIC_URL: publicUrl, SESSION_SECRET: sessionSecret() };
  // Each child gets a process group of its own (detached), so the SIGINT a
  // terminal sends its foreground group on Ctrl-C reaches only this process,
  // which forwards one SIGTERM: a child sent both would take the second
  // signal as "exit now" and skip its graceful shutdown.
  // Two workers: `paging` (urgent lane, notifications) and `bulk` (normal lane, niced), so a flood of
  // low alerts waits behind ingest and the pages; WORKER_ROLE=all in the environment runs one worker
  // that does both.
  const workerRoles = process.env.WORKER_ROLE === 'all' ? ['all'] : ['paging', 'bulk'];
  const processes = [
    { app: 'api', env },
    ...workerRoles.map((role) => ({ app: 'worker', env: { ...env, WORKER_ROLE: role } })),
  ];
  const children = processes.map(({ app, env: childEnv }) =>
    spawn(process.execPath, [join(ROOT, `dist/apps/${app}/apps/${app}/src/main.js`)], { cwd: ROOT, env: childEnv, stdio: 'inherit', detached: true }),
  );
  const usingExample = !process.env.KLAXON_CONFIG && !existsSync(join(ROOT, 'klaxon.yaml'));
  step(`Klaxon is starting at ${publicUrl}`);
  if (usingExample) {
    const token = process.env.KLAXON_INGEST_TOKEN ?? 'demo-ingest-token-change-me';
    process.stdout.write(
      [
        `  demo sign-in:  alice / klaxon-demo   (from klaxon.example.yaml)`,
        `  send an alert:`,
        `    curl -s -X POST '${publicUrl}/api/v1/alerts' -H 'Authorization: Bearer ${token}' \\`,
        `         -H 'Content-Type: text/plain' --data-binary '[P0][PROBLEM][web-01][10.0.0.1][host is down]'`,
        '',
      ].join('\n'),
    );
  }
  superviseChildren(children);
} catch (err) {
  console.error(`\nnpm start: ${err.message}`);
  process.exit(1);
}
