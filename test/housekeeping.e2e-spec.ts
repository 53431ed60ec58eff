/** The worker prunes what only needs keeping for a while: applied triage batch ids after 7 days, expired sessions. */
import { TEST_INGEST_TOKEN, TestClient, createTestDatabase, queryRows, startKlaxon, testConfigYaml, waitFor, type KlaxonStack, type TestDatabase } from '@klaxon/testing';

jest.setTimeout(120_000);

let db: TestDatabase;
let stack: KlaxonStack;

const ids = async (table: 'triage_batches' | 'sessions') => (await queryRows<{ id: string }>(db.url, `SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
const fingerprints = async () => (await queryRows<{ fingerprint: string }>(db.url, 'SELECT fingerprint FROM fingerprint_states ORDER BY fingerprint')).map((r) => r.fingerprint);

beforeAll(async () => {
  db = await createTestDatabase();
  // what an earlier run of Klaxon left behind
  await queryRows(
    db.url,
    `INSERT INTO triage_batches (id, alerts, processed_at) VALUES
       ('batch-8-days-old', 10, now() - interval '8 days'),
       ('batch-9-days-old', 10, now() - interval '9 days'),
       ('batch-6-days-old', 10, now() - interval '6 days'),
       ('batch-just-now', 10, now())`,
  );
  await queryRows(
    db.url,
    `INSERT INTO sessions (id, user_id, expires_at) VALUES
       ('session-expired', 'alice', now() - interval '1 hour'),
       ('session-live', 'alice', now() + interval '1 hour')`,
  );
  // alerts: one still open, last seen 10 days ago; one resolved 9 days ago; one resolved yesterday
  await queryRows(
    db.url,
    `INSERT INTO alerts (id, fingerprint, priority, status, host, message, source, first_seen_at, last_seen_at, last_problem_seq, resolved_at) VALUES
       ('00000000-0000-4000-8000-000000000001', 'fp-open-old', 'P3', 'firing', 'h1', 'm', 'monitoring', now() - interval '10 days', now() - interval '10 days', 1, NULL),
       ('00000000-0000-4000-8000-000000000002', 'fp-resolved-long-ago', 'P3', 'resolved', 'h2', 'm', 'monitoring', now() - interval '10 days', now() - interval '9 days', 2, now() - interval '9 days'),
       ('00000000-0000-4000-8000-000000000003', 'fp-resolved-yesterday', 'P3', 'resolved', 'h3', 'm', 'monitoring', now() - interval '2 days', now() - interval '1 day', 3, now() - interval '1 day')`,
  );
  await queryRows(
    db.url,
    `INSERT INTO fingerprint_states (fingerprint, last_ok_seq, last_ok_at, last_alert_id) VALUES
       ('fp-ok-long-ago', 5, now() - interval '8 days', NULL),
       ('fp-ok-recently', 6, now() - interval '1 day', NULL),
       ('fp-open-old', NULL, NULL, '00000000-0000-4000-8000-000000000001'),
       ('fp-resolved-long-ago', 7, now() - interval '9 days', '00000000-0000-4000-8000-000000000002'),
       ('fp-resolved-yesterday', 8, now() - interval '8 days', '00000000-0000-4000-8000-000000000003')`,
  );
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml() });
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('housekeeping in the worker', () => {
  it('at startup, deletes triage batch ids older than 7 days, fingerprints quiet for 7 days and expired sessions, and keeps the rest', async () => {
    await waitFor(async () => !(await ids('sessions')).includes('session-expired'), { what: 'the expired session to be pruned' });
    expect(await ids('sessions')).toEqual(['session-live']);
    expect(await ids('triage_batches')).toEqual(['batch-6-days-old', 'batch-just-now']);
    // a fingerprint's memory goes once it has been quiet a week: no open alert, no recent OK, its last alert long resolved
    expect(await fingerprints()).toEqual(['fp-ok-recently', 'fp-open-old', 'fp-resolved-yesterday']);
  });

  it('keeps the batch ids of what it triages now; a worker started within the interval leaves pruning to the one that just did it', async () => {
    const ingest = new TestClient(stack.baseUrl);
    expect((await ingest.postLines('[P5][PROBLEM][hk-01][][disk 91%]', TEST_INGEST_TOKEN)).status).toBe(202);
    await waitFor(async () => (await ids('triage_batches')).length === 3, { what: 'the new batch to be applied' });
    expect(await ids('triage_batches')).toEqual(expect.arrayContaining(['batch-6-days-old', 'batch-just-now']));

    // old enough to go, but the first worker pruned less than 15 minutes ago: a second worker must not prune again
    await queryRows(db.url, `INSERT INTO triage_batches (id, alerts, processed_at) VALUES ('batch-10-days-old', 10, now() - interval '10 days')`);
    const second = await stack.startWorker();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(second.child.exitCode).toBeNull();
    expect(await ids('triage_batches')).toContain('batch-10-days-old');
  });
});
