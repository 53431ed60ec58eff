import { Injectable } from '@nestjs/common';
import { SqlPool } from '../sql-pool.service';
import type { ActionVia, AlertStatus } from '../domain';

/** An alert as an SMS reply sees it: its global number, its code on the phone (if any) and what an answer shows. */
export interface SmsReplyAlert {
  number: number;
  /** the phone's reply code for the alert; null when the phone holds none */
  code: number | null;
  priority: string;
  status: AlertStatus;
  host: string;
  message: string;
  acknowledgedBy: string | null;
  acknowledgedVia: ActionVia | null;
  resolvedBy: string | null;
  resolvedVia: ActionVia | null;
}

/** How long a released code still finds its alert, to answer "already resolved" instead of "no alert" (the quarantine). */
const RECENT_HOURS = 24;

const ALERT_COLUMNS = `a.number::text AS number, a.priority, a.status::text AS status, a.host, a.message,
  a.acknowledged_by AS "acknowledgedBy", a.acknowledged_via::text AS "acknowledgedVia",
  a.resolved_by AS "resolvedBy", a.resolved_via::text AS "resolvedVia"`;

type Row = Omit<SmsReplyAlert, 'number'> & { number: string };
const toAlert = (row: Row): SmsReplyAlert => ({ ...row, number: Number(row.number), code: row.code === null ? null : Number(row.code) });

/** Reads for inbound SMS replies (SPEC §9): which alert a phone's reply means. */
@Injectable()
export class SmsReplyRepository {
  constructor(private readonly sql: SqlPool) {}

  /**
   * The alert the phone's code means: the one it holds the code for, else the one it held it for most
   * recently within the quarantine (closed since, so the answer can say so). Null when neither.
   */
  async byCode(phone: string, code: number): Promise<SmsReplyAlert | null> {
    const rows = await this.sql.query<Row>(
      `SELECT ${ALERT_COLUMNS}, rc.code FROM reply_codes rc JOIN alerts a ON a.id = rc.alert_id
       WHERE rc.phone = $1 AND rc.code = $2 AND (rc.released_at IS NULL OR rc.released_at > now() - make_interval(hours => $3))
       ORDER BY (rc.released_at IS NULL) DESC, rc.released_at DESC NULLS FIRST, rc.assigned_at DESC
       LIMIT 1`,
      [phone, code, RECENT_HOURS],
    );
    return rows[0] ? toAlert(rows[0]) : null;
  }

  /** An alert by its global number, with the code this phone holds for it, if any. */
  async byNumber(phone: string, number: number): Promise<SmsReplyAlert | null> {
    const rows = await this.sql.query<Row>(
      `SELECT ${ALERT_COLUMNS},
              (SELECT rc.code FROM reply_codes rc WHERE rc.alert_id = a.id AND rc.phone = $1 AND rc.released_at IS NULL LIMIT 1) AS code
       FROM alerts a WHERE a.number = $2`,
      [phone, number],
    );
    return rows[0] ? toAlert(rows[0]) : null;
  }

  /**
   * The last alert sent to the phone: the latest code it still holds, else the alert of the latest
   * page notification to it.
   */
  async last(phone: string): Promise<SmsReplyAlert | null> {
    const held = await this.sql.query<Row>(
      `SELECT ${ALERT_COLUMNS}, rc.code FROM reply_codes rc JOIN alerts a ON a.id = rc.alert_id
       WHERE rc.phone = $1 AND rc.released_at IS NULL
       ORDER BY rc.assigned_at DESC, rc.id DESC LIMIT 1`,
      [phone],
    );
    if (held[0]) return toAlert(held[0]);
    const paged = await this.sql.query<Row>(
      `SELECT ${ALERT_COLUMNS}, NULL::int AS code FROM notifications n JOIN alerts a ON a.id = n.alert_id
       WHERE n.address = $1 AND n.channel = 'sms' AND n.kind = 'page'
       ORDER BY n.created_at DESC LIMIT 1`,
      [phone],
    );
    return paged[0] ? toAlert(paged[0]) : null;
  }

  /** The open alerts the phone holds a code for, by code. */
  async openHeld(phone: string): Promise<SmsReplyAlert[]> {
    const rows = await this.sql.query<Row>(
      `SELECT ${ALERT_COLUMNS}, rc.code FROM reply_codes rc JOIN alerts a ON a.id = rc.alert_id
       WHERE rc.phone = $1 AND rc.released_at IS NULL AND a.status <> 'resolved'
       ORDER BY rc.code`,
      [phone],
    );
    return rows.map(toAlert);
  }
}
