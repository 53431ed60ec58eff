import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { freePort } from '../../testing/src/free-port';
import { createRedisConnection, neverReachedRedis } from './redis-connection';

describe('neverReachedRedis', () => {
  it('is true for a command a producer refused because Redis was not there', async () => {
    const port = await freePort();
    const redis = createRedisConnection(`redis://127.0.0.1:${port}`, 'producer', 'spec');
    redis.on('error', () => undefined);
    try {
      const err = await redis.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(neverReachedRedis(err)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('is false for a command Redis ran but whose answer was lost (the connection broke first)', async () => {
    // a proxy to the real Redis that passes the marked command on, then drops the connection instead of its answer
    const key = `klaxon-spec:never-reached:${process.pid}:${Date.now()}`;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(6379, '127.0.0.1');
      sockets.add(client).add(upstream);
      let dropAnswer = false;
      client.on('data', (data) => {
        if (data.includes(key)) dropAnswer = true;
        upstream.write(data);
      });
      upstream.on('data', (data) => {
        if (!dropAnswer) return client.write(data);
        // and stays away, so the client's reconnects fail and it gives the command up
        proxy.close();
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const redis = createRedisConnection(`redis://127.0.0.1:${port}`, 'producer', 'spec');
    redis.on('error', () => undefined);
    const direct = new Redis('redis://127.0.0.1:6379');
    try {
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      const err = await redis.set(key, 'taken', 'EX', 60).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(await direct.get(key)).toBe('taken'); // Redis did run it
      expect(neverReachedRedis(err)).toBe(false);
    } finally {
      redis.disconnect();
      await direct.del(key);
      direct.disconnect();
      for (const socket of sockets) socket.destroy();
      proxy.close();
    }
  });

  it('is false for anything that is not an error', () => {
    expect(neverReachedRedis("Stream isn't writeable")).toBe(false);
    expect(neverReachedRedis(undefined)).toBe(false);
  });
});
