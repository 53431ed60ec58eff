import { Injectable } from '@nestjs/common';
import type { QueuedRejection } from '@klaxon/queue';
import type { AlertFlapState, FingerprintFlapMemory, OpenAlertSnapshot, TriageOutcome, TriagePlan, TriageState } from '@klaxon/triage';
import type { Priority } from '@klaxon/alert-format';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { SqlPool, type SqlExecutor } from '../sql-pool.service';
import type { AlertActionResult, AlertDetail, AlertListFilter, AlertPage, AlertSummary, ActionVia } from '../domain';

type Tx = SqlExecutor;

export interface TriageBatchResult {
  /** false when this batch had already been applied (a retried job) */
  applied: boolean;
  outcome: TriageOutcome;
}

/**
 * JSON for a jsonb parameter. PostgreSQL refuses NUL and lone UTF-16
 * surrogates in jsonb; one such character would fail the whole batch on every
 * retry, so they become U+FFFD here, whatever got past the parsers. A
 * triage batch of 250 alerts is stringified once without a replacer (the
 * replacer cost a tenth of the worker's CPU) unless it holds a \u escape.
 */
export const pgJson = (value: unknown): string => {
  // JSON.stringify writes both (and only those and other control characters) as \u escapes: without
  // one, the plain, fast stringify is already right; with one, the replacer makes each string safe
  const plain = JSON.stringify(value);
  if (plain === undefined || !plain.includes('\\u')) return plain;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.toWellFormed().replaceAll('\u0000', '\uFFFD') : v));
};
const json = pgJson;

