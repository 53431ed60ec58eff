import { createHash } from 'node:crypto';

/** Numbers (with decimals and an optional sign-less exponent-free form) become `#`. */
const NUMBER = /\d+(?:[.,]\d+)*/g;
const SPACES = /\s+/g;

/** The message as dedup sees it: numbers masked, white space collapsed, case kept. */
export function maskNumbers(message: string): string {
  return message.replace(NUMBER, '#').replace(SPACES, ' ').trim();
}

/**
 * Which open alert a report belongs to (SPEC §4): the sender's dedup key when it
 * gives one, else host + ip + the message with its numbers masked, so that
 * `disk 91%` and `disk 92%` are one alert. Hashed to a fixed length; the
 * prefix says which kind it is.
 */
export function fingerprintOf(alert: { host: string; ip: string; message: string; dedupKey?: string }): string {
  const hash = createHash('sha256');
  if (alert.dedupKey !== undefined && alert.dedupKey !== '') {
    hash.update(alert.dedupKey);
    return `k:${hash.digest('base64url').slice(0, 32)}`;
  }
  hash.update(alert.host.toLowerCase());
  hash.update('\u0000');
  hash.update(alert.ip);
  hash.update('\u0000');
  hash.update(maskNumbers(alert.message));
  return `m:${hash.digest('base64url').slice(0, 32)}`;
}
