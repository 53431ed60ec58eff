import { processEnv } from '@klaxon/config';
import { runCli } from './cli';
import type { CliIo } from './cli-io';

/** `node dist/apps/cli/apps/cli/src/main.js <command>`; see USAGE in cli.ts. */
const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  prompt: (text) => process.stderr.write(text),
  stdin: process.stdin,
  env: processEnv(),
  cwd: process.cwd(),
  now: () => new Date(),
};

void runCli(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
