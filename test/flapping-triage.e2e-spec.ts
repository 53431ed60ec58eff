/**
 * Flap detection at the repository (SPEC §4, issue 5): triage batches planned by planTriage with the
 * flapping config and written by AlertRepository.applyTriageBatch, and resolveIfStable, against a
 * private PostgreSQL database migrated by the project's own migrations.
 */
import { randomUUID } from 'node:crypto';
import { AlertRepository, PrismaService, SqlPool, type TriageBatchResult } from '@klaxon/db';
import type { QueuedAlert } from '@klaxon/queue';
import { createTestDatabase, queryRows, type TestDatabase } from '@klaxon/testing';
import { fingerprintOf, planTriage, type FlapDetection } from '@klaxon/triage';

jest.setTimeout(30_000);

let db: TestDatabase;
let sql: SqlPool;
let prisma: PrismaService;
let alerts: AlertRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new SqlPool(db.url);
  await sql.onModuleInit();
  prisma = new PrismaService(db.url);
  alerts = new AlertRepository(prisma, sql);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await sql?.onApplicationShutdown();
  await db?.drop();
});

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const at = (min: number) => new Date(T0 + min * MIN);
const FLAPPING: FlapDetection = { windowMs: 10 * MIN, cycles: 1, stableForMs: 5 * MIN };
let seq = 1_000;

function report(host: string, status: 'PROBLEM' | 'OK', min: number): QueuedAlert {
  seq += 1;
  return {
    id: `in-${seq}`,
    seq,
    receivedAt: T0 + min * MIN,
    integration: 'falcon',
    source: 'falcon',
    priority: 'P1',
    status,
    host,
    ip: '10.0.0.9',
    message: 'cpu high',
  };
}

/** One triage batch, as the worker applies it (`null`: flap detection off). */
function triage(reports: QueuedAlert[], flapping: FlapDetection | null = FLAPPING, batchId = randomUUID()): Promise<TriageBatchResult> {
  const items = reports.map((alert) => ({ alert, fingerprint: fingerprintOf(alert) }));
  return alerts.applyTriageBatch(
    batchId,
    items.map((i) => i.fingerprint),
    [],
    (state) => planTriage(items, state, () => ({ tier: 'high', policy: 'ops', route: 0 }), randomUUID, undefined, flapping ?? undefined),
  );
}

interface AlertRow {
  id: string;
  number: string;
  status: string;
  count: number;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolved_via: string | null;
  acknowledged_by: string | null;
  flapping_since: Date | null;
  flap_cycles: number;
  stable_since: Date | null;
  stable_until: Date | null;
}
const alertsOf = (host: string) =>
  queryRows<AlertRow>(
    db.url,
    `SELECT id, number, status::text AS status, count, resolved_at, resolved_by, resolved_via::text AS resolved_via, acknowledged_by,
            flapping_since, flap_cycles, stable_since, stable_until
     FROM alerts WHERE host = $1 ORDER BY number`,
    [host],
  );
const eventsOf = (alertId: string) =>
  queryRows<{ type: string; actor: string | null; via: string | null; detail: Record<string, unknown> }>(
    db.url,
    `SELECT type::text AS type, actor, via::text AS via, detail FROM alert_events WHERE alert_id = $1 ORDER BY id`,
    [alertId],
  );