@Injectable()
export class AlertRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlPool,
  ) {}

  /**
   * Applies one triage batch in one transaction: exactly once per batch id,
   * under per-fingerprint advisory locks taken in a fixed order (so workers
   * never deadlock and never both open an alert for one fingerprint), with
   * the state read after the locks and the plan written with a few set-based
   * statements whatever the batch size.
   */
  async applyTriageBatch(
    batchId: string,
    fingerprints: readonly string[],
    rejected: readonly QueuedRejection[],
    plan: (state: TriageState) => TriagePlan,
  ): Promise<TriageBatchResult> {
    return this.sql.transaction(async (tx) => {
      const claimed = await tx.query('INSERT INTO triage_batches (id, alerts) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id', [
        batchId,
        fingerprints.length,
      ]);
      if (claimed.length === 0) {
        const rows = await tx.query<{ outcome: TriageOutcome }>('SELECT outcome FROM triage_batches WHERE id = $1', [batchId]);
        return { applied: false, outcome: replayedOutcome(rows[0]!.outcome) };
      }
      if (rejected.length > 0) await insertRejected(tx, rejected);
      const distinct = [...new Set(fingerprints)];
      const triagePlan = plan(distinct.length > 0 ? await lockAndLoad(tx, distinct) : { open: new Map(), lastOk: new Map(), flap: new Map() });
      await writePlan(tx, triagePlan);
      await tx.query('UPDATE triage_batches SET outcome = $2::jsonb WHERE id = $1', [batchId, json(triagePlan.outcome)]);
      return { applied: true, outcome: triagePlan.outcome };
    });
  }

  async list(filter: AlertListFilter): Promise<AlertPage> {
    const where: Prisma.AlertWhereInput = { status: { in: filter.statuses } };
    if (filter.priorities.length > 0) where.priority = { in: filter.priorities };
    if (filter.silenced !== null) where.silenced = filter.silenced;
    if (filter.q) {
      where.OR = [
        { host: { contains: filter.q, mode: 'insensitive' } },
        { ip: { contains: filter.q } },
        { message: { contains: filter.q, mode: 'insensitive' } },
      ];
    }
    const rows = await this.prisma.alert.findMany({
      where,
      // Most urgent first: priority, then firing before acknowledged before resolved, then newest.
      orderBy: [{ priority: 'asc' }, { status: 'asc' }, { firstSeenAt: 'desc' }, { number: 'desc' }],
      take: filter.limit + 1,
      ...(filter.after !== null ? { cursor: { number: BigInt(filter.after) }, skip: 1 } : {}),
    });
    const page = rows.slice(0, filter.limit).map(toSummary);
    return { items: page, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.number : null };
  }

  async findByNumber(number: number): Promise<AlertDetail | null> {
    const row = await this.prisma.alert.findUnique({
      where: { number: BigInt(number) },
      include: { events: { orderBy: { id: 'asc' } }, notifications: { orderBy: { createdAt: 'asc' } } },
    });
    if (!row) return null;
    return {
      ...toSummary(row),
      events: row.events.map((e) => ({
        at: e.at,
        type: e.type,
        actor: e.actor,
        via: e.via,
        detail: (e.detail ?? {}) as Record<string, unknown>,
      })),
      notifications: row.notifications.map((n) => ({
        id: n.id,
        userId: n.userId,
        channel: n.channel,
        address: n.address,
        kind: n.kind,
        status: n.status,
        providerId: n.providerId,
        error: n.error,
        attempts: n.attempts,
        createdAt: n.createdAt,
        updatedAt: n.updatedAt,
      })),
    };
  }

  /**
   * Acknowledges a firing alert, with `acknowledged` on its timeline, in one
   * statement: of two people acting at once, exactly one succeeds.
   */
  async acknowledge(number: number, actor: string, via: ActionVia): Promise<AlertActionResult> {
    return this.act(
      number,
      `WITH changed AS (
         UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, acknowledged_via = $3::"ActionVia", updated_at = now()
         WHERE number = $1 AND status = 'firing' RETURNING id
       ), event AS (
         INSERT INTO alert_events (alert_id, type, actor, via) SELECT id, 'acknowledged', $2, $3::"ActionVia" FROM changed
       )
       SELECT id FROM changed`,
      [number, actor, via],
    );
  }

  /** Resolves an open alert by hand, with `resolved` on its timeline, in one statement. */
  async resolve(number: number, actor: string, via: ActionVia): Promise<AlertActionResult> {
    return this.act(
      number,
      `WITH changed AS (
         UPDATE alerts SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolved_via = $3::"ActionVia",
                           flapping_since = NULL, stable_since = NULL, stable_until = NULL, updated_at = now()
         WHERE number = $1 AND status <> 'resolved' RETURNING id
       ), event AS (
         INSERT INTO alert_events (alert_id, type, actor, via) SELECT id, 'resolved', $2, $3::"ActionVia" FROM changed
       )
       SELECT id FROM changed`,
      [number, actor, via],
    );
  }

  /**
   * Resolves a flapping alert whose held OK has stood for the stable time (its stability check, due at the
   * `at` of a StabilityCheck): in one transaction under its fingerprint's lock, and only if it is still
   * open, still in its flap episode, no PROBLEM came after that OK, and `now` is past its stable time. The
   * episode ends with it. Resolved by the source (`resolved`, via source, reason "stable after flapping").
   * Returns whether it resolved: then, and only then, its recovery notice is due.
   */
  async resolveIfStable(alertId: string, now: Date = new Date()): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const found = await tx.query<{ fingerprint: string }>('SELECT fingerprint FROM alerts WHERE id = $1::uuid', [alertId]);
      const fingerprint = found[0]?.fingerprint;
      if (fingerprint === undefined) return false;
      // the lock triage takes for the fingerprint, so a PROBLEM being triaged now is either before or after this
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [fingerprint]);
      const resolved = await tx.query<{ id: string }>(
        `WITH changed AS (
           UPDATE alerts SET status = 'resolved', resolved_at = $2, resolved_by = source, resolved_via = 'source',
                             flapping_since = NULL, stable_since = NULL, stable_until = NULL, updated_at = now()
           WHERE id = $1::uuid AND status <> 'resolved' AND flapping_since IS NOT NULL AND stable_until IS NOT NULL AND stable_until <= $2
           RETURNING id, source, stable_since, flap_cycles
         ), event AS (
           INSERT INTO alert_events (alert_id, at, type, actor, via, detail)
           SELECT id, $2, 'resolved', source, 'source',
                  jsonb_build_object('reason', 'stable after flapping', 'stableSince', stable_since, 'cycles', flap_cycles)
           FROM changed
         )
         SELECT id FROM changed`,
        [alertId, now],
      );
      return resolved.length > 0;
    });
  }

  private async act(number: number, statement: string, params: unknown[]): Promise<AlertActionResult> {
    const changed = await this.sql.query<{ id: string }>(statement, params);
    const alert = await this.findByNumberSummary(number);
    if (!alert) return { ok: false, reason: 'not-found' };
    return changed.length > 0 ? { ok: true, alert } : { ok: false, reason: 'already', alert };
  }

  private async findByNumberSummary(number: number): Promise<AlertSummary | null> {
    const row = await this.prisma.alert.findUnique({ where: { number: BigInt(number) } });
    return row ? toSummary(row) : null;
  }

  /** One alert by id, on the paging hot path (node-postgres, not Prisma: see SqlPool). */
  async findById(id: string): Promise<AlertSummary | null> {
    const [alert] = await this.findManyById([id]);
    return alert ?? null;
  }

  /** Alerts by id, in no particular order; ids not found are left out. */
  async findManyById(ids: readonly string[]): Promise<AlertSummary[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<Omit<AlertSummary, 'number' | 'escalation'> & { number: string; escalationStep: number | null; escalationRound: number }>(
      `SELECT id, number::text AS number, priority, status::text AS status, host, ip, message, count,
              first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", acknowledged_by AS "acknowledgedBy",
              acknowledged_via::text AS "acknowledgedVia", resolved_by AS "resolvedBy", resolved_via::text AS "resolvedVia",
              silenced, tier, policy, source, fingerprint, labels, escalation_step AS "escalationStep", escalation_round AS "escalationRound",
              inhibited_by_id AS "inhibitedById", resolved_at AS "resolvedAt"
       FROM alerts WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(({ escalationStep, escalationRound, ...rest }) => ({
      ...rest,
      number: Number(rest.number),
      escalation: escalationStep === null ? null : { step: escalationStep, round: escalationRound },
    }));
  }

  /**
   * Records that a step was paged, with `escalated` on the timeline for every step after the first
   * (once per step change), attributed to `by` when someone escalated by hand.
   */
  async recordEscalation(id: string, step: number, round: number, by?: { actor: string; via: ActionVia }): Promise<void> {
    await this.sql.query(
      `WITH moved AS (
         UPDATE alerts SET escalation_step = $2, escalation_round = $3, updated_at = now()
         WHERE id = $1::uuid AND (escalation_step IS DISTINCT FROM $2 OR escalation_round <> $3) RETURNING id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail)
       SELECT id, 'escalated', $4, $5::"ActionVia", jsonb_build_object('step', $2::int + 1, 'round', $3::int) FROM moved WHERE $2::int > 0 OR $3::int > 0`,
      [id, step, round, by?.actor ?? null, by?.via ?? null],
    );
  }

}

function toSummary(row: Prisma.AlertGetPayload<object>): AlertSummary {
  return {
    id: row.id,
    number: Number(row.number),
    priority: row.priority,
    status: row.status,
    host: row.host,
    ip: row.ip,
    message: row.message,
    count: row.count,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    acknowledgedBy: row.acknowledgedBy,
    acknowledgedVia: row.acknowledgedVia as ActionVia | null,
    resolvedBy: row.resolvedBy,
    resolvedVia: row.resolvedVia as ActionVia | null,
    silenced: row.silenced,
    tier: row.tier,
    policy: row.policy,
    source: row.source,
    fingerprint: row.fingerprint,
    labels: (row.labels ?? {}) as Record<string, string>,
    escalation: row.escalationStep === null ? null : { step: row.escalationStep, round: row.escalationRound },
  };
}

async function insertRejected(tx: Tx, rejected: readonly QueuedRejection[]): Promise<void> {
  await tx.query(
    `INSERT INTO rejected_inputs (received_at, integration, endpoint, line, input, error)
     SELECT to_timestamp(x.received_at / 1000.0), x.integration, x.endpoint, x.line, x.input, x.error
     FROM jsonb_to_recordset($1::jsonb) AS x(received_at bigint, integration text, endpoint text, line int, input text, error text)`,
    [json(rejected.map((r) => ({ ...r, received_at: r.receivedAt })))],
  );
}

async function lockAndLoad(tx: Tx, fingerprints: readonly string[]): Promise<TriageState> {
  const list = json(fingerprints);
  // Sorted, so that two workers taking overlapping sets wait instead of deadlocking.
  await tx.query(
    `SELECT count(pg_advisory_xact_lock(h)) FROM (
       SELECT DISTINCT hashtextextended(f, 0) AS h FROM jsonb_array_elements_text($1::jsonb) AS f ORDER BY h
     ) AS locks`,
    [list],
  );
  // bigint columns arrive as strings from node-postgres
  const open = await tx.query<{
    id: string;
    fingerprint: string;
    priority: Priority;
    tier: string | null;
    policy: string | null;
    silenced: boolean;
    last_problem_seq: string;
    flapping_since: Date | null;
    flap_cycles: number;
    stable_since: Date | null;
    stable_until: Date | null;
  }>(
    `SELECT id, fingerprint, priority, tier, policy, silenced, last_problem_seq, flapping_since, flap_cycles, stable_since, stable_until FROM alerts
     WHERE status <> 'resolved' AND fingerprint IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [list],
  );
  // the fingerprint's memory, with its last alert (a primary-key join) for flap detection
  const memory = await tx.query<{
    fingerprint: string;
    last_ok_seq: string | null;
    last_ok_at: Date | null;
    flap_cycles: number[];
    last_alert_id: string | null;
    priority: Priority | null;
    tier: string | null;
    policy: string | null;
    silenced: boolean | null;
    last_problem_seq: string | null;
    resolved_at: Date | null;
    resolved_via: string | null;
    alert_flap_cycles: number | null;
  }>(
    `SELECT s.fingerprint, s.last_ok_seq, s.last_ok_at, s.flap_cycles, a.id AS last_alert_id, a.priority, a.tier, a.policy, a.silenced,
            a.last_problem_seq, a.resolved_at, a.resolved_via::text AS resolved_via, a.flap_cycles AS alert_flap_cycles
     FROM fingerprint_states AS s LEFT JOIN alerts AS a ON a.id = s.last_alert_id
     WHERE s.fingerprint IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [list],
  );
  const flapOf = (r: (typeof open)[number]): AlertFlapState | null =>
    r.flapping_since === null && r.stable_since === null
      ? null
      : { since: r.flapping_since, cycles: r.flap_cycles, stableSince: r.stable_since, stableUntil: r.stable_until };
  return {
    open: new Map(
      open.map((r): [string, OpenAlertSnapshot] => [
        r.fingerprint,
        {
          id: r.id,
          fingerprint: r.fingerprint,
          priority: r.priority,
          tier: r.tier,
          policy: r.policy,
          silenced: r.silenced,
          lastProblemSeq: Number(r.last_problem_seq),
          flap: flapOf(r),
        },
      ]),
    ),
    lastOk: new Map(
      memory.flatMap((r) => (r.last_ok_seq === null || r.last_ok_at === null ? [] : [[r.fingerprint, { seq: Number(r.last_ok_seq), at: r.last_ok_at }] as const])),
    ),
    flap: new Map(
      memory.map((r): [string, FingerprintFlapMemory] => [
        r.fingerprint,
        {
          lastAlert:
            r.last_alert_id === null
              ? null
              : {
                  id: r.last_alert_id,
                  priority: r.priority!,
                  tier: r.tier,
                  policy: r.policy,
                  silenced: r.silenced ?? false,
                  lastProblemSeq: Number(r.last_problem_seq),
                  resolvedAt: r.resolved_at,
                  resolvedBySource: r.resolved_via === 'source',
                  flapCycles: r.alert_flap_cycles ?? 0,
                },
          cycles: r.flap_cycles.map((t) => new Date(t)),
        },
      ]),
    ),
  };
}

/** A stored outcome, replayed for a retried batch: dates come back from JSON, and older batches lack the newer lists. */
function replayedOutcome(stored: TriageOutcome): TriageOutcome {
  return {
    ...stored,
    flapNotices: stored.flapNotices ?? [],
    stabilityChecks: (stored.stabilityChecks ?? []).map((c) => ({ ...c, at: new Date(c.at) })),
  };
}

const flapColumns = (flap: AlertFlapState | null) => ({
  flapping_since: flap?.since ?? null,
  flap_cycles: flap?.cycles ?? 0,
  stable_since: flap?.stableSince ?? null,
  stable_until: flap?.stableUntil ?? null,
});

async function writePlan(tx: Tx, plan: TriagePlan): Promise<void> {
  // Updates first: an alert this batch resolves must be resolved before the batch opens the next one for its
  // fingerprint, or the one-open-alert index refuses the insert. Updates never touch this batch's new alerts.
  if (plan.updates.length > 0) {
    await tx.query(
      `UPDATE alerts AS a SET
         count = a.count + x.count_delta,
         last_seen_at = GREATEST(a.last_seen_at, x.last_seen_at),
         last_problem_seq = GREATEST(a.last_problem_seq, x.last_problem_seq),
         priority = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.priority ELSE a.priority END,
         tier = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.tier ELSE a.tier END,
         policy = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.policy ELSE a.policy END,
         -- a reopened (flapping) alert fires again, or stays acknowledged if someone had taken it
         status = CASE WHEN x.reopen THEN (CASE WHEN a.acknowledged_at IS NULL THEN 'firing' ELSE 'acknowledged' END)::"AlertStatus"
                       WHEN x.resolved_at IS NULL THEN a.status ELSE 'resolved'::"AlertStatus" END,
         resolved_at = CASE WHEN x.reopen THEN NULL ELSE COALESCE(x.resolved_at, a.resolved_at) END,
         resolved_by = CASE WHEN x.reopen THEN NULL ELSE COALESCE(x.resolved_by, a.resolved_by) END,
         resolved_via = CASE WHEN x.reopen THEN NULL WHEN x.resolved_at IS NULL THEN a.resolved_via ELSE 'source'::"ActionVia" END,
         flapping_since = CASE WHEN x.flap THEN x.flapping_since ELSE a.flapping_since END,
         flap_cycles = CASE WHEN x.flap THEN x.flap_cycles ELSE a.flap_cycles END,
         stable_since = CASE WHEN x.flap THEN x.stable_since ELSE a.stable_since END,
         stable_until = CASE WHEN x.flap THEN x.stable_until ELSE a.stable_until END,
         updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, count_delta int, last_seen_at timestamptz, last_problem_seq bigint,
              priority text, tier text, policy text, resolved_at timestamptz, resolved_by text, reopen boolean,
              flap boolean, flapping_since timestamptz, flap_cycles int, stable_since timestamptz, stable_until timestamptz)
       WHERE a.id = x.id`,
      [json(
        plan.updates.map((u) => ({
          id: u.id,
          count_delta: u.countDelta,
          last_seen_at: u.lastSeenAt,
          last_problem_seq: u.lastProblemSeq,
          priority: u.priority,
          tier: u.tier,
          policy: u.policy,
          resolved_at: u.resolvedAt,
          resolved_by: u.resolvedBy,
          reopen: u.reopen,
          flap: u.flap !== null,
          ...flapColumns(u.flap),
        })),
      )],
  );
  }
  if (plan.newAlerts.length > 0) {
    await tx.query(
      `INSERT INTO alerts (id, fingerprint, dedup_key, priority, status, host, ip, message, source, labels, tier, policy, silenced,
                           count, first_seen_at, last_seen_at, last_problem_seq, resolved_at, resolved_by, resolved_via,
                           flapping_since, flap_cycles, stable_since, stable_until, updated_at)
       SELECT x.id, x.fingerprint, x.dedup_key, x.priority,
              CASE WHEN x.resolved_at IS NULL THEN 'firing' ELSE 'resolved' END::"AlertStatus",
              x.host, x.ip, x.message, x.source, x.labels, x.tier, x.policy, x.silenced, x.count,
              x.first_seen_at, x.last_seen_at, x.last_problem_seq, x.resolved_at, x.resolved_by,
              CASE WHEN x.resolved_at IS NULL THEN NULL ELSE 'source' END::"ActionVia",
              x.flapping_since, x.flap_cycles, x.stable_since, x.stable_until, now()
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, fingerprint text, dedup_key text, priority text, host text, ip text,
              message text, source text, labels jsonb, tier text, policy text, silenced boolean, count int, first_seen_at timestamptz,
              last_seen_at timestamptz, last_problem_seq bigint, resolved_at timestamptz, resolved_by text,
              flapping_since timestamptz, flap_cycles int, stable_since timestamptz, stable_until timestamptz)) WITH ORDINALITY AS x
       ORDER BY x.ordinality`,
      [json(
        plan.newAlerts.map((a) => ({
          id: a.id,
          fingerprint: a.fingerprint,
          dedup_key: a.dedupKey,
          priority: a.priority,
          host: a.host,
          ip: a.ip,
          message: a.message,
          source: a.source,
          labels: a.labels,
          tier: a.tier,
          policy: a.policy,
          silenced: a.silenced,
          count: a.count,
          first_seen_at: a.firstSeenAt,
          last_seen_at: a.lastSeenAt,
          last_problem_seq: a.lastProblemSeq,
          resolved_at: a.resolvedAt,
          resolved_by: a.resolvedBy,
          ...flapColumns(a.flap),
        })),
      )],
  );
  }
  if (plan.events.length > 0) {
    await tx.query(
      `INSERT INTO alert_events (alert_id, at, type, actor, via, detail)
       SELECT x.alert_id, x.at, x.type::"AlertEventType", x.actor, x.via::"ActionVia", x.detail
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (alert_id uuid, at timestamptz, type text, actor text, via text, detail jsonb))
            WITH ORDINALITY AS x
       ORDER BY x.ordinality`,
      [json(plan.events.map((e) => ({ alert_id: e.alertId, at: e.at, type: e.type, actor: e.actor, via: e.via, detail: e.detail })))],
  );
  }
  if (plan.okMemory.length > 0) {
    await tx.query(
      `INSERT INTO fingerprint_states (fingerprint, last_ok_seq, last_ok_at)
       SELECT x.fingerprint, x.last_ok_seq, x.last_ok_at
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, last_ok_seq bigint, last_ok_at timestamptz)
       ON CONFLICT (fingerprint) DO UPDATE SET
         last_ok_seq = GREATEST(fingerprint_states.last_ok_seq, EXCLUDED.last_ok_seq),
         last_ok_at = GREATEST(fingerprint_states.last_ok_at, EXCLUDED.last_ok_at)`,
      [json(plan.okMemory.map((m) => ({ fingerprint: m.fingerprint, last_ok_seq: m.lastOkSeq, last_ok_at: m.lastOkAt })))],
  );
  }
  if (plan.flapMemory.length > 0) {
    await tx.query(
      `INSERT INTO fingerprint_states (fingerprint, last_alert_id, flap_cycles)
       SELECT x.fingerprint, x.last_alert_id, x.flap_cycles
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, last_alert_id uuid, flap_cycles jsonb)
       ON CONFLICT (fingerprint) DO UPDATE SET last_alert_id = EXCLUDED.last_alert_id, flap_cycles = EXCLUDED.flap_cycles`,
      [json(plan.flapMemory.map((m) => ({ fingerprint: m.fingerprint, last_alert_id: m.lastAlertId, flap_cycles: m.cycles.map((d) => d.getTime()) })))],
    );
  }
}
