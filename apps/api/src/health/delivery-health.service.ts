import { Injectable } from '@nestjs/common';
import { SqlPool } from '@klaxon/db';

export interface ChannelHealth {
  channel: string;
  /** handed to the provider (sent or delivered) */
  sent: number;
  /** confirmed delivered by the provider (SMS status callbacks) */
  delivered: number;
  /** failed for good, or reported undelivered */
  failed: number;
  /** queued, being sent, or held back (quiet hours, grouping, budget) */
  pending: number;
  lastSentAt: string | null;
  lastError: { at: string; error: string } | null;
}

export interface IntegrationHealth {
  integration: string;
  rejected: number;
  lastRejectedAt: string | null;
}

export interface DeliveryHealth {
  since: string;
  channels: ChannelHealth[];
  integrations: IntegrationHealth[];
}

/**
 * Delivery health per channel over a recent window (SPEC §10 "integration and
 * delivery health"), read straight from the notifications and rejected-input
 * tables: two aggregate queries, for a page people open now and then.
 * Statuses are compared as text, so states added later (such as `held`) need
 * no change here.
 */
@Injectable()
export class DeliveryHealthService {
  constructor(private readonly sql: SqlPool) {}

  async report(since: Date): Promise<DeliveryHealth> {
    const [counts, errors, rejected] = await Promise.all([
      this.sql.query<{ channel: string; sent: string; delivered: string; failed: string; pending: string; last_sent_at: Date | null }>(
        `SELECT channel,
                count(*) FILTER (WHERE status::text IN ('sent', 'delivered')) AS sent,
                count(*) FILTER (WHERE status::text = 'delivered') AS delivered,
                count(*) FILTER (WHERE status::text IN ('failed', 'undelivered')) AS failed,
                count(*) FILTER (WHERE status::text IN ('queued', 'sending', 'held')) AS pending,
                max(updated_at) FILTER (WHERE status::text IN ('sent', 'delivered')) AS last_sent_at
         FROM notifications WHERE created_at >= $1 GROUP BY channel ORDER BY channel`,
        [since],
      ),
      this.sql.query<{ channel: string; error: string; at: Date }>(
        `SELECT DISTINCT ON (channel) channel, error, updated_at AS at
         FROM notifications
         WHERE created_at >= $1 AND status::text IN ('failed', 'undelivered') AND error IS NOT NULL
         ORDER BY channel, updated_at DESC`,
        [since],
      ),
      this.sql.query<{ integration: string; rejected: string; last_rejected_at: Date }>(
        `SELECT integration, count(*) AS rejected, max(received_at) AS last_rejected_at
         FROM rejected_inputs WHERE received_at >= $1 GROUP BY integration ORDER BY integration`,
        [since],
      ),
    ]);
    const lastErrors = new Map(errors.map((e) => [e.channel, { at: e.at.toISOString(), error: e.error }]));
    return {
      since: since.toISOString(),
      channels: counts.map((c) => ({
        channel: c.channel,
        sent: Number(c.sent),
        delivered: Number(c.delivered),
        failed: Number(c.failed),
        pending: Number(c.pending),
        lastSentAt: c.last_sent_at ? c.last_sent_at.toISOString() : null,
        lastError: lastErrors.get(c.channel) ?? null,
      })),
      integrations: rejected.map((r) => ({
        integration: r.integration,
        rejected: Number(r.rejected),
        lastRejectedAt: r.last_rejected_at.toISOString(),
      })),
    };
  }
}
