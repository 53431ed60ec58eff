import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  TEST_PASSWORD,
  alertDetailOf,
  smsAbout,
  testPasswordHash,
  twilioEnv,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  startTwilioStandIn,
  testEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'escalation-test-token-0123456789';
const ALICE = '+15005550201';
const BOB = '+15005550202';

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;
let redis: Redis;
let highQueue: Queue;

const uniqueHost = () => `svc-${randomBytes(3).toString('hex')}`;
const smsFor = (host: string) => smsAbout(twilio, host);
const alertOf = (host: string) => alertDetailOf(ui, host);

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}" }
  - { id: bob, name: Bob, phone: "${BOB}" }
escalationPolicies:
  - id: ops
    repeat: 1
    steps:
      - { notify: [user:alice], next: 1500ms }
      - { notify: [user:bob], next: 1500ms }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  highQueue = new Queue('notify-high', { connection: redis, prefix: stack.env.KLAXON_QUEUE_PREFIX! });
});

afterAll(async () => {
  await highQueue?.close();
  redis?.disconnect();
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

describe('escalation', () => {
  it('pages step 1, then step 2 after the delay, then starts over once (repeat: 1), each an escalated event', async () => {
    const host = uniqueHost();
    expect((await ingest.postLines(`[P1][PROBLEM][${host}][][queue stuck]`, TOKEN)).status).toBe(202);
    const pages = await waitFor(() => (smsFor(host).length === 4 ? smsFor(host) : undefined), { timeoutMs: 20_000, what: 'four pages' });
    expect(pages.map((m) => m.to)).toEqual([ALICE, BOB, ALICE, BOB]);
    for (let i = 1; i < 4; i++) expect(pages[i]!.receivedAt - pages[i - 1]!.receivedAt).toBeGreaterThanOrEqual(1400);
    // the policy is done: nothing more after the last step of the last round
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(smsFor(host)).toHaveLength(4);
    const alert = await alertOf(host);
    expect(alert.events.filter((e: { type: string }) => e.type === 'escalated').map((e: { detail: unknown }) => e.detail)).toEqual([
      { step: 2, round: 0 },
      { step: 1, round: 1 },
      { step: 2, round: 1 },
    ]);
  });

  it('stops when someone acknowledges: the next step is never paged and its timer is removed', async () => {
    const host = uniqueHost();
    await ingest.postLines(`[P1][PROBLEM][${host}][][disk full]`, TOKEN);
    await waitFor(() => smsFor(host).length === 1, { what: 'the first page' });
    const alert = await waitFor(async () => {
      const a = await alertOf(host);
      return a?.escalation ? a : undefined;
    });
    expect((await highQueue.getDelayed()).map((j) => j.id)).toContain(`escalate-${(await idOf(alert.number))}-0-1`);
    expect((await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`)).status).toBe(200);
    expect((await highQueue.getDelayed()).map((j) => j.id)).not.toContain(`escalate-${(await idOf(alert.number))}-0-1`);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(smsFor(host).map((m) => m.to)).toEqual([ALICE]);
  });

  it('survives a worker killed while the next step is pending: paged once, not lost, not doubled', async () => {
    const host = uniqueHost();
    await ingest.postLines(`[P1][PROBLEM][${host}][][cache down]`, TOKEN);
    await waitFor(() => smsFor(host).length === 1, { what: 'the first page' });
    const worker = stack.workers[0]!;
    worker.child.kill('SIGKILL');
    await worker.exited;
    await stack.startWorker();
    const pages = await waitFor(() => (smsFor(host).length >= 2 ? smsFor(host) : undefined), { timeoutMs: 20_000, what: 'step 2 after the restart' });
    expect(pages.map((m) => m.to).slice(0, 2)).toEqual([ALICE, BOB]);
    const alert = await alertOf(host);
    await ui.request('POST', `/api/v1/alerts/${alert.number}/ack`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smsFor(host).filter((m) => m.to === BOB)).toHaveLength(1);
  });
});

async function idOf(number: number): Promise<string> {
  return (await queryRows<{ id: string }>(db.url, 'SELECT id FROM alerts WHERE number = $1', [number]))[0]!.id;
}
