import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { JobName, JobProducer, QueueName, type QueuedAlert } from '@klaxon/queue';
import { createTestDatabase, queryRows, startKlaxon, testConfigYaml, testEnv, waitFor, type KlaxonStack, type TestDatabase } from '@klaxon/testing';

/*
 * Nothing accepted is lost to one value PostgreSQL refuses: a triage batch it refuses is split until the
 * one alert is alone, that alert goes to the rejected-input log with the reason, and the rest are stored.
 * The poison is put straight on the queue (ingest's parsers would refuse it), as a value no parser caught.
 */

jest.setTimeout(60_000);

let db: TestDatabase;
let stack: KlaxonStack;
let redis: Redis;
let producer: JobProducer;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml() });
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, stack.env.KLAXON_QUEUE_PREFIX!);
});

afterAll(async () => {
  await producer?.close();
  redis?.disconnect();
  await stack?.stop();
  await db?.drop();
});

const alert = (host: string, priority: string, seq: number): QueuedAlert => ({
  id: randomUUID(),
  seq,
  receivedAt: Date.now(),
  integration: 'monitoring',
  source: 'monitoring',
  priority: priority as QueuedAlert['priority'],
  status: 'PROBLEM',
  host,
  ip: '',
  message: 'disk full',
});

it('stores every other alert of a batch PostgreSQL refuses, and logs the one it refuses', async () => {
  const alerts = Array.from({ length: 9 }, (_, i) => alert(`poison-batch-${i}`, 'P4', 1_000 + i));
  // priority is varchar(2): PostgreSQL refuses 'P100' (22001)
  alerts[5] = alert('poison-batch-5', 'P100', 1_005);
  const batchId = randomUUID();
  await producer.enqueue(QueueName.triage, JobName.triageBatch, { batchId, alerts, rejected: [] }, { jobId: batchId });
  const stored = await waitFor(async () => {
    const rows = await queryRows<{ host: string }>(db.url, "SELECT host FROM alerts WHERE host LIKE 'poison-batch-%' ORDER BY host");
    return rows.length === 8 ? rows : undefined;
  }, { what: 'the eight good alerts' });
  expect(stored.map((r) => r.host)).not.toContain('poison-batch-5');
  const rejected = await waitFor(async () => {
    const rows = await queryRows<{ endpoint: string; input: string; error: string }>(db.url, "SELECT endpoint, input, error FROM rejected_inputs WHERE endpoint = 'triage'");
    return rows.length === 1 ? rows : undefined;
  }, { what: 'the poison alert in the rejected-input log' });
  expect(rejected[0]!.input).toContain('poison-batch-5');
  expect(rejected[0]!.error).toMatch(/^could not be stored: /);
  // and the batch's job completed (it is not retried for hours)
  const job = await producer.queue(QueueName.triage).getJob(batchId);
  await waitFor(async () => (await job?.getState()) === 'completed', { what: 'the job to complete' });
});
