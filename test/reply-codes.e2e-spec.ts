import { randomUUID } from 'node:crypto';
import { ReplyCodeRepository, SqlPool } from '@klaxon/db';
import { createTestDatabase, queryRows, type TestDatabase } from '@klaxon/testing';

let db: TestDatabase;
let sql: SqlPool;
let codes: ReplyCodeRepository;

async function newAlert(): Promise<string> {
  const id = randomUUID();
  await queryRows(
    db.url,
    `INSERT INTO alerts (id, fingerprint, priority, host, message, source, first_seen_at, last_seen_at, last_problem_seq)
     VALUES ($1, $2, 'P0', 'h', 'm', 's', now(), now(), 1)`,
    [id, `fp-${id}`],
  );
  return id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new SqlPool(db.url);
  await sql.onModuleInit();
  codes = new ReplyCodeRepository(sql);
});

afterAll(async () => {
  await sql?.onApplicationShutdown();
  await db?.drop();
});

describe('reply codes (SPEC §9)', () => {
  const phone = '+15005550199';

  it('gives each open alert the lowest free number, and the same number again for the same alert', async () => {
    const [a, b, c] = [await newAlert(), await newAlert(), await newAlert()];
    expect(await codes.codeFor(phone, a)).toBe(1);
    expect(await codes.codeFor(phone, b)).toBe(2);
    expect(await codes.codeFor(phone, a)).toBe(1);
    expect(await codes.codeFor(phone, c)).toBe(3);
    expect(await codes.codeFor('+15005550198', c)).toBe(1);
  });

  it('does not reuse a released code for another alert within 24 hours, but does after', async () => {
    const other = '+15005550197';
    const first = await newAlert();
    expect(await codes.codeFor(other, first)).toBe(1);
    await codes.releaseForAlerts([first]);
    expect(await codes.codeFor(other, await newAlert())).toBe(2);
    await queryRows(db.url, `UPDATE reply_codes SET released_at = now() - interval '25 hours' WHERE alert_id = $1`, [first]);
    expect(await codes.codeFor(other, await newAlert())).toBe(1);
  });

  it('never gives two open alerts one number, even when assigned at the same moment', async () => {
    const busy = '+15005550196';
    const alerts = await Promise.all(Array.from({ length: 30 }, () => newAlert()));
    const assigned = await Promise.all(alerts.map((id) => codes.codeFor(busy, id)));
    expect([...assigned].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
