import { getPriority } from 'node:os';
import { Redis } from 'ioredis';
import { ingestLogKey } from '@klaxon/queue';
import {
  TEST_INGEST_TOKEN,
  TestClient,
  createTestDatabase,
  queryRows,
  smsAbout,
  startKlaxon,
  startTwilioStandIn,
  testConfigYaml,
  testEnv,
  twilioEnv,
  waitFor,
  type KlaxonProcess,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

// `npm start`'s layout: a paging worker (urgent lane, notifications) and a bulk worker (normal lane, niced).
let db: TestDatabase;
let twilio: TwilioStandIn;
let stack: KlaxonStack;
let redis: Redis;
let bulk: KlaxonProcess;

const alertsOf = (host: string) => queryRows<{ priority: string; tier: string; count: number }>(db.url, 'SELECT priority, tier, count FROM alerts WHERE host = $1', [host]);
const logged = (lane: 'normal' | 'urgent') => redis.xlen(ingestLogKey(stack.env.KLAXON_QUEUE_PREFIX!, lane));

beforeAll(async () => {
  db = await createTestDatabase();
  twilio = await startTwilioStandIn();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml(), workers: 0, env: twilioEnv(twilio) });
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  bulk = await stack.startWorker({ WORKER_ROLE: 'bulk' });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
  await twilio?.close();
  await db?.drop();
});

async function post(lines: string[]): Promise<void> {
  const res = await new TestClient(stack.baseUrl).postLines(lines, TEST_INGEST_TOKEN);
  expect(res.status).toBe(202);
}

describe('worker roles (WORKER_ROLE)', () => {
  it('a bulk worker applies the normal lane at a lower CPU priority and leaves the urgent lane and paging alone', async () => {
    expect(bulk.output.join('\n')).toMatch(/"role":"bulk".*klaxon worker running/);
    // children start at this process's niceness; a bulk worker lowers itself to 10 unless it already runs lower
    expect(getPriority(bulk.child.pid!)).toBe(Math.max(getPriority(), 10));

    await post(['[P0][PROBLEM][roles-p0][10.9.0.1][host is down]', '[P3][PROBLEM][roles-p3][10.9.0.2][disk usage 91%]']);
    await waitFor(async () => (await alertsOf('roles-p3')).length === 1, { timeoutMs: 15_000, what: 'the bulk worker to apply the P3' });
    expect(await alertsOf('roles-p3')).toEqual([{ priority: 'P3', tier: 'low', count: 1 }]);
    expect(await logged('normal')).toBe(0);

    // the P0 waits in the urgent lane's log, untouched: nobody triages or pages it yet
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await logged('urgent')).toBe(1);
    expect(await alertsOf('roles-p0')).toEqual([]);
    expect(smsAbout(twilio, 'roles-p0')).toEqual([]);
  });

  it('a paging worker takes the urgent lane and pages; the normal lane stays with the bulk worker', async () => {
    const paging = await stack.startWorker({ WORKER_ROLE: 'paging' });
    expect(paging.output.join('\n')).toMatch(/"role":"paging".*klaxon worker running/);
    expect(getPriority(paging.child.pid!)).toBe(getPriority());

    await waitFor(() => smsAbout(twilio, 'roles-p0').length > 0, { timeoutMs: 20_000, what: 'the P0 to be paged by SMS' });
    expect(await alertsOf('roles-p0')).toEqual([{ priority: 'P0', tier: 'critical', count: 1 }]);
    expect(smsAbout(twilio, 'roles-p0')[0]!.to).toBe('+15005550001');
    expect(await logged('urgent')).toBe(0);

    // a repeat of the P3 is counted by the bulk worker; with it stopped, the paging worker leaves the normal lane alone
    await post(['[P3][PROBLEM][roles-p3][10.9.0.2][disk usage 92%]']);
    await waitFor(async () => (await alertsOf('roles-p3'))[0]?.count === 2, { timeoutMs: 15_000, what: 'the repeat to be counted' });
    bulk.child.kill('SIGTERM');
    await bulk.exited;
    await post(['[P3][PROBLEM][roles-p3][10.9.0.2][disk usage 93%]']);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await logged('normal')).toBe(1);
    expect((await alertsOf('roles-p3'))[0]!.count).toBe(2);
  });
});
