import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  TEST_PASSWORD,
  TestClient,
  createTestDatabase,
  deleteRedisKeys,
  queryRows,
  startKlaxon,
  testConfigYaml,
  testEnv,
  type KlaxonStack,
  type TestDatabase,
} from '@klaxon/testing';
import { LoginThrottle } from '../apps/api/src/auth/login-throttle';
import { sessionTokenHash } from '../apps/api/src/auth/session-token';

jest.setTimeout(60_000);

let db: TestDatabase;
let stack: KlaxonStack;

/**
 * Every test here signs in from 127.0.0.1, so they share its per-address
 * counter (30 failures): each throttle test uses a user of its own.
 */
const THROTTLE_USERS = ['dave', 'erin', 'frank', 'grace'];

async function configWithThrottleUsers(): Promise<string> {
  const yaml = await testConfigYaml();
  const hash = /passwordHash: "([^"]+)"/.exec(yaml)?.[1];
  if (!hash) throw new Error('the test config has no password hash to reuse');
  const users = THROTTLE_USERS.map((id) => `  - id: ${id}\n    passwordHash: "${hash}"\n    email: ${id}@example.com\n`).join('');
  return yaml.replace('\nescalationPolicies:', `\n${users}\nescalationPolicies:`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await configWithThrottleUsers() });
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

/** The session's row, found by the token in a client's cookie. */
function sessionId(client: TestClient): string {
  const token = client.sessionCookie!.split('=')[1]!;
  return sessionTokenHash(stack.env.SESSION_SECRET!, token);
}

function cookieExpiry(setCookie: string | null): number {
  const expires = /Expires=([^;]+)/i.exec(setCookie ?? '')?.[1];
  if (!expires) throw new Error(`no Expires in ${setCookie}`);
  return Date.parse(expires);
}

