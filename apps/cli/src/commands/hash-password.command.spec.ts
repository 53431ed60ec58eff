import { PassThrough } from 'node:stream';
import * as argon2 from 'argon2';
import { EXIT_FAILURE, EXIT_OK, type InputStream, UsageError } from '../cli-io';
import { fakeCliIo } from '../testing/fake-cli-io';
import { hashPasswordCommand, parseHashPasswordArgs, readHiddenLine } from './hash-password.command';

const fakeHash = { hash: async (password: string) => `hashed(${password})` };

function fakeTerminal(keys: string[]): InputStream & { rawModes: boolean[] } {
  const stream = new PassThrough() as unknown as InputStream & { rawModes: boolean[] };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode: boolean) => stream.rawModes.push(mode);
  const typeKeys = () => {
    const key = keys.shift();
    if (key !== undefined) (stream as unknown as PassThrough).write(key);
  };
  // one line typed each time the command starts reading, as a person would after a prompt
  (stream as unknown as PassThrough).on('resume', () => setImmediate(typeKeys));
  return stream;
}

describe('parseHashPasswordArgs', () => {
  it.each<[string[], string | undefined]>([
    [[], undefined],
    [['s3cret'], 's3cret'],
    [['--', '-starts-with-dash'], '-starts-with-dash'],
  ])('%j', (args, password) => {
    expect(parseHashPasswordArgs(args)).toEqual({ password });
  });

  it.each<[string[], string]>([
    [['a', 'b'], 'hash-password takes at most one argument, the password'],
    [['--stdin'], 'hash-password: unknown option --stdin'],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseHashPasswordArgs(args)).toThrow(new UsageError(message));
  });
});

describe('hash-password', () => {
  it('prints a real argon2id hash alone on one line', async () => {
    const io = fakeCliIo();
    expect(await hashPasswordCommand(['klaxon-demo'], io)).toBe(EXIT_OK);
    expect(io.stdout).toHaveLength(1);
    const [hash = ''] = io.stdout;
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,/);
    expect(await argon2.verify(hash, 'klaxon-demo')).toBe(true);
  });

  it.each([
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['s3cret', 's3cret'],
    ['with spaces  \n', 'with spaces  '],
  ])('reads piped standard input %j', async (input, password) => {
    const io = fakeCliIo({ input });
    expect(await hashPasswordCommand([], io, fakeHash)).toBe(EXIT_OK);
    expect(io.stdout).toEqual([`hashed(${password})`]);
  });

  it.each([
    ['', 'hash-password: the password is empty'],
    ['\n', 'hash-password: the password is empty'],
    ['one\ntwo\n', 'hash-password: standard input holds more than one line; give the password alone'],
  ])('refuses piped input %j', async (input, error) => {
    const io = fakeCliIo({ input });
    expect(await hashPasswordCommand([], io, fakeHash)).toBe(EXIT_FAILURE);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([error]);
  });

  it('prompts twice on a terminal without echo', async () => {
    const stdin = fakeTerminal(['s3crx\u007fet\r', 's3cret\r']);
    const io = fakeCliIo({ input: stdin });
    expect(await hashPasswordCommand([], io, fakeHash)).toBe(EXIT_OK);
    expect(io.stdout).toEqual(['hashed(s3cret)']);
    expect(io.prompts).toEqual(['Password: ', '\n', 'Repeat it: ', '\n']);
    expect(stdin.rawModes).toEqual([true, false, true, false]);
  });

  it('fails when the two entries differ', async () => {
    const io = fakeCliIo({ input: fakeTerminal(['one\r', 'two\r']) });
    expect(await hashPasswordCommand([], io, fakeHash)).toBe(EXIT_FAILURE);
    expect(io.stderr).toEqual(['hash-password: the passwords differ']);
  });

  it('stops on Ctrl-C', async () => {
    const stdin = fakeTerminal(['abc\u0003']);
    await expect(readHiddenLine(stdin, () => undefined, 'Password: ')).rejects.toThrow('cancelled');
    expect(stdin.rawModes).toEqual([true, false]);
  });
});
