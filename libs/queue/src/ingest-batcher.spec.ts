import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { testEnv } from '../../testing/src/test-env';
import { deleteRedisKeys } from '../../testing/src/klaxon-processes';
import { IngestBackedUpError, IngestBatcher } from './ingest-batcher';
import { ingestLogKey } from './ingest-log';
import { IngestLogMover, URGENT_MOVER_OPTIONS, type MoverOptions } from './ingest-log-mover';
import { JobProducer } from './job-producer';
import { QueueName, type QueuedAlert, type TriageBatchPayload } from './jobs';

const alert = (host: string, priority: QueuedAlert['priority'] = 'P3'): QueuedAlert => ({
  id: randomBytes(4).toString('hex'),
  seq: 0,
  receivedAt: Date.now(),
  integration: 'test',
  source: 'test',
  priority,
  status: 'PROBLEM',
  host,
  ip: '',
  message: 'm',
});

describe('IngestBatcher (real Redis, real BullMQ)', () => {
  let redis: Redis;
  let prefix: string;
  let producer: JobProducer;
  const jobs = async (queue: QueueName) => {
    const q = new Queue(queue, { connection: redis, prefix });
    const list = await q.getJobs(['waiting', 'prioritized']);
    await q.close();
    return list.map((j) => j.data as TriageBatchPayload);
  };

  /** Runs both lanes' movers until the ingest logs are empty, as a worker would. */
  const moveAll = async (options: Partial<MoverOptions> = {}) => {
    const start = (lane: Partial<MoverOptions>) => {
      const m = new IngestLogMover(new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null }), producer, prefix, pino({ level: 'silent' }), {
        ...lane,
        blockMs: 50,
        ...options,
      });
      m.start();
      return m;
    };
    const movers = [start({}), start(URGENT_MOVER_OPTIONS)];
    const left = async () => (await redis.xlen(ingestLogKey(prefix, 'normal'))) + (await redis.xlen(ingestLogKey(prefix, 'urgent')));
    while ((await left()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(movers.map((m) => m.stop()));
  };

  beforeEach(() => {
    redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
    prefix = `{kt-batcher-${randomBytes(4).toString('hex')}}`;
    producer = new JobProducer(redis, prefix);
  });

  afterEach(async () => {
    await producer.close();
    await deleteRedisKeys(prefix);
    redis.disconnect();
  });

  it('appends concurrent requests as a few log entries, each request durable when its promise resolves; the mover makes them jobs', async () => {
    const batcher = new IngestBatcher(producer);
    await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.submit([alert(`h${i}`)], [])));
    expect(await redis.xlen(ingestLogKey(prefix))).toBeGreaterThan(0);
    expect(await redis.xlen(ingestLogKey(prefix))).toBeLessThan(10);
    expect(await jobs(QueueName.triage)).toEqual([]);
    await moveAll();
    const written = await jobs(QueueName.triage);
    expect(written.flatMap((p) => p.alerts.map((a) => a.host)).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `h${i}`).sort());
    expect(written.length).toBeLessThan(10);
  });

  it('numbers alerts from one Redis counter in the order they were submitted', async () => {
    const batcher = new IngestBatcher(producer);
    await batcher.submit([alert('a'), alert('b'), alert('c')], []);
    await batcher.submit([alert('d')], [], (a) => (a.host === 'd' ? 'urgent' : 'normal'));
    await batcher.submit([alert('e')], []);
    await moveAll();
    const written = [...(await jobs(QueueName.triage)), ...(await jobs(QueueName.triageUrgent))].flatMap((p) => p.alerts);
    expect(written.sort((x, y) => x.seq - y.seq).map((a) => `${a.host}${a.seq}`)).toEqual(['a1', 'b2', 'c3', 'd4', 'e5']);
    expect(Number(await redis.get(`${prefix}:ingest-seq`))).toBe(5);
  });

  it('splits a big request across entries and jobs; the urgent lane goes to its own log and queue', async () => {
    const batcher = new IngestBatcher(producer, { maxAlertsPerBatch: 10, maxFlushesInFlight: 4, maxPendingBatches: 100, maxAlertsPerEntry: 20 });
    const alerts = [...Array.from({ length: 25 }, (_, i) => alert(`low-${i}`)), alert('urgent', 'P0')];
    await batcher.submit(alerts, [{ receivedAt: 0, integration: 't', endpoint: 'lines', line: 3, input: 'x', error: 'bad' }], (a) =>
      a.priority === 'P0' ? 'urgent' : 'normal',
    );
    expect(await redis.xlen(ingestLogKey(prefix))).toBe(2);
    expect(await redis.xlen(ingestLogKey(prefix, 'urgent'))).toBe(1);
    expect(await jobs(QueueName.triageUrgent)).toEqual([]);
    await moveAll({ maxAlertsPerJob: 10 });
    const urgent = await jobs(QueueName.triageUrgent);
    const low = await jobs(QueueName.triage);
    expect(low.map((p) => p.alerts.length).sort((a, b) => a - b)).toEqual([5, 10, 10]);
    expect(low.flatMap((p) => p.alerts.map((a) => a.host)).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `low-${i}`).sort());
    expect(low.flatMap((p) => p.rejected)).toHaveLength(1);
    expect(urgent.map((p) => p.alerts.map((a) => a.host))).toEqual([['urgent']]);
  });

  it('refuses at once when too many batches wait for Redis', async () => {
    const batcher = new IngestBatcher(producer, { maxAlertsPerBatch: 1, maxFlushesInFlight: 1, maxPendingBatches: 3, maxAlertsPerEntry: 5000 });
    const first = batcher.submit([alert('a'), alert('b'), alert('c')], []);
    await expect(batcher.submit([alert('d')], [])).rejects.toBeInstanceOf(IngestBackedUpError);
    await first;
  });
});
