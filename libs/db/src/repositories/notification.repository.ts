import { Injectable } from '@nestjs/common';
import { SqlPool } from '../sql-pool.service';
import { pgJson } from './alert.repository';

export type NotificationKind = 'page' | 'recovery' | 'flapping' | 'digest';

/** A notification to create; `key` makes creating it again a no-op (one send per key). */
export interface NotificationDraft {
  key: string;
  alertId: string;
  userId: string | null;
  channel: string;
  /** phone, email or IM destination id; masked wherever it is logged */
  address: string;
  kind: NotificationKind;
  /** what the channel needs beyond the address (IM mention, reply code, step) */
  meta: Record<string, unknown>;
}

export interface NotificationRecord extends NotificationDraft {
  id: string;
  status: string;
  attempts: number;
  providerId: string | null;
  error: string | null;
  createdAt: Date;
}

/** The record's columns, optionally qualified by a table alias (`n.`). */
const columnsOf = (t = ''): string => `${t}id, ${t}key, ${t}alert_id AS "alertId", ${t}user_id AS "userId", ${t}channel, ${t}address, ${t}kind,
  ${t}status::text AS status, ${t}attempts, ${t}provider_id AS "providerId", ${t}error, ${t}meta, ${t}created_at AS "createdAt"`;
const COLUMNS = columnsOf();

/**
 * A claimed send that never reported back (its worker died) may be claimed again after this long: three
 * times the providers' 10 s request timeout, so a live sender is done by then. The taker asks the provider
 * first whether the message went out (DeliveryService.acceptedByProvider), so a page is neither lost nor,
 * where the provider can be asked, sent twice.
 */
const STALE_SENDING_SECONDS = 30;

/**
 * Notifications are the unit of idempotency for paging: created once per key,
 * claimed before each attempt, so a retried job never sends what was sent.
 */
@Injectable()
export class NotificationRepository {
  constructor(private readonly sql: SqlPool) {}

  /** Creates the drafts that do not exist yet and returns all of them, existing ones included (one round trip). */
  async createMany(drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]> {
    if (drafts.length === 0) return [];
    const rows = pgJson(
      drafts.map((d) => ({ key: d.key, alert_id: d.alertId, user_id: d.userId, channel: d.channel, address: d.address, kind: d.kind, meta: d.meta })),
    );
    // DO UPDATE (a no-op write) rather than DO NOTHING, so RETURNING gives the existing rows too
    return this.sql.query<NotificationRecord>(
      `INSERT INTO notifications (id, key, alert_id, user_id, channel, address, kind, meta, updated_at)
       SELECT gen_random_uuid(), x.key, x.alert_id, x.user_id, x.channel, x.address, x.kind, x.meta, now()
       FROM jsonb_to_recordset($1::jsonb) AS x(key text, alert_id uuid, user_id text, channel text, address text, kind text, meta jsonb)
       ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
       RETURNING ${COLUMNS}`,
      [rows],
    );
  }

  /** For a notification still `sending`: how long until its claim is stale and may be taken over (ms, 0 if it is); null otherwise. */
  async msUntilClaimStale(id: string): Promise<number | null> {
    const rows = await this.sql.query<{ ms: number }>(
      `SELECT greatest(0, extract(epoch FROM updated_at + make_interval(secs => $2) - now()) * 1000)::float8 AS ms
       FROM notifications WHERE id = $1::uuid AND status = 'sending'`,
      [id, STALE_SENDING_SECONDS],
    );
    return rows[0]?.ms ?? null;
  }

