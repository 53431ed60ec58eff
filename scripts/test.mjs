// `npm test`: prepare like `npm start` does, then run the whole suite (unit, then end-to-end).
import { join } from 'node:path';
import { ROOT, build, ensureChromium, ensurePostgres, ensureRedis, generatePrismaClient, installDependencies, run, step } from './lib/prepare.mjs';

try {
  installDependencies();
  // the web UI's end-to-end tests drive Debian's chromium (no browser downloads)
  ensureChromium();
  const databaseUrl = await ensurePostgres(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const redisUrl = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  generatePrismaClient();
  step('type-checking');
  run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  build();
  const env = { ...process.env, TZ: 'UTC', KLAXON_TEST_DATABASE_URL: databaseUrl, KLAXON_TEST_REDIS_URL: redisUrl };
  const jest = join(ROOT, 'node_modules/.bin/jest');
  const extra = process.argv.slice(2);
  step('unit tests');
  run(jest, ['--selectProjects', 'unit', ...(extra.length ? ['--passWithNoTests'] : []), ...extra], { env });
  step('end-to-end tests');
  run(jest, ['--selectProjects', 'e2e', '--maxWorkers=2', ...(extra.length ? ['--passWithNoTests'] : []), ...extra], { env });
} catch (err) {
  console.error(`\nnpm test: ${err.message}`);
  process.exit(1);
}
