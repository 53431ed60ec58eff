import { isIPv4, isIPv6 } from 'node:net';
import type { Redis } from 'ioredis';

export interface LoginThrottleLimits {
  /** sign-ins refused for one user from one client address (or IPv6 /64) */
  perAddressAndUser: number;
  /** for one user from every address together: a distributed guess */
  perUser: number;
  /** from one client address for every user together: a spray */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: Readonly<LoginThrottleLimits> = { perAddressAndUser: 5, perUser: 50, perAddress: 30, windowMs: 15 * 60_000 };

/**
 * KEYS: the counters; ARGV[1]: the window in ms, ARGV[i + 1]: the limit of KEYS[i].
 * Refuses (the ms until the fullest counter's window ends) when any counter is
 * at its limit, else counts the attempt on every counter and returns 0. One
 * script, so parallel attempts cannot all pass the check before any is counted;
 * a refused attempt is not counted, so hammering one address cannot run up a
 * user's counter for everyone.
 */
const TAKE_ATTEMPT = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then ttl = tonumber(ARGV[1]) end
    return math.max(ttl, 1)
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0`;

/**
 * KEYS[1]: the (address, user) counter, cleared; the others get back the
 * attempt a successful sign-in took, if their window is still open (DECR on a
 * missing key would make one without expiry).
 */
const GIVE_BACK = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0`;

/**
 * Sign-in attempts are counted in Redis, so the limits hold across every api
 * process: per (client address, user), per user, and per client address. An
 * attempt is counted before its password is verified and given back when it
 * succeeds, so only failures stay counted.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: Readonly<LoginThrottleLimits> = DEFAULT_LOGIN_LIMITS,
  ) {}

  /**
   * Counts an attempt by `address` to sign in as `userKey` (the resolved user id,
   * or the normalised name when it names nobody). Returns 0 when it may go ahead,
   * else the milliseconds until it may try again (nothing counted).
   */
  async takeAttempt(address: string, userKey: string): Promise<number> {
    const keys = this.keys(address, userKey);
    const { perAddressAndUser, perUser, perAddress, windowMs } = this.limits;
    const wait = await this.redis.eval(TAKE_ATTEMPT, keys.length, ...keys, windowMs, perAddressAndUser, perUser, perAddress);
    return Number(wait);
  }

  /** After a successful sign-in: clears the (address, user) counter and gives back the attempt on the others. */
  async succeeded(address: string, userKey: string): Promise<void> {
    const keys = this.keys(address, userKey);
    await this.redis.eval(GIVE_BACK, keys.length, ...keys);
  }

  private keys(address: string, userKey: string): [string, string, string] {
    const user = Buffer.from(userKey).toString('base64url');
    const bucket = addressBucket(address);
    return [
      `${this.prefix}:login-attempts:addr-user:${bucket}:${user}`,
      `${this.prefix}:login-attempts:user:${user}`,
      `${this.prefix}:login-attempts:addr:${bucket}`,
    ];
  }
}

/**
 * The client a counter belongs to: an IPv4 address as it is (IPv4-mapped IPv6
 * included), an IPv6 address by its /64, since one subscriber commonly holds a
 * whole /64 and could otherwise pick a fresh address per attempt.
 */
export function addressBucket(address: string): string {
  const ip = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0)
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(ip: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number); // an embedded IPv4 tail: two groups
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = ip.split('::');
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