describe('flap detection against PostgreSQL', () => {
  it('reopens, holds OKs, counts cycles, and resolves once stable, with one notice per episode', async () => {
    const host = 'flap-01';
    const opened = await triage([report(host, 'PROBLEM', 0)]);
    const [alert] = await alertsOf(host);
    expect(opened.outcome.pages).toEqual([{ alertId: alert!.id, tier: 'high' }]);

    const recovered = await triage([report(host, 'OK', 1)]);
    expect(recovered.outcome.resolved).toEqual([alert!.id]);
    expect(await queryRows(db.url, 'SELECT last_alert_id FROM fingerprint_states WHERE fingerprint = $1', [fingerprintOf(report(host, 'OK', 0))])).toEqual([
      { last_alert_id: alert!.id },
    ]);

    // fires again 2 minutes after the OK: the same alert reopens as flapping ×1, nobody is paged
    const cycle1 = await triage([report(host, 'PROBLEM', 3)]);
    expect(cycle1.outcome).toMatchObject({ opened: [], pages: [], flapNotices: [{ alertId: alert!.id, tier: 'high' }] });
    expect(await alertsOf(host)).toEqual([
      expect.objectContaining({ id: alert!.id, status: 'firing', count: 2, resolved_at: null, resolved_by: null, resolved_via: null, flapping_since: at(3), flap_cycles: 1 }),
    ]);

    // the OK is held: still firing, stable in 5 minutes
    const held = await triage([report(host, 'OK', 4)]);
    expect(held.outcome.resolved).toEqual([]);
    expect(held.outcome.stabilityChecks).toEqual([{ alertId: alert!.id, tier: 'high', at: at(9) }]);
    expect(await alertsOf(host)).toEqual([expect.objectContaining({ status: 'firing', stable_since: at(4), stable_until: at(9) })]);
    expect(await alerts.resolveIfStable(alert!.id, at(8))).toBe(false);

    // a PROBLEM before then: another cycle, no notice, and the pending check finds nothing to do
    const cycle2 = await triage([report(host, 'PROBLEM', 6)]);
    expect(cycle2.outcome.flapNotices).toEqual([]);
    expect(await alertsOf(host)).toEqual([expect.objectContaining({ status: 'firing', count: 3, flap_cycles: 2, stable_since: null, stable_until: null })]);
    expect(await alerts.resolveIfStable(alert!.id, at(9))).toBe(false);

    const heldAgain = await triage([report(host, 'OK', 7)]);
    expect(heldAgain.outcome.stabilityChecks).toEqual([{ alertId: alert!.id, tier: 'high', at: at(12) }]);
    expect(await alerts.resolveIfStable(alert!.id, at(12))).toBe(true);
    expect(await alerts.resolveIfStable(alert!.id, at(13))).toBe(false);
    expect(await alertsOf(host)).toEqual([
      expect.objectContaining({ status: 'resolved', resolved_at: at(12), resolved_by: 'falcon', resolved_via: 'source', flapping_since: null, stable_until: null }),
    ]);

    const events = await eventsOf(alert!.id);
    expect(events.filter((e) => e.type === 'flapping').map((e) => [e.detail.status, e.detail.cycles])).toEqual([
      ['PROBLEM', 1],
      ['OK', 1],
      ['PROBLEM', 2],
      ['OK', 2],
    ]);
    expect(events[events.length - 1]).toEqual({
      type: 'resolved',
      actor: 'falcon',
      via: 'source',
      detail: expect.objectContaining({ reason: 'stable after flapping', cycles: 2 }),
    });

    // fires again soon after it resolved stable: a new episode, so a new notice
    const again = await triage([report(host, 'PROBLEM', 14)]);
    expect(again.outcome.flapNotices).toEqual([{ alertId: alert!.id, tier: 'high' }]);
    expect(await alertsOf(host)).toHaveLength(1);
  });

  it('replays a retried batch exactly once, with its stability checks as dates', async () => {
    const host = 'flap-02';
    await triage([report(host, 'PROBLEM', 0), report(host, 'OK', 1), report(host, 'PROBLEM', 2)]);
    const batchId = randomUUID();
    const ok = report(host, 'OK', 3);
    const first = await triage([ok], FLAPPING, batchId);
    const retried = await triage([ok], FLAPPING, batchId);
    expect(first.applied).toBe(true);
    expect(retried).toEqual({ applied: false, outcome: first.outcome });
    expect(retried.outcome.stabilityChecks[0]!.at).toEqual(at(8));
    const [alert] = await alertsOf(host);
    expect(alert).toMatchObject({ count: 2, stable_since: at(3) });
    expect((await eventsOf(alert!.id)).filter((e) => e.type === 'flapping')).toHaveLength(2);
  });

  it('reopens an acknowledged alert as acknowledged: its owner keeps it and it does not escalate', async () => {
    const host = 'flap-03';
    await triage([report(host, 'PROBLEM', 0)]);
    const [alert] = await alertsOf(host);
    expect((await alerts.acknowledge(Number(alert!.number), 'alice', 'web')).ok).toBe(true);
    await triage([report(host, 'OK', 1)]);
    const cycle = await triage([report(host, 'PROBLEM', 2)]);
    expect(cycle.outcome.flapNotices).toEqual([{ alertId: alert!.id, tier: 'high' }]);
    expect(await alertsOf(host)).toEqual([expect.objectContaining({ status: 'acknowledged', acknowledged_by: 'alice', resolved_at: null, flap_cycles: 1 })]);
  });

  it('does not count an alert a person resolved as a cycle', async () => {
    const host = 'flap-04';
    const twoCycles: FlapDetection = { ...FLAPPING, cycles: 2 };
    await triage([report(host, 'PROBLEM', 0), report(host, 'OK', 1)], twoCycles);
    // one cycle, below the threshold of 2: a new alert, paged
    const below = await triage([report(host, 'PROBLEM', 2)], twoCycles);
    expect(below.outcome.pages).toHaveLength(1);
    const [, second] = await alertsOf(host);
    expect((await alerts.resolve(Number(second!.number), 'bob', 'web')).ok).toBe(true);
    // the fingerprint's last alert was resolved by bob, not by an OK: a new alert, paged, no notice
    const next = await triage([report(host, 'PROBLEM', 3)], twoCycles);
    expect(next.outcome.pages).toHaveLength(1);
    expect(next.outcome.flapNotices).toEqual([]);
    expect((await alertsOf(host)).map((a) => a.status)).toEqual(['resolved', 'resolved', 'firing']);
  });

  it('ends the episode when a person resolves a flapping alert', async () => {
    const host = 'flap-05';
    await triage([report(host, 'PROBLEM', 0), report(host, 'OK', 1), report(host, 'PROBLEM', 2), report(host, 'OK', 3)]);
    const [alert] = await alertsOf(host);
    expect(alert).toMatchObject({ status: 'firing', flap_cycles: 1, stable_until: at(8) });
    expect((await alerts.resolve(Number(alert!.number), 'carol', 'web')).ok).toBe(true);
    expect(await alerts.resolveIfStable(alert!.id, at(9))).toBe(false);
    expect(await alertsOf(host)).toEqual([expect.objectContaining({ status: 'resolved', resolved_by: 'carol', flapping_since: null, stable_until: null })]);
  });

  it('pages every cycle without flap detection, as before', async () => {
    const host = 'flap-06';
    const result = await triage([report(host, 'PROBLEM', 0), report(host, 'OK', 1), report(host, 'PROBLEM', 2)], null);
    expect(result.outcome.pages).toHaveLength(2);
    expect(result.outcome.flapNotices).toEqual([]);
    expect((await alertsOf(host)).map((a) => a.status)).toEqual(['resolved', 'firing']);
    expect(await queryRows(db.url, 'SELECT 1 FROM fingerprint_states WHERE last_alert_id IS NOT NULL AND fingerprint = $1', [fingerprintOf(report(host, 'OK', 0))])).toEqual([]);
  });

  it('resolves an alert opened by an earlier batch and opens the next one in a single batch (the one-open-alert index holds throughout)', async () => {
    const host = 'flap-07';
    await triage([report(host, 'PROBLEM', 0)], null);
    // one job holding the OK of the open alert and a newer PROBLEM, as a job cut by sender often does
    const result = await triage([report(host, 'OK', 1), report(host, 'PROBLEM', 2)], null);
    expect(result.applied).toBe(true);
    expect(result.outcome.pages).toHaveLength(1);
    expect((await alertsOf(host)).map((a) => a.status)).toEqual(['resolved', 'firing']);
  });

  it('counts a PROBLEM that arrives after the OK which resolved its alert into that alert (queues reordered them)', async () => {
    const host = 'flap-08';
    const problem = report(host, 'PROBLEM', 0);
    const straggler = report(host, 'PROBLEM', 1);
    const ok = report(host, 'OK', 2);
    await triage([problem]);
    await triage([ok]);
    const result = await triage([straggler]);
    expect(result.outcome.pages).toEqual([]);
    expect(result.outcome.stale).toBe(1);
    expect(await alertsOf(host)).toEqual([expect.objectContaining({ status: 'resolved', count: 2, resolved_by: 'falcon', resolved_via: 'source' })]);
  });
});
