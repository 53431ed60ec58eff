import { Injectable } from '@nestjs/common';
import { SqlPool } from '../sql-pool.service';

/** How long a released code stays out of use, so a late reply never hits another alert. */
const QUARANTINE_HOURS = 24;

/**
 * Per-phone reply codes (SPEC §9): the lowest number from 1 that the phone
 * does not hold for an open alert and did not hold in the last 24 hours.
 */
@Injectable()
export class ReplyCodeRepository {
  constructor(private readonly sql: SqlPool) {}

  /**
   * The code this phone has for the alert, assigning one on first use. A
   * storm pages one phone about many alerts at once: assignments for one
   * phone take turns (a transaction-level advisory lock), so each sees the
   * others' numbers; the partial unique index is the last guard.
   */
  async codeFor(phone: string, alertId: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`reply-code:${phone}`]);
      const rows = await tx.query<{ code: number }>(
        `WITH held AS (
           SELECT code FROM reply_codes WHERE phone = $1 AND alert_id = $2::uuid AND released_at IS NULL
         ), taken AS (
           SELECT code FROM reply_codes WHERE phone = $1 AND (released_at IS NULL OR released_at > now() - make_interval(hours => $3))
         ), assigned AS (
           INSERT INTO reply_codes (phone, code, alert_id)
           SELECT $1, free.code, $2::uuid
           FROM (SELECT min(n) AS code FROM generate_series(1, (SELECT count(*) + 1 FROM taken)::int) AS n
                 WHERE n NOT IN (SELECT code FROM taken)) AS free
           WHERE NOT EXISTS (SELECT 1 FROM held)
           RETURNING code
         )
         SELECT code FROM held UNION ALL SELECT code FROM assigned`,
        [phone, alertId, QUARANTINE_HOURS],
      );
      if (!rows[0]) throw new Error(`could not assign a reply code for alert ${alertId}`);
      return rows[0].code;
    });
  }

  /** The alert is closed: its codes start their quarantine. */
  async releaseForAlerts(alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.sql.query(
      'UPDATE reply_codes SET released_at = now() WHERE released_at IS NULL AND alert_id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid)',
      [JSON.stringify(alertIds)],
    );
  }
}
