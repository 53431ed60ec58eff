import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  TEST_INGEST_TOKEN,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  testConfigYaml,
  testEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
} from '@klaxon/testing';

jest.setTimeout(120_000);

let db: TestDatabase;
let stack: KlaxonStack;
let ingest: TestClient;
let redis: Redis;
let triageQueues: Queue[];

/** Both triage lanes empty: nothing waiting, running or waiting to retry. */
async function triageDrained(): Promise<boolean> {
  for (const queue of triageQueues) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).some((n) => n > 0)) return false;
  }
  return true;
}

/** No triage job failed or had to be retried: a failing job would sit in delayed, not failed. */
async function expectNoTriageFailures(): Promise<void> {
  for (const queue of triageQueues) {
    expect(await queue.getJobCounts('failed', 'delayed')).toEqual({ failed: 0, delayed: 0 });
    const completed = await queue.getJobs(['completed'], 0, 200);
    expect(completed.filter((job) => job.attemptsMade > 1)).toEqual([]);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml('flapping: { enabled: false } # every sequence ends as its last report says, at once'), workers: 2 });
  ingest = new TestClient(stack.baseUrl);
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  triageQueues = ['triage', 'triage-urgent'].map((name) => new Queue(name, { connection: redis, prefix: stack.env.KLAXON_QUEUE_PREFIX! }));
});

afterAll(async () => {
  await Promise.all((triageQueues ?? []).map((q) => q.close()));
  redis?.disconnect();
  await stack?.stop();
  await db?.drop();
});

const sumOfCounts = async (hostPattern: string) =>
  Number((await queryRows<{ n: string }>(db.url, 'SELECT coalesce(sum(count), 0) AS n FROM alerts WHERE host LIKE $1', [hostPattern]))[0]!.n);

async function post(lines: string[]) {
  const res = await ingest.postLines(lines, TEST_INGEST_TOKEN);
  expect(res.status).toBe(202);
  return res;
}

describe('two workers at once', () => {
  it('keep one open alert per fingerprint and count every copy exactly once', async () => {
    // 40 concurrent requests, each holding 5 copies of each of 10 fingerprints
    const body = () => Array.from({ length: 50 }, (_, i) => `[P2][PROBLEM][pair-${i % 10}][10.0.1.${i % 10}][disk ${50 + i}% full]`);
    await Promise.all(Array.from({ length: 40 }, () => post(body())));

    await waitFor(async () => (await sumOfCounts('pair-%')) === 2000, { timeoutMs: 30_000, what: 'all 2000 copies to be counted' });
    const open = await queryRows<{ host: string; alerts: string; count: string }>(
      db.url,
      `SELECT host, count(*) AS alerts, sum(count) AS count FROM alerts WHERE host LIKE 'pair-%' AND status <> 'resolved' GROUP BY host ORDER BY host`,
    );
    expect(open).toEqual(Array.from({ length: 10 }, (_, i) => ({ host: `pair-${i}`, alerts: '1', count: '200' })));
    await expectNoTriageFailures();
  });

  it('end each PROBLEM/OK sequence in the state its last report says, whatever order the workers take the jobs in', async () => {
    // Sequential requests per fingerprint, interleaved across 30 fingerprints, under a background load
    const load = Promise.all(Array.from({ length: 20 }, (_, r) => post(Array.from({ length: 100 }, (_, i) => `[P5][PROBLEM][noise-${r}-${i}][][noise]`))));
    const sequence = (n: number, endsWith: 'PROBLEM' | 'OK') => {
      const steps = endsWith === 'PROBLEM' ? ['PROBLEM', 'OK', 'PROBLEM', 'OK', 'PROBLEM'] : ['PROBLEM', 'OK', 'PROBLEM', 'OK'];
      return steps.map((status) => `[P1][${status}][flip-${endsWith}-${n}][][service check]`);
    };
    const sequences = Array.from({ length: 15 }, (_, n) => [sequence(n, 'PROBLEM'), sequence(n, 'OK')]).flat();
    for (let step = 0; step < 5; step++) {
      await Promise.all(sequences.filter((s) => s[step] !== undefined).map((s) => post([s[step]!])));
    }
    await load;
    await waitFor(triageDrained, { timeoutMs: 30_000, what: 'the triage queues to drain' });
    const open = await queryRows<{ host: string; status: string }>(
      db.url,
      `SELECT host, status FROM alerts WHERE host LIKE 'flip-%' AND status <> 'resolved' ORDER BY host`,
    );
    expect(open.map((r) => r.host).sort()).toEqual(Array.from({ length: 15 }, (_, n) => `flip-PROBLEM-${n}`).sort());
    expect(new Set(open.map((r) => r.status))).toEqual(new Set(['firing']));
    await expectNoTriageFailures();
  });
});

describe('graceful shutdown', () => {
  it('finishes running jobs on SIGTERM; a new worker takes the rest without waiting for stalled locks', async () => {
    const requests = Array.from({ length: 30 }, (_, r) => Array.from({ length: 100 }, (_, i) => `[P4][PROBLEM][drain-${r}-${i % 50}][][load ${i}]`));
    await Promise.all(requests.map(post));
    const stopping = stack.workers.map((w) => {
      w.child.kill('SIGTERM');
      return w.exited;
    });
    expect(await Promise.all(stopping)).toEqual([0, 0]);

    const started = Date.now();
    await stack.startWorker();
    // a job abandoned mid-run would sit behind its 30 s lock; finished ones leave nothing behind
    await waitFor(async () => (await sumOfCounts('drain-%')) === 3000, { timeoutMs: 25_000, what: 'all 3000 alerts to be counted' });
    // well under BullMQ's 30 s stalled-job check, which an abandoned job would have had to wait for
    expect(Date.now() - started).toBeLessThan(25_000);
    const open = await queryRows<{ alerts: string }>(db.url, `SELECT count(*) AS alerts FROM alerts WHERE host LIKE 'drain-%'`);
    expect(open[0]!.alerts).toBe('1500');
    expect(await triageQueues[0]!.getFailedCount()).toBe(0);
  });
});