describe('sign-in', () => {
  it('signs in with the right pair: 200 {user} and an httpOnly, SameSite session cookie', async () => {
    const client = new TestClient(stack.baseUrl);
    const res = await client.login('alice', TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: 'alice', name: 'Alice Chen', role: 'admin', email: 'alice@example.com' } });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^klaxon_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect((await client.request('GET', '/api/v1/auth/me')).body.user.id).toBe('alice');
    expect((await client.request('GET', '/api/v1/alerts')).status).toBe(200);
  });

  it('signs in by email too', async () => {
    const client = new TestClient(stack.baseUrl);
    expect((await client.login('Carol@Example.com', TEST_PASSWORD)).status).toBe(200);
  });

  it.each([
    ['a wrong password', 'carol', 'wrong password'],
    ['an unknown user', 'mallory', TEST_PASSWORD],
    ['a user without a password (paged by SMS only)', 'bob', TEST_PASSWORD],
  ])('refuses %s with 401, no detail and no session', async (_case, username, password) => {
    const client = new TestClient(stack.baseUrl);
    const res = await client.login(username, password);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('invalid username or password');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await client.request('GET', '/api/v1/alerts')).status).toBe(401);
  });

  it('answers 400 naming a missing field', async () => {
    const client = new TestClient(stack.baseUrl);
    const res = await client.request('POST', '/api/v1/auth/login', { body: { username: 'alice' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('password is required');
  });

  it('refuses a sign-in posted from another origin', async () => {
    const client = new TestClient(stack.baseUrl);
    const res = await client.request('POST', '/api/v1/auth/login', {
      body: { username: 'alice', password: TEST_PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('throttles repeated failures for a user, even a later right password', async () => {
    const client = new TestClient(stack.baseUrl);
    for (let i = 0; i < 5; i++) expect((await client.login('dave@example.com', `nope-${i}`)).status).toBe(401);
    const throttled = await client.login('dave@example.com', TEST_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ message: 'too many failed sign-ins; try again later', retryAfterSeconds: expect.any(Number) });
    expect(throttled.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(throttled.body.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(throttled.headers.get('retry-after')).toBe(String(throttled.body.retryAfterSeconds));
    expect(throttled.headers.get('set-cookie')).toBeNull();
  });

  it('counts parallel attempts before verifying them: of 20 at once, at most 5 are tried', async () => {
    const client = new TestClient(stack.baseUrl);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.login('erin', `parallel-${i}`)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    for (const res of answers.filter((r) => r.status === 429)) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await client.login('erin', TEST_PASSWORD)).status).toBe(429);
  });

  it('counts every way of writing a name (padding, case, id or email) against one user', async () => {
    const client = new TestClient(stack.baseUrl);
    const variants = ['frank ', ' frank', 'Frank@Example.com', 'FRANK', ' frank@example.com '];
    for (const name of variants) expect((await client.login(name, 'wrong password')).status).toBe(401);
    expect((await client.login('frank', TEST_PASSWORD)).status).toBe(429);
  });

  it('forgets a user\'s failures from an address once they sign in', async () => {
    const client = new TestClient(stack.baseUrl);
    for (let i = 0; i < 3; i++) expect((await client.login('grace', `nope-${i}`)).status).toBe(401);
    expect((await client.login('Grace', TEST_PASSWORD)).status).toBe(200);
    const fresh = new TestClient(stack.baseUrl);
    for (let i = 0; i < 3; i++) expect((await fresh.login('grace', `again-${i}`)).status).toBe(401);
  });
});

describe('the sign-in throttle', () => {
  const prefix = `{kt-${randomBytes(5).toString('hex')}}`;
  const limits = { perAddressAndUser: 2, perUser: 3, perAddress: 4, windowMs: 60_000 };
  let redis: Redis;
  let throttle: LoginThrottle;

  beforeAll(() => {
    redis = new Redis(testEnv().redisUrl);
    throttle = new LoginThrottle(redis, prefix, limits);
  });

  afterAll(async () => {
    redis?.disconnect();
    await deleteRedisKeys(prefix);
  });

  const allowed = async (attempts: [string, string][]) => {
    const waits: number[] = [];
    for (const [address, user] of attempts) waits.push(await throttle.takeAttempt(address, user));
    return waits.map((w) => w === 0);
  };

  it('limits one user from one address, and says how long to wait', async () => {
    expect(await allowed([['10.0.0.1', 'user:a'], ['10.0.0.1', 'user:a']])).toEqual([true, true]);
    const wait = await throttle.takeAttempt('10.0.0.1', 'user:a');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(limits.windowMs);
  });

  it('limits one user across addresses, without counting refused attempts', async () => {
    expect(await allowed([['10.0.1.1', 'user:b'], ['10.0.1.1', 'user:b'], ['10.0.1.1', 'user:b'], ['10.0.1.1', 'user:b']])).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(await allowed([['10.0.1.2', 'user:b'], ['10.0.1.3', 'user:b']])).toEqual([true, false]);
  });

  it('limits one address across users', async () => {
    const users = ['user:c1', 'user:c2', 'user:c3', 'user:c4', 'user:c5'];
    expect(await allowed(users.map((u) => ['10.0.2.1', u]))).toEqual([true, true, true, true, false]);
    expect(await allowed([['10.0.2.2', 'user:c5']])).toEqual([true]);
  });

  it('counts an IPv6 /64 as one address', async () => {
    const users = ['user:d1', 'user:d2', 'user:d3', 'user:d4'];
    expect(await allowed(users.map((u, i) => [`2001:db8:1:2::${i + 1}`, u]))).toEqual([true, true, true, true]);
    expect(await allowed([['2001:db8:1:2:ffff::9', 'user:d5'], ['2001:db8:1:3::1', 'user:d5']])).toEqual([false, true]);
  });

  it('lets exactly the limit through when attempts race', async () => {
    const waits = await Promise.all(Array.from({ length: 10 }, () => throttle.takeAttempt('10.0.3.1', 'user:e')));
    expect(waits.filter((w) => w === 0)).toHaveLength(limits.perAddressAndUser);
  });

  it('gives a successful attempt back', async () => {
    // two attempts: one failed, then one that succeeded
    expect(await allowed([['10.0.4.1', 'user:f'], ['10.0.4.1', 'user:f']])).toEqual([true, true]);
    await throttle.succeeded('10.0.4.1', 'user:f');
    const keys = await redis.keys(`${prefix}:login-attempts:*`);
    const counts = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await redis.get(k)] as const)));
    const user = Buffer.from('user:f').toString('base64url');
    // the (address, user) counter is cleared; the user's and the address's keep the failure
    expect(Object.keys(counts).filter((k) => k.endsWith(`:${user}`))).toEqual([`${prefix}:login-attempts:user:${user}`]);
    expect(counts[`${prefix}:login-attempts:user:${user}`]).toBe('1');
    expect(counts[`${prefix}:login-attempts:addr:10.0.4.1`]).toBe('1');
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});

describe('sessions', () => {
  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const client = new TestClient(stack.baseUrl);
    await client.login('alice', TEST_PASSWORD);
    const cookie = client.sessionCookie!;
    const out = await client.request('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(204);
    // the old cookie, replayed, is dead
    const replay = await client.request('GET', '/api/v1/alerts', { headers: { cookie } });
    expect(replay.status).toBe(401);
    expect(replay.body.message).toBe('the session has expired; sign in again');
  });

  it('signs out an expired session too: 204 and the cookie cleared', async () => {
    const client = new TestClient(stack.baseUrl);
    await client.login('alice', TEST_PASSWORD);
    await queryRows(db.url, `UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [sessionId(client)]);
    expect((await client.request('GET', '/api/v1/auth/me')).status).toBe(401);
    const out = await client.request('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^klaxon_session=;/);
    expect(cookieExpiry(out.headers.get('set-cookie'))).toBeLessThanOrEqual(Date.now());
    expect(client.sessionCookie).toBeNull();
  });

  it('signs out an unknown session, or none, with 204 and a cleared cookie', async () => {
    const unknown = await new TestClient(stack.baseUrl).request('POST', '/api/v1/auth/logout', {
      headers: { cookie: 'klaxon_session=forged-token-value', origin: stack.origin },
    });
    expect(unknown.status).toBe(204);
    expect(unknown.headers.get('set-cookie')).toMatch(/^klaxon_session=;/);
    const none = await new TestClient(stack.baseUrl).request('POST', '/api/v1/auth/logout');
    expect(none.status).toBe(204);
  });

  it('moves the cookie\'s expiry with the session\'s when it slides', async () => {
    const client = new TestClient(stack.baseUrl);
    await client.login('alice', TEST_PASSWORD);
    const id = sessionId(client);
    // as if last used two minutes ago, with a day left
    await queryRows(db.url, `UPDATE sessions SET last_seen_at = now() - interval '2 minutes', expires_at = now() + interval '1 day' WHERE id = $1`, [id]);
    const me = await client.request('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    const [row] = await queryRows<{ expires_at: Date }>(db.url, 'SELECT expires_at FROM sessions WHERE id = $1', [id]);
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
    expect(me.headers.get('set-cookie')).toMatch(/^klaxon_session=[\w-]{40,};.*HttpOnly/i);
    expect(Math.abs(cookieExpiry(me.headers.get('set-cookie')) - row!.expires_at.getTime())).toBeLessThan(1000);
    // not slid again within the minute: no new cookie
    expect((await client.request('GET', '/api/v1/auth/me')).headers.get('set-cookie')).toBeNull();
  });

  it('refuses a state-changing request with the session cookie but without our Origin', async () => {
    const client = new TestClient(stack.baseUrl);
    await client.login('alice', TEST_PASSWORD);
    const foreign = await client.request('POST', '/api/v1/auth/logout', { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await client.request('GET', '/api/v1/auth/me')).status).toBe(200);
  });

  it('ignores a forged session token', async () => {
    const res = await new TestClient(stack.baseUrl).request('GET', '/api/v1/alerts', { headers: { cookie: 'klaxon_session=forged-token-value' } });
    expect(res.status).toBe(401);
  });
});
