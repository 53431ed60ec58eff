import { Injectable } from '@nestjs/common';
import type { QueuedRejection } from '@klaxon/queue';
import type { OpenAlertSnapshot, TriageOutcome, TriagePlan, TriageState } from '@klaxon/triage';
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
 * retry, so they become U+FFFD here, whatever got past the parsers.
 */
export const pgJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.toWellFormed().replaceAll('\u0000', '\uFFFD') : v));
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
        return { applied: false, outcome: rows[0]!.outcome };
      }
      if (rejected.length > 0) await insertRejected(tx, rejected);
      const distinct = [...new Set(fingerprints)];
      const triagePlan = plan(distinct.length > 0 ? await lockAndLoad(tx, distinct) : { open: new Map(), lastOk: new Map() });
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
         UPDATE alerts SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolved_via = $3::"ActionVia", updated_at = now()
         WHERE number = $1 AND status <> 'resolved' RETURNING id
       ), event AS (
         INSERT INTO alert_events (alert_id, type, actor, via) SELECT id, 'resolved', $2, $3::"ActionVia" FROM changed
       )
       SELECT id FROM changed`,
      [number, actor, via],
    );
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
    const rows = await this.sql.query<Omit<AlertSummary, 'number' | 'escalation'> & { number: string; escalationStep: number | null; escalationRound: number }>(
      `SELECT id, number::text AS number, priority, status::text AS status, host, ip, message, count,
              first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", acknowledged_by AS "acknowledgedBy",
              acknowledged_via::text AS "acknowledgedVia", resolved_by AS "resolvedBy", resolved_via::text AS "resolvedVia",
              silenced, tier, policy, source, fingerprint, labels, escalation_step AS "escalationStep", escalation_round AS "escalationRound"
       FROM alerts WHERE id = $1::uuid`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const { escalationStep, escalationRound, ...rest } = row;
    return { ...rest, number: Number(row.number), escalation: escalationStep === null ? null : { step: escalationStep, round: escalationRound } };
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
  const open = await tx.query<{ id: string; fingerprint: string; priority: Priority; tier: string | null; last_problem_seq: string }>(
    `SELECT id, fingerprint, priority, tier, last_problem_seq FROM alerts
     WHERE status <> 'resolved' AND fingerprint IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [list],
  );
  const oks = await tx.query<{ fingerprint: string; last_ok_seq: string; last_ok_at: Date }>(
    `SELECT fingerprint, last_ok_seq, last_ok_at FROM fingerprint_states WHERE fingerprint IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [list],
  );
  return {
    open: new Map(
      open.map((r): [string, OpenAlertSnapshot] => [
        r.fingerprint,
        { id: r.id, fingerprint: r.fingerprint, priority: r.priority, tier: r.tier, lastProblemSeq: Number(r.last_problem_seq) },
      ]),
    ),
    lastOk: new Map(oks.map((r) => [r.fingerprint, { seq: Number(r.last_ok_seq), at: r.last_ok_at }])),
  };
}

async function writePlan(tx: Tx, plan: TriagePlan): Promise<void> {
  if (plan.newAlerts.length > 0) {
    await tx.query(
      `INSERT INTO alerts (id, fingerprint, dedup_key, priority, status, host, ip, message, source, labels, tier, policy, silenced,
                           count, first_seen_at, last_seen_at, last_problem_seq, resolved_at, resolved_by, resolved_via, updated_at)
       SELECT x.id, x.fingerprint, x.dedup_key, x.priority,
              CASE WHEN x.resolved_at IS NULL THEN 'firing' ELSE 'resolved' END::"AlertStatus",
              x.host, x.ip, x.message, x.source, x.labels, x.tier, x.policy, x.silenced, x.count,
              x.first_seen_at, x.last_seen_at, x.last_problem_seq, x.resolved_at, x.resolved_by,
              CASE WHEN x.resolved_at IS NULL THEN NULL ELSE 'source' END::"ActionVia", now()
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, fingerprint text, dedup_key text, priority text, host text, ip text,
              message text, source text, labels jsonb, tier text, policy text, silenced boolean, count int, first_seen_at timestamptz,
              last_seen_at timestamptz, last_problem_seq bigint, resolved_at timestamptz, resolved_by text)) WITH ORDINALITY AS x
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
        })),
      )],
  );
  }
  if (plan.updates.length > 0) {
    await tx.query(
      `UPDATE alerts AS a SET
         count = a.count + x.count_delta,
         last_seen_at = GREATEST(a.last_seen_at, x.last_seen_at),
         last_problem_seq = GREATEST(a.last_problem_seq, x.last_problem_seq),
         priority = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.priority ELSE a.priority END,
         tier = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.tier ELSE a.tier END,
         policy = CASE WHEN x.priority IS NOT NULL AND x.priority < a.priority THEN x.policy ELSE a.policy END,
         status = CASE WHEN x.resolved_at IS NULL THEN a.status ELSE 'resolved' END::"AlertStatus",
         resolved_at = COALESCE(x.resolved_at, a.resolved_at),
         resolved_by = COALESCE(x.resolved_by, a.resolved_by),
         resolved_via = CASE WHEN x.resolved_at IS NULL THEN a.resolved_via ELSE 'source' END::"ActionVia",
         updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, count_delta int, last_seen_at timestamptz, last_problem_seq bigint,
              priority text, tier text, policy text, resolved_at timestamptz, resolved_by text)
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
}
