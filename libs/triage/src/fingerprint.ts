import { createHash } from 'node:crypto';

/** Numbers (with decimals and an optional sign-less exponent-free form) become `#`. */
const NUMBER = /\d+(?:[.,]\d+)*/g;
const SPACES = /\s+/g;

/** The message as dedup sees it: numbers masked, white space collapsed, case kept. */
export function maskNumbers(message: string): string {
  return message.replace(NUMBER, '#').replace(SPACES, ' ').trim();
}

/**
 * What dedup compares (SPEC §4), unhashed: the sender's dedup key when it
 * gives one, else host (case folded) + ip + the message with its numbers
 * masked, so that `disk 91%` and `disk 92%` are one alert. Reports with the
 * same key have the same fingerprint; the ingest log's movers cut triage jobs
 * by it, so a job folds all of one alert's reports.
 */
export function fingerprintKeyOf(alert: { host: string; ip: string; message: string; dedupKey?: string }): string {
  if (alert.dedupKey !== undefined && alert.dedupKey !== '') return `k\u0000${alert.dedupKey}`;
  return `m\u0000${alert.host.toLowerCase()}\u0000${alert.ip}\u0000${maskNumbers(alert.message)}`;
}

/** Which open alert a report belongs to: its fingerprintKeyOf, hashed to a fixed length; the prefix says which kind it is. */
export function fingerprintOf(alert: { host: string; ip: string; message: string; dedupKey?: string }): string {
  const key = fingerprintKeyOf(alert);
  // the hash covers what follows the kind: the dedup key, or host NUL ip NUL masked message
  return `${key[0]}:${createHash('sha256').update(key.slice(2)).digest('base64url').slice(0, 32)}`;
}
