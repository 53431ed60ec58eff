import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { takeWindowSlot } from '@klaxon/queue';
import { deleteRedisKeys, testEnv } from '@klaxon/testing';

/*
 * The shared sliding window behind the SMS budget and IM rate limits, against the real Redis: atomic
 * under concurrency, sliding, and forced takes for folded P0s.
 */

const prefix = `klaxon-test-window-${randomBytes(4).toString('hex')}`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(testEnv().redisUrl);
});

afterAll(async () => {
  redis.disconnect();
  await deleteRedisKeys(prefix);
});

const key = () => `${prefix}:${randomBytes(4).toString('hex')}`;

it('takes up to max slots per window, then says when the oldest frees one', async () => {
  const k = key();
  const limit = { max: 3, perMs: 10_000 };
  const t = 1_700_000_000_000;
  expect(await takeWindowSlot(redis, k, limit, t)).toEqual({ taken: true });
  expect(await takeWindowSlot(redis, k, limit, t + 1000)).toEqual({ taken: true });
  expect(await takeWindowSlot(redis, k, limit, t + 2000)).toEqual({ taken: true });
  expect(await takeWindowSlot(redis, k, limit, t + 3000)).toEqual({ taken: false, freesAt: t + 10_000 });
  // the window slides: the first take has left it
  expect(await takeWindowSlot(redis, k, limit, t + 10_000)).toEqual({ taken: true });
  expect(await takeWindowSlot(redis, k, limit, t + 10_500)).toEqual({ taken: false, freesAt: t + 11_000 });
});

it('a forced take goes over the limit and still counts', async () => {
  const k = key();
  const limit = { max: 1, perMs: 10_000 };
  const t = 1_700_000_000_000;
  expect(await takeWindowSlot(redis, k, limit, t)).toEqual({ taken: true });
  expect(await takeWindowSlot(redis, k, limit, t + 1, true)).toEqual({ taken: true });
  // two held now: the next waits for both to leave
  expect(await takeWindowSlot(redis, k, limit, t + 2)).toEqual({ taken: false, freesAt: t + 1 + 10_000 });
});

it('gives exactly max slots to many concurrent takers', async () => {
  const k = key();
  const limit = { max: 10, perMs: 60_000 };
  const now = Date.now();
  const clients = Array.from({ length: 4 }, () => new Redis(testEnv().redisUrl));
  try {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => takeWindowSlot(clients[i % 4]!, k, limit, now)));
    expect(results.filter((r) => r.taken)).toHaveLength(10);
    expect(await redis.pttl(k)).toBeGreaterThan(0);
  } finally {
    for (const c of clients) c.disconnect();
  }
});
