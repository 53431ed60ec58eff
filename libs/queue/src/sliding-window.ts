import type { Redis } from 'ioredis';

/*
 * A sliding-window counter in Redis, shared by every worker: at most `max`
 * takes in any `perMs`. The SMS budget (per phone) and the IM rate limits (per
 * destination) both use it. One script, so checking and taking are one atomic
 * step however many workers race for the last slot.
 */

export interface WindowLimit {
  max: number;
  perMs: number;
}

/** Taken: the slot is yours. Refused: the window is full until `freesAt` (epoch ms). */
export type WindowTake = { taken: true } | { taken: false; freesAt: number };

// KEYS[1] the window; ARGV: now, perMs, max, member, force (1 = take even over the limit)
const TAKE = `
local now = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local held = redis.call('ZCARD', KEYS[1])
if held < max or ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], per)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], held - max, held - max, 'WITHSCORES')
return tonumber(oldest[2]) + per
`;

let sequence = 0;

/**
 * Takes a slot in the window at `key`, or says when one frees. `force` takes one even when the window is
 * full (a folded P0 that waited its 60 s): it still counts, so later messages wait longer.
 */
export async function takeWindowSlot(redis: Redis, key: string, limit: WindowLimit, now = Date.now(), force = false): Promise<WindowTake> {
  const member = `${now}-${process.pid}-${sequence++}`;
  const result = Number(await redis.eval(TAKE, 1, key, now, limit.perMs, limit.max, member, force ? '1' : '0'));
  return result < 0 ? { taken: true } : { taken: false, freesAt: result };
}

/** Redis key of a phone's SMS budget window. */
export function smsBudgetKey(prefix: string, phone: string): string {
  return `${prefix}:sms-budget:${phone}`;
}

/** Redis key of an IM destination's rate-limit window. */
export function rateLimitKey(prefix: string, channelId: string): string {
  return `${prefix}:rate-limit:${channelId}`;
}
