import { join } from 'node:path';
import { runCli, USAGE } from './cli';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-io';
import { fakeCliIo } from './testing/fake-cli-io';

const ROOT = join(__dirname, '../../..');

describe('runCli', () => {
  it.each<[string[], number]>([
    [[], EXIT_USAGE],
    [['help'], EXIT_OK],
    [['--help'], EXIT_OK],
    [['check-config', '--help'], EXIT_OK],
  ])('%j prints the usage', async (argv, code) => {
    const io = fakeCliIo();
    expect(await runCli(argv, io)).toBe(code);
    expect(io.stdout).toEqual([USAGE]);
  });

  it.each<[string[], string]>([
    [['frobnicate'], 'klaxon: unknown command "frobnicate"'],
    [['check-config'], 'klaxon: check-config needs the config file: check-config FILE'],
    [['check-config', 'klaxon.example.yaml', '--alert', 'nonsense'], 'klaxon: --alert: expected 5 bracketed fields, found 0'],
    [['hash-password', 'a', 'b'], 'klaxon: hash-password takes at most one argument, the password'],
    [['migrate', 'now'], 'klaxon: migrate takes no arguments, got now'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const io = fakeCliIo({ cwd: ROOT });
    expect(await runCli(argv, io)).toBe(EXIT_USAGE);
    expect(io.stderr).toEqual([message, 'Run "npm run klaxon -- help" for the commands.']);
  });

  it('runs check-config', async () => {
    const io = fakeCliIo({ cwd: ROOT });
    expect(await runCli(['check-config', 'klaxon.example.yaml'], io)).toBe(EXIT_OK);
    expect(io.stdout[0]).toBe('klaxon.example.yaml: valid');
  });

  it('runs migrate through @klaxon/db and fails cleanly without a database URL', async () => {
    const io = fakeCliIo({ env: {} });
    expect(await runCli(['migrate'], io)).toBe(EXIT_FAILURE);
    expect(io.stderr).toEqual(['migrate: DATABASE_URL is missing']);
  });
});
