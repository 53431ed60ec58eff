import { Injectable } from '@nestjs/common';
import { SqlPool } from '../sql-pool.service';
import { pgJson } from './alert.repository';

/** An open alert as host-down inhibition sees it. */
export interface OpenHostAlert {
  id: string;
  number: number;
  priority: string;
  host: string;
  ip: string;
  message: string;
}

/** An alert as a digest lists it. */
export interface DigestAlert {
  id: string;
  number: number;
  priority: string;
  status: 'firing' | 'acknowledged';
  host: string;
  ip: string;
  message: string;
  count: number;
  firstSeenAt: Date;
}

/**
 * The reads and writes of noise control (SPEC §5) that are not one alert's lifecycle: host-down inhibition
 * (which open alerts share a host or an address; who holds whom) and digests (a policy's open alerts of a tier).
 */
@Injectable()
export class NoiseRepository {
  constructor(private readonly sql: SqlPool) {}

  /**
   * The open alerts (firing or acknowledged) of these hosts (case-insensitive) or addresses, other than
   * `exclude`; only those whose message contains one of `messageSubstrings` (lower case) when given.
   */
  async openAlertsOn(hosts: readonly string[], ips: readonly string[], opts: { exclude?: readonly string[]; messageSubstrings?: readonly string[] | null } = {}): Promise<OpenHostAlert[]> {
    const lowered = [...new Set(hosts.map((h) => h.toLowerCase()))];
    const addresses = [...new Set(ips.filter((ip) => ip !== ''))];
    if (lowered.length === 0 && addresses.length === 0) return [];
    const substrings = opts.messageSubstrings ?? null;
    const rows = await this.sql.query<Omit<OpenHostAlert, 'number'> & { number: string }>(
      `SELECT id, number::text AS number, priority, host, ip, message FROM alerts
       WHERE status <> 'resolved' AND (lower(host) = ANY($1::text[]) OR (ip <> '' AND ip = ANY($2::text[])))
         AND NOT (id = ANY($3::uuid[]))
         AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) AS s WHERE strpos(lower(message), s) > 0))`,
      [lowered, addresses, opts.exclude ?? [], substrings],
    );
    return rows.map((r) => ({ ...r, number: Number(r.number) }));
  }

  /**
   * Attaches an alert to the host-down alert that holds it: `inhibited_by_id` and an `inhibited` event, once
   * (false when it was already held by that alert).
   */
  async inhibit(alertId: string, by: { id: string; number: number }): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(
      `WITH held AS (
         UPDATE alerts SET inhibited_by_id = $2::uuid, updated_at = now()
         WHERE id = $1::uuid AND inhibited_by_id IS DISTINCT FROM $2::uuid RETURNING id
       )
       INSERT INTO alert_events (alert_id, type, detail) SELECT id, 'inhibited', $3::jsonb FROM held RETURNING id`,
      [alertId, by.id, pgJson({ by: by.number, reason: `host down: #${by.number}` })],
    );
    return rows.length > 0;
  }

  /**
   * The host-down alert resolved: lets go of the alerts it held (an `unsilenced`-like note on their
   * timeline says so) and returns those still firing, to be paged now.
   */
  async release(hostDownId: string): Promise<Array<{ id: string; tier: string | null; status: string; silenced: boolean }>> {
    return this.sql.query(
      `WITH freed AS (
         UPDATE alerts SET inhibited_by_id = NULL, updated_at = now()
         WHERE inhibited_by_id = $1::uuid RETURNING id, tier, status::text AS status, silenced
       ), noted AS (
         INSERT INTO alert_events (alert_id, type, detail)
         SELECT id, 'inhibited', jsonb_build_object('released', true, 'reason', 'the host-down alert resolved') FROM freed
       )
       SELECT id, tier, status, silenced FROM freed`,
      [hostDownId],
    );
  }

  /** How many PROBLEM → OK → PROBLEM cycles the alert's flap episode has seen (0 when it is not flapping). */
  async flapCycles(alertId: string): Promise<number> {
    const rows = await this.sql.query<{ cycles: number }>(`SELECT flap_cycles AS cycles FROM alerts WHERE id = $1::uuid`, [alertId]);
    return rows[0]?.cycles ?? 0;
  }

  /** The policies with open alerts of this tier first seen in (since, until]. */
  async policiesWithNewAlerts(tier: string, since: Date, until: Date): Promise<string[]> {
    const rows = await this.sql.query<{ policy: string }>(
      `SELECT DISTINCT policy FROM alerts
       WHERE tier = $1 AND policy IS NOT NULL AND status <> 'resolved' AND NOT silenced AND inhibited_by_id IS NULL AND first_seen_at > $2 AND first_seen_at <= $3`,
      [tier, since, until],
    );
    return rows.map((r) => r.policy);
  }

  /** A policy's open, unsilenced, uninhibited alerts of a tier first seen in (since, until], oldest first. */
  async digestAlerts(tier: string, policy: string, since: Date, until: Date, limit = 200): Promise<DigestAlert[]> {
    const rows = await this.sql.query<Omit<DigestAlert, 'number'> & { number: string }>(
      `SELECT id, number::text AS number, priority, status::text AS status, host, ip, message, count, first_seen_at AS "firstSeenAt"
       FROM alerts
       WHERE tier = $1 AND policy = $2 AND status <> 'resolved' AND NOT silenced AND inhibited_by_id IS NULL AND first_seen_at > $3 AND first_seen_at <= $4
       ORDER BY first_seen_at, number LIMIT $5`,
      [tier, policy, since, until, limit],
    );
    return rows.map((r) => ({ ...r, number: Number(r.number) }));
  }

  /** How many alerts `digestAlerts` would list without its limit, and how many older ones are still open. */
  async digestCounts(tier: string, policy: string, since: Date, until: Date): Promise<{ recent: number; older: number }> {
    const rows = await this.sql.query<{ recent: string; older: string }>(
      `SELECT count(*) FILTER (WHERE first_seen_at > $3 AND first_seen_at <= $4)::text AS recent, count(*) FILTER (WHERE first_seen_at <= $3)::text AS older
       FROM alerts WHERE tier = $1 AND policy = $2 AND status <> 'resolved' AND NOT silenced AND inhibited_by_id IS NULL`,
      [tier, policy, since, until],
    );
    return { recent: Number(rows[0]?.recent ?? 0), older: Number(rows[0]?.older ?? 0) };
  }
}
