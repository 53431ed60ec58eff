import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ needs `maxRetriesPerRequest: null` on connections that block
 * (workers); producers fail fast instead so ingest can answer 503 rather than
 * hang while Redis is away.
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker', name: string): Redis {
  const options: RedisOptions = {
    connectionName: `klaxon-${name}`,
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    enableOfflineQueue: role === 'worker',
    // a Redis that holds the connection but stops answering must become a 503, not a hung request
    ...(role === 'producer' ? { commandTimeout: 5_000 } : {}),
    enableReadyCheck: true,
    lazyConnect: false,
  };
  return new Redis(url, options);
}

/**
 * Whether a producer's command certainly never reached Redis: refused because the connection was down
 * (no offline queue). Any other failure (the connection dropped, a timeout) may have come after Redis
 * ran it, and so may one this does not recognise: when in doubt, not certain.
 */
export function neverReachedRedis(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("Stream isn't writeable");
}
