/**
 * Fault: Redis killed (SIGKILL, nothing saved on the way out) and restarted, on a private instance
 * with append-only persistence (`appendfsync always`), under a running stack (issue 7). Alerts that
 * were answered 202 but not yet triaged are only in Redis when it dies; they survive in its AOF, the
 * api and the worker reconnect by themselves (neither is restarted), and every accepted alert ends up
 * in PostgreSQL exactly once, with no page sent twice.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { INGEST_LANES, TRIAGE_QUEUES, ingestLogKey, type TriageBatchPayload } from '@klaxon/queue';
import {
  onePersonConfigYaml,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  startPrivateRedis,
  startTwilioStandIn,
  twilioEnv,
  waitFor,
  type KlaxonStack,
  type PrivateRedis,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'fault-redis-token-0123456789';
const ALICE = '+15005550601';
/** how long Redis stays down */
const DOWN_MS = 3000;

let redis: PrivateRedis;
let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;

const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  [redis, db, twilio] = await Promise.all([startPrivateRedis({ appendOnly: true }), createTestDatabase(), startTwilioStandIn()]);
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: onePersonConfigYaml({
      token: TOKEN,
      phone: ALICE,
      head: `
tiers:
  critical: { priorities: [P0], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 100000, per: 1m }
`,
    }),
    env: { ...twilioEnv(twilio), REDIS_URL: redis.url },
  });
  ingest = new TestClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
  await redis?.destroy();
});

