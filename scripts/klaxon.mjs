// `npm run klaxon -- <command>`: the Klaxon CLI (hash-password, check-config, migrate), built on first use.
// `npm run migrate` is `npm run klaxon -- migrate` (needs DATABASE_URL).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, generatePrismaClient, installDependencies, run } from './lib/prepare.mjs';

const entry = join(ROOT, 'dist/apps/cli/apps/cli/src/main.js');
if (!existsSync(entry)) {
  installDependencies();
  generatePrismaClient();
  run(join(ROOT, 'node_modules/.bin/nest'), ['build', 'cli'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const result = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
