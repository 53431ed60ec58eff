/** Exit codes of the klaxon CLI. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Wrong arguments: the message is printed with the usage hint and the CLI exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A readable stream that may be a terminal (process.stdin's shape). */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** Everything a command touches outside itself, so commands run the same in tests. */
export interface CliIo {
  /** prints a line on standard output */
  out(line: string): void;
  /** prints a line on standard error */
  err(line: string): void;
  /** writes to standard error without a newline (prompts) */
  prompt(text: string): void;
  stdin: InputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now(): Date;
}
