import type { Redis } from 'ioredis';

/**
 * Failed sign-ins are counted in Redis per (client address, user name) and per
 * client address, so the limit holds across every api process.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits = { perUser: 5, perAddress: 30, windowMs: 15 * 60_000 },
  ) {}

  /** Milliseconds until this client may try again, or 0 when it may now. */
  async retryAfter(address: string, username: string): Promise<number> {
    const [user, addr] = this.keys(address, username);
    const [userCount, addrCount, userTtl, addrTtl] = (await this.redis
      .multi()
      .get(user)
      .get(addr)
      .pttl(user)
      .pttl(addr)
      .exec())!.map(([, value]) => value);
    if (Number(userCount ?? 0) >= this.limits.perUser) return Math.max(1000, Number(userTtl));
    if (Number(addrCount ?? 0) >= this.limits.perAddress) return Math.max(1000, Number(addrTtl));
    return 0;
  }

  async recordFailure(address: string, username: string): Promise<void> {
    const multi = this.redis.multi();
    for (const key of this.keys(address, username)) multi.incr(key).pexpire(key, this.limits.windowMs, 'NX');
    await multi.exec();
  }

  async recordSuccess(address: string, username: string): Promise<void> {
    await this.redis.del(this.keys(address, username)[0]);
  }

  private keys(address: string, username: string): [string, string] {
    const user = Buffer.from(username.toLowerCase()).toString('base64url');
    return [`${this.prefix}:login-failures:${address}:${user}`, `${this.prefix}:login-failures:${address}`];
  }
}
