import { Injectable } from '@nestjs/common';
import { SqlPool } from '../sql-pool.service';

/** Most rows one pruning statement deletes: short statements keep locks and WAL bursts small while triage runs. */
const CHUNK = 5000;

/**
 * Deletes what only needs keeping for a while: applied triage batch ids (they
 * make a retried job a no-op, so they must outlive any retry), the memory of
 * fingerprints long quiet, and expired sessions. Each call deletes in chunks until nothing older is left.
 */
@Injectable()
export class HousekeepingRepository {
  constructor(private readonly sql: SqlPool) {}

  async pruneTriageBatches(processedBefore: Date): Promise<number> {
    return this.inChunks(
      `DELETE FROM triage_batches WHERE id IN (SELECT id FROM triage_batches WHERE processed_at < $1 LIMIT ${CHUNK}) RETURNING 1`,
      [processedBefore],
    );
  }

  /**
   * Per-fingerprint memory (the newest OK, flap history) of fingerprints quiet
   * since `quietSince`: no open alert, no OK since then, and their last alert
   * resolved before then. A fingerprint seen again starts afresh, as a new one.
   */
  async pruneQuietFingerprints(quietSince: Date): Promise<number> {
    return this.inChunks(
      `DELETE FROM fingerprint_states WHERE fingerprint IN (
         SELECT s.fingerprint FROM fingerprint_states AS s LEFT JOIN alerts AS last ON last.id = s.last_alert_id
         WHERE (s.last_ok_at IS NULL OR s.last_ok_at < $1)
           AND (last.id IS NULL OR (last.status = 'resolved' AND last.resolved_at < $1))
           AND NOT EXISTS (SELECT 1 FROM alerts AS a WHERE a.fingerprint = s.fingerprint AND a.status <> 'resolved')
         LIMIT ${CHUNK}) RETURNING 1`,
      [quietSince],
    );
  }

  async pruneExpiredSessions(now: Date): Promise<number> {
    return this.inChunks(`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT ${CHUNK}) RETURNING 1`, [now]);
  }

  private async inChunks(sql: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = (await this.sql.query(sql, params)).length;
      total += deleted;
      if (deleted < CHUNK) return total;
    }
  }
}