  async findById(id: string): Promise<NotificationRecord | null> {
    const rows = await this.sql.query<NotificationRecord>(`SELECT ${COLUMNS} FROM notifications WHERE id = $1::uuid`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Takes a notification for one attempt: only a queued one (or one whose
   * sender vanished mid-attempt) can be claimed, so two workers, or a retry
   * after a success, never send it twice.
   */
  async claim(id: string, opts: { takeOver?: boolean } = {}): Promise<NotificationRecord | null> {
    // takeOver: the caller knows its own earlier attempt was interrupted, so the claim is not someone else's
    const rows = await this.sql.query<NotificationRecord>(
      `UPDATE notifications SET status = 'sending', attempts = attempts + 1, updated_at = now()
       WHERE id = $1::uuid AND (status = 'queued' OR (status = 'sending' AND ($3 OR updated_at < now() - make_interval(secs => $2))))
       RETURNING ${COLUMNS}`,
      [id, STALE_SENDING_SECONDS, opts.takeOver === true],
    );
    return rows[0] ?? null;
  }

  /** The provider took it: mark it sent and put `notified` on the alert's timeline, in one statement. */
  async markSent(record: NotificationRecord, providerId: string | null, detail: Record<string, unknown>): Promise<void> {
    await this.sql.query(
      `WITH sent AS (
         UPDATE notifications SET status = 'sent', provider_id = $2, error = NULL, release_at = NULL, updated_at = now() WHERE id = $1::uuid RETURNING alert_id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail) SELECT alert_id, 'notified', $3, $4::"ActionVia", $5::jsonb FROM sent`,
      [record.id, providerId, record.userId, viaOf(record.channel), pgJson(detail)],
    );
  }

  /** Not sent because it is no longer needed (the alert was acknowledged or resolved meanwhile). */
  async markSkipped(id: string, reason: string): Promise<void> {
    await this.sql.query(`UPDATE notifications SET status = 'skipped', error = $2, release_at = NULL, updated_at = now() WHERE id = $1::uuid`, [id, reason]);
  }

  /** A retryable failure: back to queued, to be claimed by the retry job. */
  async release(id: string, error: string, opts: { uncount?: boolean } = {}): Promise<void> {
    await this.sql.query(
      `UPDATE notifications SET status = 'queued', error = $2, release_at = NULL, updated_at = now(),
         attempts = CASE WHEN $3 THEN greatest(attempts - 1, 0) ELSE attempts END
       WHERE id = $1::uuid AND status = 'sending'`,
      [id, error, opts.uncount === true],
    );
  }

  /** A final failure, and `failed` on the timeline, in one statement. */
  async markFailed(record: NotificationRecord, error: string, detail: Record<string, unknown>): Promise<void> {
    await this.sql.query(
      `WITH failed AS (
         UPDATE notifications SET status = 'failed', error = $2, release_at = NULL, updated_at = now() WHERE id = $1::uuid RETURNING alert_id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail) SELECT alert_id, 'failed', $3, $4::"ActionVia", $5::jsonb FROM failed`,
      [record.id, error, record.userId, viaOf(record.channel), pgJson({ ...detail, error })],
    );
  }

  /**
   * Holds notifications back until `releaseAt` (quiet hours, a grouping window, the SMS budget, a rate
   * limit, a retry's backoff). Only one not yet sent (queued, claimed, or held) can be held. Waiting is not
   * an attempt: a claimed one gets its attempt back unless `countAttempt` (a failed try waiting to retry).
   */
  async hold(ids: readonly string[], releaseAt: Date, reason: string, opts: { countAttempt?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `UPDATE notifications SET status = 'held', release_at = $2, error = $3, updated_at = now(),
         attempts = CASE WHEN status = 'sending' AND NOT $4 THEN greatest(attempts - 1, 0) ELSE attempts END
       WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'sending', 'held')`,
      [ids, releaseAt, reason, opts.countAttempt === true],
    );
  }

  /**
   * Claims the held notifications of one destination that are due (release_at up to `now` plus a little
   * slack, so one flush takes what a timer a few ms early would leave), oldest first, for one attempt at
   * sending them together. Two flushes racing take disjoint sets. A claimed one keeps its release_at until
   * it is sent, failed or skipped, so a flush whose worker died is taken again once its claim is stale.
   */
  async takeHeld(channel: string, address: string, now: Date, limit = 5000, takeOver: readonly string[] = []): Promise<NotificationRecord[]> {
    return this.sql.query<NotificationRecord>(
      `WITH due AS (
         SELECT n.id FROM notifications n
         WHERE n.channel = $1 AND n.address = $2 AND n.release_at IS NOT NULL
           AND n.release_at <= $3::timestamptz + interval '250 milliseconds'
           AND (n.status = 'held' OR (n.status = 'sending' AND (n.updated_at < now() - make_interval(secs => $5) OR n.id = ANY($6::uuid[]))))
         ORDER BY n.release_at, n.created_at
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1, updated_at = now()
       FROM due WHERE n.id = due.id
       RETURNING ${columnsOf('n.')}`,
      [channel, address, now, limit, STALE_SENDING_SECONDS, takeOver],
    );
  }

  /**
   * When this destination next needs a flush, if ever: its earliest held notification, or, for one claimed
   * by a flush that never finished (its worker died), the moment that claim goes stale.
   */
  async nextHeldAt(channel: string, address: string): Promise<Date | null> {
    const rows = await this.sql.query<{ at: Date | null }>(
      `SELECT min(CASE WHEN status = 'held' THEN release_at ELSE updated_at + make_interval(secs => $3) END) AS at
       FROM notifications WHERE channel = $1 AND address = $2 AND release_at IS NOT NULL AND status IN ('held', 'sending')`,
      [channel, address, STALE_SENDING_SECONDS],
    );
    return rows[0]?.at ?? null;
  }

  /** One message carried these notifications: all sent, each with `notified` on its alert's timeline. */
  async markSentTogether(records: readonly NotificationRecord[], providerId: string | null, detail: Record<string, unknown>): Promise<void> {
    if (records.length === 0) return;
    const [first] = records;
    await this.sql.query(
      `WITH sent AS (
         UPDATE notifications SET status = 'sent', provider_id = $2, error = NULL, release_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) RETURNING alert_id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail) SELECT alert_id, 'notified', $3, $4::"ActionVia", $5::jsonb FROM sent`,
      [records.map((r) => r.id), providerId, first?.userId ?? null, viaOf(first?.channel ?? ''), pgJson(detail)],
    );
  }

  /** One message carrying these failed for good: all failed, with `failed` on each alert's timeline. */
  async markFailedTogether(records: readonly NotificationRecord[], error: string, detail: Record<string, unknown>): Promise<void> {
    if (records.length === 0) return;
    const [first] = records;
    await this.sql.query(
      `WITH failed AS (
         UPDATE notifications SET status = 'failed', error = $2, release_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) RETURNING alert_id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail) SELECT alert_id, 'failed', $3, $4::"ActionVia", $5::jsonb FROM failed`,
      [records.map((r) => r.id), error, first?.userId ?? null, viaOf(first?.channel ?? ''), pgJson({ ...detail, error })],
    );
  }

  /** Not sent, no longer needed (the alert was acknowledged, resolved, silenced or inhibited meanwhile). */
  async markSkippedMany(ids: readonly string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(`UPDATE notifications SET status = 'skipped', error = $2, release_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`, [ids, reason]);
  }

  /** The notification the provider knows by this id (Twilio's message SID), if any. */
  async findByProviderId(providerId: string): Promise<NotificationRecord | null> {
    const rows = await this.sql.query<NotificationRecord>(`SELECT ${COLUMNS} FROM notifications WHERE provider_id = $1 ORDER BY created_at LIMIT 1`, [providerId]);
    return rows[0] ?? null;
  }

  /**
   * The provider's final word on a sent notification (delivery status callback): `delivered`, or
   * `undelivered` / `failed` with its error, and the matching timeline event (`delivered` or `failed`), in
   * one statement. Only a notification still `sent` changes, so a repeated callback adds nothing: false then.
   */
  async recordDeliveryStatus(
    record: NotificationRecord,
    status: 'delivered' | 'undelivered' | 'failed',
    error: string | null,
    detail: Record<string, unknown>,
  ): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(
      `WITH changed AS (
         UPDATE notifications SET status = $2::"NotificationStatus", error = COALESCE($3, error), updated_at = now()
         WHERE id = $1::uuid AND status = 'sent' RETURNING alert_id
       )
       INSERT INTO alert_events (alert_id, type, actor, via, detail)
       SELECT alert_id, $4::"AlertEventType", $5, $6::"ActionVia", $7::jsonb FROM changed RETURNING id`,
      [record.id, status, error, status === 'delivered' ? 'delivered' : 'failed', record.userId, viaOf(record.channel), pgJson(detail)],
    );
    return rows.length > 0;
  }

  /** Every page of this alert that reached its provider: who gets the recovery notice, and how. */
  async deliveredPages(alertId: string): Promise<NotificationRecord[]> {
    return this.sql.query<NotificationRecord>(
      `SELECT ${COLUMNS} FROM notifications WHERE alert_id = $1::uuid AND kind = 'page' AND status IN ('sent', 'delivered') ORDER BY created_at`,
      [alertId],
    );
  }

  /** Keys already used for this alert (fallback picks a method not tried yet). */
  async keysFor(alertId: string): Promise<Set<string>> {
    const rows = await this.sql.query<{ key: string }>(`SELECT key FROM notifications WHERE alert_id = $1::uuid`, [alertId]);
    return new Set(rows.map((r) => r.key));
  }
}

/** The timeline's `via` for a channel: IM providers are all `im`. */
export function viaOf(channel: string): 'sms' | 'voice' | 'email' | 'im' {
  return channel === 'sms' || channel === 'voice' || channel === 'email' ? channel : 'im';
}
