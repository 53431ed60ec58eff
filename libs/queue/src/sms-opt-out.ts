import type { Redis } from 'ioredis';

/** Redis key of a phone's SMS opt-out (a STOP reply): set by the api, read by the worker before paging by SMS. */
export function smsOptOutKey(prefix: string, phone: string): string {
  return `${prefix}:sms-optout:${phone}`;
}

/** The phones among these that replied STOP (and not START since). */
export async function optedOutPhones(redis: Redis, prefix: string, phones: readonly string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const flags = await redis.mget(...phones.map((p) => smsOptOutKey(prefix, p)));
  return new Set(phones.filter((_, i) => flags[i] !== null));
}
