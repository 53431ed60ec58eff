import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** How long a released code stays out of use, so a late reply never hits another alert. */
const QUARANTINE_HOURS = 24;

/**
 * Per-phone reply codes (SPEC §9): the lowest number from 1 that the phone
 * does not hold for an open alert and did not hold in the last 24 hours.
 */
@Injectable()
export class ReplyCodeRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The code this phone has for the alert, assigning one on first use. */
  async codeFor(phone: string, alertId: string): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      // One assignment per phone at a time: two pages to one phone must not take the same number.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', `reply-code:${phone}`);
      const held = await tx.$queryRawUnsafe<{ code: number }[]>(
        'SELECT code FROM reply_codes WHERE phone = $1 AND alert_id = $2::uuid AND released_at IS NULL',
        phone,
        alertId,
      );
      if (held[0]) return held[0].code;
      const free = await tx.$queryRawUnsafe<{ code: number }[]>(
        `SELECT min(n)::int AS code FROM generate_series(1, (SELECT count(*) + 1 FROM reply_codes WHERE phone = $1)::int) AS n
         WHERE n NOT IN (SELECT code FROM reply_codes WHERE phone = $1
                         AND (released_at IS NULL OR released_at > now() - make_interval(hours => $2)))`,
        phone,
        QUARANTINE_HOURS,
      );
      const code = free[0]!.code;
      await tx.$executeRawUnsafe('INSERT INTO reply_codes (phone, code, alert_id) VALUES ($1, $2, $3::uuid)', phone, code, alertId);
      return code;
    });
  }

  /** The alert is closed: its codes start their quarantine. */
  async releaseForAlerts(alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.prisma.$executeRawUnsafe(
      'UPDATE reply_codes SET released_at = now() WHERE released_at IS NULL AND alert_id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid)',
      JSON.stringify(alertIds),
    );
  }
}
