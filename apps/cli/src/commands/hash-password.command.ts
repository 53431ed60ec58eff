import * as argon2 from 'argon2';
import { type CliIo, EXIT_FAILURE, EXIT_OK, type InputStream, UsageError } from '../cli-io';

export const HASH_PASSWORD_USAGE = 'hash-password [PASSWORD]   print the argon2id hash of PASSWORD, read from standard input when not given';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u007f', '\b'];

/** Reads one line from a terminal without echoing it. Rejects on Ctrl-C. */
export function readHiddenLine(input: InputStream, prompt: (text: string) => void, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === CTRL_D) return finish();
        if (ch === CTRL_C) return finish(new Error('cancelled'));
        if (BACKSPACE.includes(ch)) value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    prompt(label);
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

/** All of a piped standard input, less one trailing line break. */
export async function readPipedPassword(input: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (/[\r\n]/.test(text)) throw new Error('standard input holds more than one line; give the password alone');
  return text;
}

export interface HashPasswordDeps {
  hash(password: string): Promise<string>;
}

const argon2id: HashPasswordDeps = { hash: (password) => argon2.hash(password, { type: argon2.argon2id }) };

/** The password given as the one argument (`--` may precede one that starts with "-"). */
export function parseHashPasswordArgs(args: readonly string[]): { password: string | undefined } {
  const rest = args[0] === '--' ? args.slice(1) : args;
  if (args[0] !== '--' && rest[0]?.startsWith('-') && rest[0] !== '-') throw new UsageError(`hash-password: unknown option ${rest[0]}`);
  if (rest.length > 1) throw new UsageError('hash-password takes at most one argument, the password');
  return { password: rest[0] };
}

export async function hashPasswordCommand(args: readonly string[], io: CliIo, deps: HashPasswordDeps = argon2id): Promise<number> {
  let { password } = parseHashPasswordArgs(args);
  try {
    if (password === undefined) {
      if (io.stdin.isTTY) {
        password = await readHiddenLine(io.stdin, (t) => io.prompt(t), 'Password: ');
        const again = await readHiddenLine(io.stdin, (t) => io.prompt(t), 'Repeat it: ');
        if (again !== password) {
          io.err('hash-password: the passwords differ');
          return EXIT_FAILURE;
        }
      } else {
        password = await readPipedPassword(io.stdin);
      }
    }
  } catch (error) {
    io.err(`hash-password: ${(error as Error).message}`);
    return EXIT_FAILURE;
  }
  if (password === '') {
    io.err('hash-password: the password is empty');
    return EXIT_FAILURE;
  }
  io.out(await deps.hash(password));
  return EXIT_OK;
}
