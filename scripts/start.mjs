// `npm start`: prepare (install, PostgreSQL, Redis, Prisma client, build),
// migrate, then run the api and a worker until Ctrl-C.
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
  const children = [
    spawn(process.execPath, [join(ROOT, 'dist/apps/api/apps/api/src/main.js')], { cwd: ROOT, env, stdio: 'inherit' }),
    spawn(process.execPath, [join(ROOT, 'dist/apps/worker/apps/worker/src/main.js')], { cwd: ROOT, env, stdio: 'inherit' }),
  ];
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
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => children.forEach((c) => c.kill('SIGHUP')));
  for (const child of children) {
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`a Klaxon process exited (${code}); stopping`);
        stop('SIGTERM');
      }
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code ?? 0);
    });
  }
} catch (err) {
  console.error(`\nnpm start: ${err.message}`);
  process.exit(1);
}
