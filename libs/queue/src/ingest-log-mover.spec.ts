import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { testEnv } from '../../testing/src/test-env';
import { deleteRedisKeys } from '../../testing/src/klaxon-processes';
import { INGEST_LOG_GROUP, ingestLogKey } from './ingest-log';
import { IngestLogMover, URGENT_MOVER_OPTIONS, type MoverOptions } from './ingest-log-mover';
import { JobProducer } from './job-producer';
import { QueueName, type QueuedAlert, type TriageBatchPayload } from './jobs';

const alert = (host: string): QueuedAlert => ({
  id: `id-${host}`,
  seq: 0,
  receivedAt: Date.now(),
  integration: 'test',
  source: 'test',
  priority: 'P3',
  status: 'PROBLEM',
  host,
  ip: '',
  message: 'm',
});

const until = async (what: () => Promise<boolean>, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('IngestLogMover (real Redis, real BullMQ)', () => {
  let redis: Redis;
  let prefix: string;
  let producer: JobProducer;
  const movers: IngestLogMover[] = [];
  const mover = (options: Partial<MoverOptions> = {}) => {
    const m = new IngestLogMover(new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null }), producer, prefix, pino({ level: 'silent' }), {
      blockMs: 50,
      gatherMs: 0,
      ...options,
    });
    movers.push(m);
    m.start();
    return m;
  };
  const triageJobs = async (queue: QueueName = QueueName.triage) => {
    const q = new Queue(queue, { connection: redis, prefix });
    const list = await q.getJobs(['waiting']);
    await q.close();
    return list.map((j) => j.data as TriageBatchPayload);
  };
  const hosts = (jobs: TriageBatchPayload[]) => jobs.flatMap((j) => j.alerts.map((a) => a.host)).sort();
  const logLength = () => redis.xlen(ingestLogKey(prefix));

  beforeEach(() => {
    redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
    prefix = `{kt-mover-${randomBytes(4).toString('hex')}}`;
    producer = new JobProducer(redis, prefix);
  });

  afterEach(async () => {
    await Promise.all(movers.splice(0).map((m) => m.stop()));
    await producer.close();
    await deleteRedisKeys(prefix);
    redis.disconnect();
  });

  it('numbers each entry from the counter it was appended with, and cuts the log into jobs in log order', async () => {
    await producer.appendToIngestLog({ alerts: [alert('a'), alert('b')], rejected: [] });
    await producer.appendToIngestLog({ alerts: [], rejected: [{ receivedAt: 1, integration: 't', endpoint: 'lines', line: 2, input: 'x', error: 'bad' }] });
    await producer.appendToIngestLog({ alerts: [alert('c'), alert('d'), alert('e')], rejected: [] });
    mover({ maxAlertsPerJob: 2 });
    await until(async () => (await logLength()) === 0);
    const jobs = await triageJobs();
    const alerts = jobs.flatMap((j) => j.alerts).sort((x, y) => x.seq - y.seq);
    expect(alerts.map((a) => `${a.host}${a.seq}`)).toEqual(['a1', 'b2', 'c3', 'd4', 'e5']);
    expect(jobs.map((j) => j.alerts.length).sort()).toEqual([1, 2, 2]);
    expect(jobs.flatMap((j) => j.rejected).map((r) => r.error)).toEqual(['bad']);
    // acknowledged and deleted with the jobs' transaction
    expect(await redis.xpending(ingestLogKey(prefix), INGEST_LOG_GROUP)).toEqual([0, null, null, null]);
  });

  it("puts one sender's reports from several entries in one job, in log order", async () => {
    for (let e = 0; e < 3; e++) await producer.appendToIngestLog({ alerts: [alert('a'), alert(`x${e}`), alert('b')], rejected: [] });
    mover({ maxKeysPerJob: 2, gatherMs: 200 });
    await until(async () => (await logLength()) === 0);
    const jobs = await triageJobs();
    const cuts = jobs.map((j) => j.alerts.map((a) => `${a.host}${a.seq}`).join(' ')).sort();
    expect(cuts).toEqual(['a1 a4 a7 x02', 'b3 b6 b9 x15', 'x28']);
  });

  it('keeps together the reports its keyOf puts together', async () => {
    await producer.appendToIngestLog({ alerts: [alert('A'), alert('b'), alert('a')], rejected: [] });
    mover({ maxKeysPerJob: 1, keyOf: (a) => a.host.toLowerCase() });
    await until(async () => (await logLength()) === 0);
    const cuts = (await triageJobs()).map((j) => j.alerts.map((a) => a.host).join(' ')).sort();
    expect(cuts).toEqual(['A a', 'b']);
  });

  it('waits floodGatherMs after a flood-sized move before the next, and only gatherMs after a smaller one', async () => {
    mover({ floodAlerts: 3, floodGatherMs: 3000 });
    await producer.appendToIngestLog({ alerts: [alert('a')], rejected: [] });
    await until(async () => (await logLength()) === 0);
    // a trickle: the next alert moves without waiting
    await producer.appendToIngestLog({ alerts: [alert('b')], rejected: [] });
    await until(async () => (await logLength()) === 0, 2500);
    // a flood-sized move: the next alert waits for the flood's gathering
    await producer.appendToIngestLog({ alerts: [alert('c'), alert('d'), alert('e')], rejected: [] });
    await until(async () => (await logLength()) === 0);
    await producer.appendToIngestLog({ alerts: [alert('f')], rejected: [] });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await logLength()).toBe(1);
    await until(async () => (await logLength()) === 0);
    expect(hosts(await triageJobs())).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('moves the urgent log into the urgent queue at once, and what arrives while a job waits as one job', async () => {
    mover(URGENT_MOVER_OPTIONS);
    await producer.appendToIngestLog({ alerts: [alert('p0-a')], rejected: [] }, 'urgent');
    await until(async () => (await triageJobs(QueueName.triageUrgent)).length === 1);
    expect(await triageJobs(QueueName.triage)).toEqual([]);
    // urgent triage is busy (one job waiting): the next groups wait in the log ...
    for (const host of ['p0-b', 'p0-c', 'p0-d']) await producer.appendToIngestLog({ alerts: [alert(host)], rejected: [] }, 'urgent');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await redis.xlen(ingestLogKey(prefix, 'urgent'))).toBe(3);
    // ... and move together once it is taken
    const queue = new Queue(QueueName.triageUrgent, { connection: redis, prefix });
    await queue.drain();
    await queue.close();
    await until(async () => (await redis.xlen(ingestLogKey(prefix, 'urgent'))) === 0);
    const jobs = await triageJobs(QueueName.triageUrgent);
    expect(jobs.map((j) => j.alerts.map((a) => `${a.host}${a.seq}`))).toEqual([['p0-b2', 'p0-c3', 'p0-d4']]);
  });

  it('moves the urgent log with one mover at a time; a standby takes over when it stops', async () => {
    const first = mover({ ...URGENT_MOVER_OPTIONS, blockMs: 50 });
    await producer.appendToIngestLog({ alerts: [alert('a')], rejected: [] }, 'urgent');
    await until(async () => (await triageJobs(QueueName.triageUrgent)).length === 1);
    const lease = `${ingestLogKey(prefix, 'urgent')}:lease`;
    const leader = await redis.get(lease);
    expect(leader).not.toBeNull();
    mover({ ...URGENT_MOVER_OPTIONS, blockMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis.get(lease)).toBe(leader);
    await first.stop();
    const queue = new Queue(QueueName.triageUrgent, { connection: redis, prefix });
    await queue.drain();
    await queue.close();
    await producer.appendToIngestLog({ alerts: [alert('b')], rejected: [] }, 'urgent');
    await until(async () => (await triageJobs(QueueName.triageUrgent)).length === 1);
    expect(hosts(await triageJobs(QueueName.triageUrgent))).toEqual(['b']);
    expect(await redis.get(lease)).not.toBe(leader);
    expect(await redis.get(lease)).not.toBeNull();
  });

  it("takes over the entries a mover read and never moved (its worker was killed), and moves each alert once", async () => {
    await producer.appendToIngestLog({ alerts: [alert('a'), alert('b')], rejected: [] });
    // a mover that dies between reading and moving: the entry stays pending under its name
    await redis.xgroup('CREATE', ingestLogKey(prefix), INGEST_LOG_GROUP, '0', 'MKSTREAM');
    const read = await redis.xreadgroup('GROUP', INGEST_LOG_GROUP, 'dead-worker', 'COUNT', 10, 'STREAMS', ingestLogKey(prefix), '>');
    expect(read).not.toBeNull();
    await producer.appendToIngestLog({ alerts: [alert('c')], rejected: [] });

    mover({ claimIdleMs: 300, claimEveryMs: 100, forgetConsumersAfterMs: 500 });
    await until(async () => hosts(await triageJobs()).length === 1);
    expect(hosts(await triageJobs())).toEqual(['c']);
    await until(async () => (await logLength()) === 0);
    expect(hosts(await triageJobs())).toEqual(['a', 'b', 'c']);
    // the dead worker's consumer, with nothing left pending, is removed from the group
    const consumerNames = async () => ((await redis.xinfo('CONSUMERS', ingestLogKey(prefix), INGEST_LOG_GROUP)) as string[][]).map((c) => c[1]);
    expect(await consumerNames()).toContain('dead-worker');
    await until(async () => !(await consumerNames()).includes('dead-worker'));
    expect(await consumerNames()).toHaveLength(1);
  });

  it('moves at most maxAlertsPerMove alerts per transaction; the entries it read beyond that go in the next rounds', async () => {
    for (let e = 0; e < 5; e++) await producer.appendToIngestLog({ alerts: [0, 1, 2].map((i) => alert(`e${e}-${i}`)), rejected: [] });
    mover({ maxAlertsPerMove: 4, readCount: 100 });
    await until(async () => (await logLength()) === 0);
    const jobs = await triageJobs();
    // one job per move: two entries (6 alerts) reach the limit, then two more, then the last
    expect(jobs.map((j) => j.alerts.length).sort()).toEqual([3, 6, 6]);
    expect(hosts(jobs)).toHaveLength(15);
    expect(new Set(hosts(jobs)).size).toBe(15);
  });

  it('leaves a flood in the log while the triage queue already has maxWaitingJobs waiting', async () => {
    for (let e = 0; e < 5; e++) await producer.appendToIngestLog({ alerts: [0, 1, 2].map((i) => alert(`e${e}-${i}`)), rejected: [] });
    mover({ maxAlertsPerMove: 3, maxWaitingJobs: 2 });
    await until(async () => (await triageJobs()).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await triageJobs()).toHaveLength(2);
    expect(await logLength()).toBe(3);
    // triage takes the waiting jobs: the mover goes on
    const queue = new Queue(QueueName.triage, { connection: redis, prefix });
    await queue.drain();
    await queue.close();
    await until(async () => (await logLength()) === 1);
    expect(await triageJobs()).toHaveLength(2);
  });

  it('two movers share the log without moving an entry twice', async () => {
    mover();
    mover();
    const appended = Array.from({ length: 200 }, (_, i) => producer.appendToIngestLog({ alerts: [alert(`h${i}`)], rejected: [] }));
    await Promise.all(appended);
    await until(async () => (await logLength()) === 0);
    const moved = hosts(await triageJobs());
    expect(moved).toHaveLength(200);
    expect(new Set(moved).size).toBe(200);
  });

  it('keeps an entry it cannot read in a dead-letter stream and moves the rest', async () => {
    await redis.xadd(ingestLogKey(prefix), '*', 'first', '1', 'body', '{not json');
    await producer.appendToIngestLog({ alerts: [alert('ok')], rejected: [] });
    mover();
    await until(async () => (await logLength()) === 0);
    expect(hosts(await triageJobs())).toEqual(['ok']);
    const dead = await redis.xrange(`${ingestLogKey(prefix)}:dead`, '-', '+');
    expect(dead).toHaveLength(1);
    expect(dead[0]![1]).toEqual(expect.arrayContaining(['body', '{not json']));
  });
});
