import { Readable } from 'node:stream';
import type { CliIo, InputStream } from '../cli-io';

export interface FakeCliIo extends CliIo {
  stdout: string[];
  stderr: string[];
  prompts: string[];
}

/** A CliIo that records what commands print; stdin from `input` (a string, or a stream for TTY tests). */
export function fakeCliIo(options: { input?: string | InputStream; env?: NodeJS.ProcessEnv; cwd?: string; now?: Date } = {}): FakeCliIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const prompts: string[] = [];
  const input = options.input ?? '';
  return {
    stdout,
    stderr,
    prompts,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    prompt: (text) => prompts.push(text),
    stdin: typeof input === 'string' ? Readable.from([Buffer.from(input)]) : input,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date('2026-01-06T02:00:00Z'),
  };
}
