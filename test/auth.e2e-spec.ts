import { TEST_PASSWORD, TestClient, createTestDatabase, startKlaxon, testConfigYaml, type KlaxonStack, type TestDatabase } from '@klaxon/testing';

jest.setTimeout(60_000);

let db: TestDatabase;
let stack: KlaxonStack;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml() });
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

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
    // carol's own counter: other tests' failures were for other names
    for (let i = 0; i < 5; i++) expect((await client.login('carol@example.com', `nope-${i}`)).status).toBe(401);
    const throttled = await client.login('carol@example.com', TEST_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.body.retryAfterSeconds).toBeGreaterThan(0);
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
