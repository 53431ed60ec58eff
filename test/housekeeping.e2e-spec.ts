/** The worker prunes what only needs keeping for a while: applied triage batch ids after 7 days, expired sessions. */
import { TEST_INGEST_TOKEN, TestClient, createTestDatabase, queryRows, startKlaxon, testConfigYaml, waitFor, type KlaxonStack, type TestDatabase } from '@klaxon/testing';

jest.setTimeout(120_000);

let db: TestDatabase;
let stack: KlaxonStack;

const ids = async (table: 'triage_batches' | 'sessions') => (await queryRows<{ id: string }>(db.url, `SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);

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
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml() });
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('housekeeping in the worker', () => {
  it('at startup, deletes triage batch ids older than 7 days and expired sessions, and keeps the rest', async () => {
    await waitFor(async () => !(await ids('sessions')).includes('session-expired'), { what: 'the expired session to be pruned' });
    expect(await ids('sessions')).toEqual(['session-live']);
    expect(await ids('triage_batches')).toEqual(['batch-6-days-old', 'batch-just-now']);
  });

  it('keeps the batch ids of what it triages now, so a retried job is still a no-op', async () => {
    const ingest = new TestClient(stack.baseUrl);
    expect((await ingest.postLines('[P5][PROBLEM][hk-01][][disk 91%]', TEST_INGEST_TOKEN)).status).toBe(202);
    await waitFor(async () => (await ids('triage_batches')).length === 3, { what: 'the new batch to be applied' });
    expect(await ids('triage_batches')).toEqual(expect.arrayContaining(['batch-6-days-old', 'batch-just-now']));
  });
});
