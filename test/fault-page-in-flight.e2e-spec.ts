/**
 * Fault: PostgreSQL stops while a page is in flight at Twilio (issue 7: "no page lost, none doubled"),
 * on a private instance this test starts. The stand-in holds the SMS request until PostgreSQL is down,
 * then answers, so the worker learns the outcome when it cannot write it down. Once PostgreSQL is back
 * the page must still end up sent exactly once, and on the alert's timeline.
 */
import { randomBytes } from 'node:crypto';
import {
  onePersonConfigYaml,
  TEST_PASSWORD,
  TestClient,
  alertDetailOf,
  queryRows,
  smsAbout,
  startKlaxon,
  startPrivatePostgres,
  startTwilioStandIn,
  testPasswordHash,
  twilioEnv,
  waitFor,
  type KlaxonStack,
  type PrivatePostgres,
  type StandInReply,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(90_000);

const TOKEN = 'fault-in-flight-token-0123456789';
const ALICE = '+15005550701';
/** how long the stand-in holds the SMS request: PostgreSQL is stopped meanwhile */
const HOLD_MS = 2000;
const DOWN_MS = 4000;

let pg: PrivatePostgres;
let dbUrl: string;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;

beforeAll(async () => {
  [pg, twilio] = await Promise.all([startPrivatePostgres(), startTwilioStandIn()]);
  dbUrl = await pg.createDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: dbUrl,
    configYaml: onePersonConfigYaml({
      token: TOKEN,
      phone: ALICE,
      alice: `role: admin, passwordHash: "${hash}"`,
      head: `
tiers:
  high: { priorities: [P1], channels: [sms], escalate: true, quietHours: ignore, groupWindow: 0s }
delivery: { attempts: 3, backoff: 500ms }
smsBudget: { max: 100000, per: 1m }
`,
    }),
    env: twilioEnv(twilio),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await twilio?.close();
  await pg?.destroy();
});

/** A wait that fails with the stack's last log lines, to show why. */
async function withLogs<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- last log lines ---\n${stack.logs().split('\n').slice(-30).join('\n')}`);
  }
}

/**
 * Posts a P1, stops PostgreSQL while its SMS request is held at the stand-in, lets the stand-in answer
 * with `reply` (undefined: accept it) while PostgreSQL is down, and starts PostgreSQL again.
 */
async function pageDuringOutage(reply: StandInReply | undefined): Promise<string> {
  const host = `inflight-${randomBytes(3).toString('hex')}`;
  const before = twilio.requests.length;
  twilio.holdNext(1, HOLD_MS, reply);
  expect((await ingest.postLines(`[P1][PROBLEM][${host}][10.6.0.1][payments failing]`, TOKEN)).status).toBe(202);
  await waitFor(() => twilio.requests.length > before, { what: 'the SMS request at the stand-in' });
  await pg.stop();
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
  await pg.start();
  return host;
}

/** The page's notification once it is sent (its status and timeline event are written together). */
const sentPage = (host: string) =>
  withLogs(
    waitFor(
      async () => {
        const rows = await queryRows<{ status: string; provider_id: string | null; attempts: number }>(
          dbUrl,
          `SELECT n.status, n.provider_id, n.attempts FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE a.host = $1 AND n.channel = 'sms'`,
          [host],
        );
        if (rows.length === 1 && rows[0]!.status === 'sent') return rows[0];
        throw new Error(`its SMS notifications: ${JSON.stringify(rows)}; SMS at Twilio: ${smsAbout(twilio, host).length}`);
      },
      { timeoutMs: 20_000, intervalMs: 250, what: `the page about ${host} to be sent` },
    ),
  );

it('a page Twilio refused (500) while PostgreSQL was down is retried once it is back, and sent once', async () => {
  const host = await pageDuringOutage({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
  const page = await sentPage(host);
  const [sms, ...more] = smsAbout(twilio, host);
  expect(more).toEqual([]);
  expect(page).toMatchObject({ provider_id: sms!.sid });
  const alert = await alertDetailOf(ui, host);
  expect(alert.events.filter((e: { type: string }) => e.type === 'notified')).toHaveLength(1);
});

it('a page Twilio accepted while PostgreSQL was down is recorded as sent once it is back, and not sent again', async () => {
  const host = await pageDuringOutage(undefined);
  const page = await sentPage(host);
  const [sms, ...more] = smsAbout(twilio, host);
  expect(more).toEqual([]);
  expect(page).toMatchObject({ provider_id: sms!.sid });
  const alert = await alertDetailOf(ui, host);
  expect(alert.events.filter((e: { type: string }) => e.type === 'notified')).toHaveLength(1);
});
