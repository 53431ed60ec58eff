import { randomBytes } from 'node:crypto';
import {
  TEST_PASSWORD,
  testPasswordHash,
  twilioEnv,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  startTwilioStandIn,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'oncall-test-token-0123456789abcdef';
const ALICE = '+15005550301';
const BOB = '+15005550302';
const CAROL = '+15005550303';
const DAY = 86_400_000;
/** 2025-01-06T09:00 in Asia/Shanghai (UTC+8, no DST) */
const START_MS = Date.UTC(2025, 0, 6, 1, 0, 0);

let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ui: TestClient;

/** Who the rotation (alice, bob; 1d shifts from START) has on call at `ms`, and the shift's bounds. */
function rotationAt(ms: number) {
  const k = Math.floor((ms - START_MS) / DAY);
  const member = k % 2 === 0 ? 'alice' : 'bob';
  return { member, other: member === 'alice' ? 'bob' : 'alice', since: new Date(START_MS + k * DAY).toISOString(), until: new Date(START_MS + (k + 1) * DAY).toISOString() };
}
const NAMES: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol' };

beforeAll(async () => {
  // Not within a minute of a hand-off (09:00 Shanghai), so "now" in the test and in the app agree.
  const intoShift = (Date.now() - START_MS) % DAY;
  if (intoShift < 60_000 || DAY - intoShift < 60_000) await new Promise((r) => setTimeout(r, 120_000 - Math.min(intoShift, 60_000)));
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
tiers:
  critical: { priorities: [P0], channels: [sms], escalate: false, quietHours: ignore, groupWindow: 0s }
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}" }
  - { id: bob, name: Bob, passwordHash: "${hash}", phone: "${BOB}" }
  - { id: carol, name: Carol, phone: "${CAROL}" }
schedules:
  - id: primary
    timezone: Asia/Shanghai
    rotation: { members: [alice, bob], shift: 1d, start: "2025-01-06T09:00:00" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [schedule:primary] }
  - id: direct
    steps:
      - { notify: [user:bob] }
routes:
  - { match: { priority: [P0] }, policy: ops }
  - policy: direct
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio),
  });
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('bob', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

describe('GET /api/v1/oncall and schedule overrides', () => {
  it('names who is on call now and next, per schedule and per policy', async () => {
    const res = await ui.request('GET', '/api/v1/oncall');
    expect(res.status).toBe(200);
    const r = rotationAt(Date.now());
    expect(res.body.schedules).toEqual([
      {
        schedule: 'primary',
        timezone: 'Asia/Shanghai',
        now: { user: r.member, name: NAMES[r.member], since: r.since, until: r.until, override: false },
        next: { user: r.other, name: NAMES[r.other], from: r.until, until: new Date(Date.parse(r.until) + DAY).toISOString(), override: false },
      },
    ]);
    expect(res.body.policies).toEqual([
      { policy: 'ops', step: 1, targets: [{ kind: 'schedule', id: 'primary', onCall: r.member }] },
      { policy: 'direct', step: 1, targets: [{ kind: 'user', id: 'bob' }] },
    ]);
  });

  it('refuses without a session (401), from another origin (403), for an unknown schedule (404)', async () => {
    const anon = new TestClient(stack.baseUrl);
    expect((await anon.request('GET', '/api/v1/oncall')).status).toBe(401);
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    expect((await anon.request('POST', '/api/v1/schedules/primary/overrides', { body: { user: 'carol', from, to } })).status).toBe(401);
    const foreign = await ui.request('POST', '/api/v1/schedules/primary/overrides', { body: { user: 'carol', from, to }, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const unknown = await ui.request('POST', '/api/v1/schedules/nope/overrides', { body: { user: 'carol', from, to } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('nope');
    expect(await queryRows(db.url, 'SELECT id FROM schedule_overrides')).toEqual([]);
  });

  it('answers 400 naming every problem of a bad override, and stores nothing', async () => {
    const from = new Date(Date.now() + 3_600_000).toISOString();
    const to = new Date(Date.now() + 1_800_000).toISOString();
    const res = await ui.request('POST', '/api/v1/schedules/primary/overrides', { body: { user: 'mallory', from, to } });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([`user: unknown user "mallory"`, expect.stringMatching(/^to: must be after from/)]);
    expect(res.body.message).toContain('mallory');

    const missing = await ui.request('POST', '/api/v1/schedules/primary/overrides', { body: { from: 'tomorrow' } });
    expect(missing.status).toBe(400);
    expect(missing.body.problems).toEqual(['user: is required', 'from: must be a valid date and time', 'to: must be a valid date and time']);

    const tooLong = await ui.request('POST', '/api/v1/schedules/primary/overrides', {
      body: { user: 'carol', from: new Date().toISOString(), to: new Date(Date.now() + 40 * DAY).toISOString() },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.problems[0]).toMatch(/^to: an override of schedule primary may last at most 31d/);
    expect(await queryRows(db.url, 'SELECT id FROM schedule_overrides')).toEqual([]);
  });

  it('stores an override for carol covering now (201), then shows her on call with override: true', async () => {
    const r = rotationAt(Date.now());
    const from = new Date(Date.now() - 60_000);
    from.setUTCMilliseconds(0);
    const to = new Date(from.getTime() + 2 * 3_600_000);
    const res = await ui.request('POST', '/api/v1/schedules/primary/overrides', { body: { user: 'carol', from: from.toISOString(), to: to.toISOString() } });
    expect(res.status).toBe(201);
    expect(res.body.override).toEqual({
      id: expect.any(String),
      schedule: 'primary',
      user: 'carol',
      from: from.toISOString(),
      to: to.toISOString(),
      createdBy: 'bob',
      createdAt: expect.any(String),
    });
    const expectedNow = { user: 'carol', name: 'Carol', since: from.toISOString(), until: to.toISOString(), override: true };
    expect(res.body.oncall.now).toEqual(expectedNow);
    // after the override the rotation member on shift takes back over (unless the shift ended first)
    expect(res.body.oncall.next.user).toBe(Date.parse(r.until) > to.getTime() ? r.member : r.other);
    expect(res.body.oncall.next.from).toBe(to.toISOString());

    const rows = await queryRows<{ user_id: string; created_by: string }>(db.url, 'SELECT user_id, created_by FROM schedule_overrides');
    expect(rows).toEqual([{ user_id: 'carol', created_by: 'bob' }]);

    const oncall = await ui.request('GET', '/api/v1/oncall');
    expect(oncall.body.schedules[0].now).toEqual(expectedNow);
    expect(oncall.body.policies[0]).toEqual({ policy: 'ops', step: 1, targets: [{ kind: 'schedule', id: 'primary', onCall: 'carol' }] });
  });

  it('pages the override (carol), not the rotation member, for a P0 routed to the schedule', async () => {
    const host = `db-${randomBytes(3).toString('hex')}`;
    const ingest = new TestClient(stack.baseUrl);
    expect((await ingest.postLines(`[P0][PROBLEM][${host}][][primary down]`, TOKEN)).status).toBe(202);
    const pages = await waitFor(() => {
      const m = twilio.messages.filter((msg) => msg.body.includes(`[${host}]`));
      return m.length > 0 ? m : undefined;
    }, { timeoutMs: 20_000, what: 'the page' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(twilio.messages.filter((msg) => msg.body.includes(`[${host}]`)).map((m) => m.to)).toEqual([CAROL]);
    expect(pages[0]!.to).toBe(CAROL);
  });
});