/** A wait that fails with the stack's and Redis's last log lines, to show why. */
async function withLogs<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const tail = stack.logs().split('\n').slice(-30).join('\n');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- stack ---\n${tail}\n--- redis ---\n${redis.log()}`);
  }
}

/** The test's own view of the triage queues on the private Redis (a fresh connection each time). */
async function withTriageQueues<T>(work: (queues: Queue[]) => Promise<T>): Promise<T> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = TRIAGE_QUEUES.map((name) => new Queue(name, { connection, prefix: stack.env.KLAXON_QUEUE_PREFIX! }));
  try {
    return await work(queues);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  }
}

/**
 * Alerts accepted and not triaged yet, wherever they wait in Redis: in the
 * paused triage queues' jobs or still in the ingest logs (until a worker's
 * movers make them jobs). The queues' lists and the logs are
 * read in one MULTI: the mover moves entries into jobs in one transaction, so
 * that snapshot never counts an alert twice or not at all.
 */
const alertsWaiting = async () => {
  const prefix = stack.env.KLAXON_QUEUE_PREFIX!;
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  try {
    const snapshot = connection.multi();
    for (const queue of TRIAGE_QUEUES) snapshot.lrange(`${prefix}:${queue}:wait`, 0, -1);
    for (const lane of INGEST_LANES) snapshot.xrange(ingestLogKey(prefix, lane), '-', '+');
    const results = (await snapshot.exec())!.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const entries = results.splice(TRIAGE_QUEUES.length).flat() as [string, string[]][];
    let alerts = entries.reduce((n, [, fields]) => n + (JSON.parse(fields[fields.indexOf('body') + 1]!) as { alerts: unknown[] }).alerts.length, 0);
    for (const [i, ids] of (results as string[][]).entries()) {
      for (const id of ids) alerts += (JSON.parse((await connection.hget(`${prefix}:${TRIAGE_QUEUES[i]}:${id}`, 'data'))!) as TriageBatchPayload).alerts.length;
    }
    return alerts;
  } finally {
    connection.disconnect();
  }
};

/** Per host of this run (under `prefix`): its alerts, and how many times they were counted. */
const triagedHosts = async (prefix = `rd${run}-`) =>
  queryRows<{ host: string; alerts: string; count: string }>(db.url, 'SELECT host, count(*) AS alerts, sum(count) AS count FROM alerts WHERE host LIKE $1 GROUP BY host', [
    `${prefix}%`,
  ]);

it('loses no accepted alert when Redis is SIGKILLed and restarted from its AOF; api and worker reconnect by themselves', async () => {
  const accepted: { host: string; priority: string }[] = [];
  const lines = (label: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ host: `rd${run}-${label}-${i}`, priority: i % 10 === 0 ? 'P0' : `P${3 + (i % 3)}` }));
  // a 503 says whether the alerts never reached Redis ("nothing was accepted") or Redis failed while taking
  // them ("may have been accepted"): the first must hold, the second may go either way
  const refused: string[] = [];
  const uncertain: { host: string; priority: string }[] = [];
  const post = async (batch: { host: string; priority: string }[]) => {
    const res = await ingest.postLines(batch.map((l, i) => `[${l.priority}][PROBLEM][${l.host}][10.7.${i}.1][ntp drift ${i} ms]`), TOKEN);
    if (res.status === 202) {
      expect(res.body.accepted).toBe(batch.length);
      accepted.push(...batch);
    } else if (res.status === 503) {
      const message = String(res.body?.message);
      expect(message).toMatch(/^the queue (is unavailable; nothing was accepted|failed while taking these alerts, so they may have been accepted)/);
      if (message.includes('nothing was accepted')) refused.push(...batch.map((l) => l.host));
      else uncertain.push(...batch);
    }
    return res;
  };

  // before: the stack works end to end on this Redis
  expect((await post(lines('before', 20))).status).toBe(202);
  await withLogs(waitFor(async () => (await triagedHosts()).length === 20, { what: 'the first alerts triaged' }));

  // accepted but not triaged: with triage paused the alerts exist only in Redis (and its AOF)
  await withTriageQueues((queues) => Promise.all(queues.map((q) => q.pause())));
  for (let r = 0; r < 10; r++) expect((await post(lines(`queued${r}`, 50))).status).toBe(202);
  const queuedAlerts = await alertsWaiting();
  expect(queuedAlerts).toBe(500);
  expect(await triagedHosts()).toHaveLength(20);

  // requests in flight when Redis dies: each is answered 202 (then Redis had it, and its AOF must keep
  // it) or 503 (nothing accepted); the poster keeps going through the outage
  let posting = true;
  let inFlightAccepted = 0;
  const inFlightStatuses = new Map<number, number>();
  const poster = Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let n = 0; posting; n++) {
        const res = await post(lines(`inflight${w}-${n}`, 3));
        inFlightStatuses.set(res.status, (inFlightStatuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) inFlightAccepted += 3;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
  await waitFor(() => (inFlightStatuses.get(202) ?? 0) >= 20, { what: 'the poster to be under way' });

  const [api, worker] = [stack.api, stack.workers[0]!];
  await redis.kill('SIGKILL');
  const killedAt = Date.now();
  // Redis is gone for a few seconds: ingest refuses at once (nothing accepted, say so) rather than hang,
  // and the api stays up; the clients keep trying to reconnect meanwhile
  let refusals = 0;
  while (Date.now() - killedAt < DOWN_MS) {
    const started = performance.now();
    const refusal = await post(lines(`refused${refusals}`, 5));
    expect(refusal.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await ingest.request('GET', '/healthz')).status).toBe(200);
    refusals++;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect((await ingest.request('GET', '/readyz')).status).toBe(503);
  expect(refusals).toBeGreaterThan(5);
  posting = false;
  // a request the kill caught may wait for Redis to come back (its command is sent again then)
  const posterDone = await Promise.race([poster.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000))]);

  await redis.start();
  await poster;
  expect([...inFlightStatuses.keys()].sort((a, b) => a - b)).toEqual([202, 503]);
  // the AOF brought back every job and log entry, still paused: all that was answered 202, in flight or
  // not, and perhaps some of what Redis failed while taking
  const restored = await alertsWaiting();
  expect(restored).toBeGreaterThanOrEqual(queuedAlerts + inFlightAccepted);
  expect(restored - queuedAlerts - inFlightAccepted).toBeLessThanOrEqual(uncertain.length);

  // the api reconnects by itself: ingest accepts again (a refused request accepted nothing; try again)
  const after = await withLogs(
    waitFor(
      async () => {
        const res = await post(lines(`after${Date.now()}`, 20));
        return res.status === 202 && res;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'ingest to accept again after the restart' },
    ),
  );
  expect(after.status).toBe(202);
  expect((await ingest.request('GET', '/readyz')).status).toBe(200);

  // and so does the worker: resumed, it triages everything accepted, before and after the kill
  await withTriageQueues((queues) => Promise.all(queues.map((q) => q.resume())));
  await withLogs(
    waitFor(async () => (await triagedHosts()).length >= accepted.length, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: `all ${accepted.length} accepted alerts in PostgreSQL`,
    }),
  );
  const rows = await triagedHosts();
  const inPostgres = new Set(rows.map((r) => r.host));
  expect(accepted.filter((a) => !inPostgres.has(a.host))).toEqual([]);
  // nothing said to be refused got in; anything else that did was among what Redis failed while taking
  expect(refused.filter((host) => inPostgres.has(host))).toEqual([]);
  const acceptedHosts = new Set(accepted.map((a) => a.host));
  const tookAnyway = uncertain.filter((u) => inPostgres.has(u.host));
  expect(rows.filter((r) => !acceptedHosts.has(r.host) && !tookAnyway.some((u) => u.host === r.host))).toEqual([]);
  expect(refused.length).toBeGreaterThan(uncertain.length);
  expect(rows.filter((r) => r.alerts !== '1' || r.count !== '1')).toEqual([]);

  // each P0 paged once
  const paged = [...accepted, ...tookAnyway].filter((a) => a.priority === 'P0').map((a) => a.host);
  await withLogs(waitFor(() => paged.every((host) => twilio.messages.some((m) => m.body.includes(`[${host}]`))), { timeoutMs: 15_000, what: `${paged.length} pages` }));
  for (const host of paged) expect(twilio.messages.filter((m) => m.body.includes(`[${host}]`))).toHaveLength(1);
  expect(twilio.messages).toHaveLength(paged.length);

  // nobody was restarted
  expect([api.child.exitCode, worker.child.exitCode]).toEqual([null, null]);
  expect(stack.workers).toHaveLength(1);
  // eslint-disable-next-line no-console
  console.log(
    `Redis SIGKILLed with ${queuedAlerts + inFlightAccepted} alerts waiting in triage jobs and the ingest log (${inFlightAccepted} of them from requests posted ` +
      `while it died: ${inFlightStatuses.get(202)} answered 202, ${inFlightStatuses.get(503)} refused 503; ${posterDone ? 'none' : 'some'} waited for the restart), ` +
      `down ${DOWN_MS / 1000} s (${refusals} requests refused 503; ${uncertain.length} alerts answered "may have been accepted", ` +
      `${tookAnyway.length} of them were); ` +
      `restarted from its AOF: all ${accepted.length} accepted alerts triaged once, ${paged.length} P0s paged once`,
  );
});

it('loses no accepted alert and pages nobody twice when Redis is SIGKILLed while the worker is busy triaging and paging', async () => {
  const prefix = `rm${run}-`;
  const hostOf = (r: number, i: number) => `${prefix}${r}-${i}`;
  const priorityOf = (i: number) => (i % 25 === 0 ? 'P0' : `P${3 + (i % 3)}`);
  const hosts: string[] = [];
  const p0: string[] = [];
  for (let r = 0; r < 20; r++) {
    const batch = Array.from({ length: 100 }, (_, i) => `[${priorityOf(i)}][PROBLEM][${hostOf(r, i)}][10.8.${i}.1][clock skew ${i} ms]`);
    const res = await ingest.postLines(batch, TOKEN);
    expect([res.status, res.body?.accepted]).toEqual([202, 100]);
    hosts.push(...Array.from({ length: 100 }, (_, i) => hostOf(r, i)));
    p0.push(...Array.from({ length: 100 }, (_, i) => i).filter((i) => priorityOf(i) === 'P0').map((i) => hostOf(r, i)));
  }
  await waitFor(async () => (await triagedHosts(prefix)).length >= 200, { timeoutMs: 30_000, intervalMs: 20, what: 'the worker to be busy' });
  const worker = stack.workers[0]!;
  await redis.kill('SIGKILL');
  const triagedAtKill = (await triagedHosts(prefix)).length;
  expect(triagedAtKill).toBeLessThan(hosts.length); // it died under the worker's feet
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
  await redis.start();

  // jobs that were running when Redis died are taken over once their locks run out
  await withLogs(
    waitFor(async () => (await triagedHosts(prefix)).length === hosts.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `all ${hosts.length} alerts in PostgreSQL`,
    }),
  );
  const rows = await triagedHosts(prefix);
  expect(rows.map((r) => r.host).sort()).toEqual([...hosts].sort());
  expect(rows.filter((r) => r.alerts !== '1' || r.count !== '1')).toEqual([]);

  // every P0 paged exactly once: a send that Redis's death interrupted is taken over once its claim is
  // stale, and the taker asks Twilio first (recorded if it had gone out, sent if it had not)
  const pages = await withLogs(
    waitFor(
      async () => {
        const rows = await queryRows<{ host: string; status: string; accepted_earlier: boolean }>(
          db.url,
          `SELECT a.host, n.status, EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND e.type = 'notified' AND e.detail->>'acceptedEarlier' = 'true') AS accepted_earlier
           FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE a.host LIKE $1 AND n.channel = 'sms' AND n.kind = 'page'`,
          [`${prefix}%`],
        );
        return rows.length === p0.length && rows.every((r) => r.status === 'sent') ? rows : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${p0.length} pages sent` },
    ),
  );
  expect(new Set(pages.map((p) => p.host))).toEqual(new Set(p0));
  for (const host of p0) expect([host, twilio.messages.filter((m) => m.body.includes(`[${host}]`)).length]).toEqual([host, 1]);
  const foundAtTwilio = pages.filter((p) => p.accepted_earlier).length;
  expect(worker.child.exitCode).toBeNull();
  // eslint-disable-next-line no-console
  console.log(
    `Redis SIGKILLed under a busy worker (${triagedAtKill}/${hosts.length} triaged), down ${DOWN_MS / 1000} s: all ${hosts.length} alerts triaged once; ` +
      `${p0.length} P0 pages sent once each (${foundAtTwilio} found at Twilio after an interrupted send, not sent again)`,
  );
});
