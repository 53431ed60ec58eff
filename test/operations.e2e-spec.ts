import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  TEST_INGEST_TOKEN,
  TEST_PASSWORD,
  TestClient,
  createTestDatabase,
  freePort,
  startKlaxon,
  testConfigYaml,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
} from '@klaxon/testing';

jest.setTimeout(90_000);

let db: TestDatabase;
let stack: KlaxonStack;
let admin: TestClient;
let workerPort: number;

beforeAll(async () => {
  db = await createTestDatabase();
  workerPort = await freePort();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml(), env: { WORKER_HTTP_PORT: String(workerPort) } });
  admin = new TestClient(stack.baseUrl);
  expect((await admin.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('probes and metrics', () => {
  it('serves /healthz and /readyz with both dependencies checked', async () => {
    const client = new TestClient(stack.baseUrl);
    expect(await client.request('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await client.request('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', checks: { redis: 'ok', postgres: 'ok' } } });
    const worker = new TestClient(`http://127.0.0.1:${workerPort}`);
    expect(await worker.request('GET', '/readyz')).toMatchObject({ status: 200, body: { checks: { redis: 'ok', postgres: 'ok' } } });
  });

  it('counts alerts in /metrics, with queue depths, and the worker reports triage latency', async () => {
    const client = new TestClient(stack.baseUrl);
    await client.postLines(['[P3][PROBLEM][metrics-01][][a]', 'garbage'], TEST_INGEST_TOKEN);
    const metrics = await client.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/klaxon_alerts_accepted_total\{[^}]*endpoint="lines"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/klaxon_alerts_rejected_total\{[^}]*endpoint="lines"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/klaxon_queue_depth\{[^}]*queue="triage",state="waiting"[^}]*\} \d+/);
    // the normal lane's entries not yet moved into triage jobs
    expect(metrics.text).toMatch(/klaxon_queue_depth\{[^}]*queue="ingest-log",state="waiting"[^}]*\} \d+/);
    expect(metrics.text).toMatch(/klaxon_queue_depth\{[^}]*queue="ingest-log-urgent",state="waiting"[^}]*\} \d+/);
    const worker = new TestClient(`http://127.0.0.1:${workerPort}`);
    await waitFor(async () => /klaxon_end_to_end_latency_seconds_count\{[^}]*stage="triaged"[^}]*\} [1-9]/.test((await worker.request('GET', '/metrics')).text), {
      what: 'the worker to report triage latency',
    });
  });

  it('writes structured JSON logs', () => {
    const lines = [...stack.api.output, ...stack.workers[0]!.output].filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(JSON.parse(line)).toEqual(expect.objectContaining({ level: expect.any(Number), msg: expect.any(String), time: expect.any(String) }));
  });
});

describe('config reload', () => {
  const original = () => readFileSync(stack.configPath, 'utf8');

  it('reloads by the admin endpoint, in the api and in the worker', async () => {
    const before = original();
    const newToken = 'reloaded-token-0123456789';
    writeFileSync(
      stack.configPath,
      before.replace('  - policy: ops', '  - policy: dba').replace('integrations:', `integrations:\n  - id: reloaded\n    token: ${newToken}`),
    );
    try {
      const res = await admin.request('POST', '/api/v1/config/reload');
      expect(res).toMatchObject({ status: 200, body: { reloaded: true } });
      const ingest = new TestClient(stack.baseUrl);
      expect((await ingest.postLines('[P2][PROBLEM][reload-01][][after reload]', newToken)).status).toBe(202);
      // the worker routes with the new default route
      const alert = await waitFor(async () => (await admin.request('GET', '/api/v1/alerts?q=reload-01')).body.items[0]);
      expect(alert.policy).toBe('dba');
    } finally {
      writeFileSync(stack.configPath, before);
      await admin.request('POST', '/api/v1/config/reload');
    }
  });

  it('refuses an invalid file with the reason and keeps the running config', async () => {
    const before = original();
    writeFileSync(stack.configPath, before.replace('policy: dba', 'policy: nobody'));
    try {
      const res = await admin.request('POST', '/api/v1/config/reload');
      expect(res.status).toBe(422);
      expect(res.body.reloaded).toBe(false);
      expect(res.body.message).toMatch(/routes\[0\]\.policy.*nobody/);
      expect((await new TestClient(stack.baseUrl).postLines('[P4][PROBLEM][still-01][][x]', TEST_INGEST_TOKEN)).status).toBe(202);
    } finally {
      writeFileSync(stack.configPath, before);
    }
  });

  it('reloads on SIGHUP', async () => {
    const before = original();
    const hupToken = 'sighup-token-0123456789';
    writeFileSync(stack.configPath, before.replace('integrations:', `integrations:\n  - id: hup\n    token: ${hupToken}`));
    try {
      stack.api.child.kill('SIGHUP');
      await waitFor(async () => (await new TestClient(stack.baseUrl).postLines('[P4][PROBLEM][hup-01][][x]', hupToken)).status === 202, { what: 'the new token to work' });
    } finally {
      writeFileSync(stack.configPath, before);
      stack.api.child.kill('SIGHUP');
    }
  });

  it('lets only an admin reload', async () => {
    const carol = new TestClient(stack.baseUrl);
    expect((await carol.login('carol', TEST_PASSWORD)).status).toBe(200);
    expect((await carol.request('POST', '/api/v1/config/reload')).status).toBe(403);
  });
});

describe('start-up', () => {
  const api = resolve(__dirname, '../dist/apps/api/apps/api/src/main.js');

  it.each([
    ['DATABASE_URL is missing', {}],
    ['PORT must be a port number', { DATABASE_URL: 'postgresql://x@127.0.0.1/y', PORT: 'abc' }],
    ['SESSION_SECRET must be at least 32 characters', { DATABASE_URL: 'postgresql://x@127.0.0.1/y', SESSION_SECRET: 'short' }],
  ])('stops with one line naming the problem: %s', (expected, env) => {
    const result = spawnSync(process.execPath, [api], {
      env: { PATH: process.env.PATH, SESSION_SECRET: 'x'.repeat(40), KLAXON_CONFIG: stack.configPath, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
  });

  it('stops naming the path of a bad config file', () => {
    const bad = join(resolve(stack.configPath, '..'), 'bad.yaml');
    writeFileSync(bad, 'users: []\nintegrations:\n  - id: x\n    token: short\n');
    const result = spawnSync(process.execPath, [api], {
      env: { PATH: process.env.PATH, SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: db.url, KLAXON_CONFIG: bad },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('integrations[0].token');
  });
});
