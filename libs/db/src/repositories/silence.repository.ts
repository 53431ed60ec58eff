import { Injectable } from '@nestjs/common';
import type { Silence, SilenceMatchers, SilenceOrigin } from '@klaxon/triage';
import { SqlPool } from '../sql-pool.service';
import { pgJson } from './alert.repository';

export interface SilenceDraft {
  matchers: SilenceMatchers;
  startsAt: Date;
  endsAt: Date | null;
  untilAlertId: string | null;
  author: string;
  comment: string;
  origin: SilenceOrigin;
}

const COLUMNS = `id, matchers, starts_at AS "startsAt", ends_at AS "endsAt", until_alert_id AS "untilAlertId",
  author, comment, origin::text AS origin, expired_at AS "expiredAt"`;

/** Silences (SPEC §4). Small table, read whole by triage on every batch. */
@Injectable()
export class SilenceRepository {
  constructor(private readonly sql: SqlPool) {}

  async create(draft: SilenceDraft): Promise<Silence> {
    const rows = await this.sql.query<Silence>(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, until_alert_id, author, comment, origin)
       VALUES (gen_random_uuid(), $1::jsonb, $2, $3, $4::uuid, $5, $6, $7::"ActionVia") RETURNING ${COLUMNS}`,
      [pgJson(draft.matchers), draft.startsAt, draft.endsAt, draft.untilAlertId, draft.author, draft.comment, draft.origin],
    );
    return rows[0]!;
  }

  /** Silences in force at `at` or starting later; with `ended`, also the last week's ended ones. */
  async list(at: Date, ended: boolean): Promise<Silence[]> {
    return this.sql.query<Silence>(
      `SELECT ${COLUMNS} FROM silences
       WHERE (expired_at IS NULL AND (ends_at IS NULL OR ends_at > $1))
          OR ($2 AND created_at > $1::timestamptz - interval '7 days')
       ORDER BY starts_at DESC LIMIT 500`,
      [at, ended],
    );
  }

  /** Those that may silence an alert now or later (not ended, not expired): what triage matches against. */
  async current(at: Date): Promise<Silence[]> {
    return this.sql.query<Silence>(`SELECT ${COLUMNS} FROM silences WHERE expired_at IS NULL AND (ends_at IS NULL OR ends_at > $1)`, [at]);
  }

  async findById(id: string): Promise<Silence | null> {
    const rows = await this.sql.query<Silence>(`SELECT ${COLUMNS} FROM silences WHERE id = $1::uuid`, [id]);
    return rows[0] ?? null;
  }

  /** Ends a silence now; null when unknown, the silence unchanged when it had ended already. */
  async expire(id: string): Promise<Silence | null> {
    const rows = await this.sql.query<Silence>(
      `UPDATE silences SET expired_at = now() WHERE id = $1::uuid AND expired_at IS NULL AND (ends_at IS NULL OR ends_at > now()) RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] ?? (await this.findById(id));
  }

  /** "Silence until OK": these alerts resolved, so their silences end. Returns the ids ended. */
  async expireUntil(alertIds: readonly string[]): Promise<string[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE silences SET expired_at = now() WHERE expired_at IS NULL
         AND until_alert_id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid) RETURNING id`,
      [JSON.stringify(alertIds)],
    );
    return rows.map((r) => r.id);
  }

  /** The alerts this silence holds that still fire. */
  async firingAlertsHeldBy(silenceId: string): Promise<{ id: string; tier: string | null; host: string; ip: string; message: string; priority: string; fingerprint: string }[]> {
    return this.sql.query(
      `SELECT a.id, a.tier, a.host, a.ip, a.message, a.priority, a.fingerprint FROM alerts a
       WHERE a.silenced AND a.status = 'firing'
         AND EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND e.type = 'silenced' AND e.detail->>'silenceId' = $1)`,
      [silenceId],
    );
  }

  /** Firing alerts not silenced yet, for a new silence to hold the ones it matches. */
  async firingUnsilenced(limit = 10_000): Promise<{ id: string; host: string; ip: string; message: string; priority: string; fingerprint: string }[]> {
    return this.sql.query(
      `SELECT id, host, ip, message, priority, fingerprint FROM alerts WHERE status = 'firing' AND NOT silenced ORDER BY first_seen_at DESC LIMIT $1`,
      [limit],
    );
  }

  /** Marks alerts silenced by a silence made for them (from an alert's page or an SMS reply). */
  async silenceAlerts(alertIds: readonly string[], silenceId: string, actor: string, via: SilenceOrigin): Promise<void> {
    if (alertIds.length === 0) return;
    await this.sql.query(
      `WITH changed AS (
         UPDATE alerts SET silenced = true, updated_at = now() WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid) AND NOT silenced RETURNING id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail) SELECT id, 'silenced', $3, $4::"ActionVia", jsonb_build_object('silenceId', $2::text) FROM changed`,
      [JSON.stringify(alertIds), silenceId, actor, via],
    );
  }

  /** Lets alerts page again, with `unsilenced` on their timelines; returns those changed. */
  async unsilence(alertIds: readonly string[], silenceId: string): Promise<string[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.sql.query<{ id: string }>(
      `WITH changed AS (
         UPDATE alerts SET silenced = false, updated_at = now()
         WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid) AND silenced AND status = 'firing' RETURNING id
       ), event AS (
         INSERT INTO alert_events (alert_id, type, detail) SELECT id, 'unsilenced', jsonb_build_object('silenceId', $2::text) FROM changed
       )
       SELECT id FROM changed`,
      [JSON.stringify(alertIds), silenceId],
    );
    return rows.map((r) => r.id);
  }
}
