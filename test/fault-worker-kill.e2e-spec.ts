/**
 * Fault: the only worker is SIGKILLed in the middle of triaging and paging 10,000 alerts
 * (issue 7). Ingest keeps accepting without it; once a new worker runs, every accepted alert is
 * in PostgreSQL exactly once and nobody got the same page twice.
 */
import { randomBytes } from 'node:crypto';
import {
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  startTwilioStandIn,
  twilioEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(180_000);

const TOKEN = 'fault-worker-kill-token-0123456789';
const ALICE = '+15005550301';
const BOB = '+15005550302';
const REQUESTS = 100;
const LINES = 100;
/** requests posted before the kill; the rest go in while no worker runs */
const BEFORE_KILL = 60;

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;

const run = randomBytes(3).toString('hex');
const hostOf = (request: number, line: number) => `wk${run}-${request}-${line}`;
/** 2 of every 100 lines page (a P0 and a P1); the rest are P2–P5, which page nobody here */
const priorityOf = (line: number) => (line % 50 === 0 ? 'P0' : line % 50 === 25 ? 'P1' : `P${2 + (line % 4)}`);
const linesOf = (request: number) =>
  Array.from({ length: LINES }, (_, i) => `[${priorityOf(i)}][PROBLEM][${hostOf(request, i)}][10.${request}.${i}.1][disk ${i} failing]`);
const pagingHosts = Array.from({ length: REQUESTS }, (_, r) => Array.from({ length: LINES }, (_, i) => i).filter((i) => Number(priorityOf(i).slice(1)) <= 1).map((i) => hostOf(r, i))).flat();

/** the host of a page SMS (`[P0][PROBLEM][host][…`) */
const PAGE_HOST = /^\[P\d\]\[PROBLEM\]\[([^\]]+)\]/;
const count = async (sql: string) => Number((await queryRows<{ n: string }>(db.url, sql, [`wk${run}-%`]))[0]!.n);
/** A wait that fails with the stack's last log lines, to show why. */
async function withLogs<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- last log lines ---\n${stack.logs().split('\n').slice(-40).join('\n')}`);
  }
}

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 100000, per: 1m } # every page counts here, not the budget
users:
  - { id: alice, name: Alice, phone: "${ALICE}" }
  - { id: bob, name: Bob, phone: "${BOB}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice, user:bob] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio),
  });
  ingest = new TestClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

/** Posts requests [from, to) four at a time; each must be accepted whole. */
async function postRequests(from: number, to: number): Promise<void> {
  const next = { r: from };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let r = next.r++; r < to; r = next.r++) {
        const res = await ingest.postLines(linesOf(r), TOKEN);
        expect({ request: r, status: res.status, accepted: res.body?.accepted }).toEqual({ request: r, status: 202, accepted: LINES });
      }
    }),
  );
}

it('a worker SIGKILLed mid-run of 10,000 alerts: after a restart each is in PostgreSQL once, and no page went twice', async () => {
  await postRequests(0, BEFORE_KILL);
  // kill it once it is well into the work: alerts triaged and pages going out, most still queued
  await waitFor(async () => twilio.messages.length >= 4 && (await count('SELECT count(*) AS n FROM alerts WHERE host LIKE $1')) >= 1000, {
    timeoutMs: 60_000,
    intervalMs: 20,
    what: 'the worker to be well into the run',
  });
  const worker = stack.workers[0]!;
  worker.child.kill('SIGKILL');
  const killedAt = new Date();
  await worker.exited;
  expect(worker.child.signalCode).toBe('SIGKILL');
  const triagedAtKill = await count('SELECT count(*) AS n FROM alerts WHERE host LIKE $1');
  const pagesAtKill = twilio.messages.length;
  const stuckAtKill = await queryRows<{ host: string; address: string }>(
    db.url,
    `SELECT a.host, n.address FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE a.host LIKE $1 AND n.status = 'sending'`,
    [`wk${run}-%`],
  );
  expect(triagedAtKill).toBeLessThan(BEFORE_KILL * LINES); // it died mid-run

  // ingest does not need a worker: the rest are accepted while none runs
  await postRequests(BEFORE_KILL, REQUESTS);
  expect(await count('SELECT count(*) AS n FROM alerts WHERE host LIKE $1')).toBe(triagedAtKill);

  // what the dead worker had written to its sockets has arrived by now; only the new worker sends after this
  const restartedAt = Date.now();
  const restarted = await stack.startWorker();
  // jobs the dead worker held come back once their locks run out (BullMQ's stalled-job check)
  await withLogs(
    waitFor(async () => (await count('SELECT count(*) AS n FROM alerts WHERE host LIKE $1')) === REQUESTS * LINES, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: `all ${REQUESTS * LINES} alerts in PostgreSQL`,
    }),
  );

  // exactly once: one alert per host, each counted once (a batch applied twice would count 2)
  const perHost = await queryRows<{ host: string; alerts: string; count: string }>(
    db.url,
    'SELECT host, count(*) AS alerts, sum(count) AS count FROM alerts WHERE host LIKE $1 GROUP BY host',
    [`wk${run}-%`],
  );
  expect(perHost).toHaveLength(REQUESTS * LINES);
  expect(perHost.filter((h) => h.alerts !== '1' || h.count !== '1')).toEqual([]);
  const expectedHosts = new Set(Array.from({ length: REQUESTS }, (_, r) => Array.from({ length: LINES }, (_, i) => hostOf(r, i))).flat());
  expect(perHost.filter((h) => !expectedHosts.has(h.host))).toEqual([]);

  // every paging alert has one SMS page per person, and every page ends up sent exactly once: the new
  // worker finishes what the dead one left, and takes over a send the dead one had claimed once the claim
  // is stale, asking Twilio first: recorded if it had gone out, sent if it had not
  type Page = { host: string; address: string; status: string; provider_id: string | null };
  const pagesNow = () =>
    queryRows<Page>(
      db.url,
      `SELECT a.host, n.address, n.status, n.provider_id FROM notifications n JOIN alerts a ON a.id = n.alert_id
       WHERE a.host LIKE $1 AND n.channel = 'sms' AND n.kind = 'page'`,
      [`wk${run}-%`],
    );
  const pages = await withLogs(
    waitFor(
      async () => {
        const rows = await pagesNow();
        return rows.length === pagingHosts.length * 2 && rows.every((p) => p.status === 'sent') ? rows : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'every page sent' },
    ),
  );
  const allSentAfterS = (Date.now() - killedAt.getTime()) / 1000;
  expect(new Set(pages.map((p) => `${p.host}|${p.address}`)).size).toBe(pagingHosts.length * 2);
  expect(new Set(pages.map((p) => p.host))).toEqual(new Set(pagingHosts));

  // nobody got a page twice, and nobody missed one: one PROBLEM SMS per alert per phone
  const smsPerAlertAndPhone = new Map<string, number>();
  for (const m of twilio.messages) {
    const host = PAGE_HOST.exec(m.body)?.[1];
    expect(host !== undefined && expectedHosts.has(host)).toBe(true);
    const key = `${host}|${m.to}`;
    smsPerAlertAndPhone.set(key, (smsPerAlertAndPhone.get(key) ?? 0) + 1);
  }
  expect([...smsPerAlertAndPhone].filter(([, n]) => n > 1)).toEqual([]);
  expect(pages.filter((p) => !smsPerAlertAndPhone.has(`${p.host}|${p.address}`))).toEqual([]);
  expect(twilio.messages.length).toBe(pages.length);
  // each page is recorded with the SID of its own message
  const sidOf = new Map(twilio.messages.map((m) => [`${PAGE_HOST.exec(m.body)?.[1]}|${m.to}`, m.sid]));
  expect(pages.filter((p) => p.provider_id !== sidOf.get(`${p.host}|${p.address}`))).toEqual([]);
  // the sends the dead worker had claimed: those that had reached Twilio were found there, not sent again
  const reachedTwilio = stuckAtKill.filter((p) => twilio.messages.some((m) => m.to === p.address && m.body.includes(`[${p.host}]`) && m.receivedAt < restartedAt));
  const foundAtTwilio = await count(
    `SELECT count(*) AS n FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.host LIKE $1 AND e.type = 'notified' AND e.detail->>'acceptedEarlier' = 'true'`,
  );
  expect(foundAtTwilio).toBe(reachedTwilio.length);
  expect(twilio.messages.length).toBeGreaterThan(pagesAtKill); // the new worker paged too
  expect(restarted.child.exitCode).toBeNull();
  // eslint-disable-next-line no-console
  console.log(
    `worker SIGKILLed with ${triagedAtKill}/${REQUESTS * LINES} alerts triaged and ${pagesAtKill} SMS sent; after the restart: ` +
      `${perHost.length} alerts, ${twilio.messages.length} SMS for ${pages.length} pages; ${stuckAtKill.length} left 'sending' by the dead worker ` +
      `(${reachedTwilio.length} had reached Twilio and were found there, ${stuckAtKill.length - reachedTwilio.length} had not and were sent), ` +
      `all sent ${allSentAfterS.toFixed(1)} s after the kill (seen within 0.5 s)`,
  );
});
