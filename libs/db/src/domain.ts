/** What repositories take and return; Prisma's own types stay inside libs/db. */

export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';
export type ActionVia = 'sms' | 'voice' | 'web' | 'api' | 'im' | 'email' | 'source';

export interface AlertSummary {
  id: string;
  number: number;
  priority: string;
  status: AlertStatus;
  host: string;
  ip: string;
  message: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  acknowledgedBy: string | null;
  acknowledgedVia: ActionVia | null;
  resolvedBy: string | null;
  resolvedVia: ActionVia | null;
  silenced: boolean;
  tier: string | null;
  policy: string | null;
  source: string;
  fingerprint: string;
  labels: Record<string, string>;
  /** the escalation step paged last and the round it was in; null before the first page */
  escalation: { step: number; round: number } | null;
  /** host-down inhibition: the open host-down alert holding this one's pages, if any */
  inhibitedById?: string | null;
  /** when it was resolved (the paging hot path reads it; not every reader fills it) */
  resolvedAt?: Date | null;
}

export interface TimelineEvent {
  at: Date;
  type: string;
  actor: string | null;
  via: ActionVia | null;
  detail: Record<string, unknown>;
}

export interface NotificationSummary {
  id: string;
  userId: string | null;
  channel: string;
  address: string;
  kind: string;
  status: string;
  providerId: string | null;
  error: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface AlertDetail extends AlertSummary {
  events: TimelineEvent[];
  notifications: NotificationSummary[];
}

export interface AlertListFilter {
  statuses: AlertStatus[];
  priorities: string[];
  q: string | null;
  silenced: boolean | null;
  limit: number;
  /** the number of the last alert of the previous page */
  after: number | null;
}

export interface AlertPage {
  items: AlertSummary[];
  nextCursor: number | null;
}

export interface RejectedInputRecord {
  id: number;
  receivedAt: Date;
  integration: string;
  endpoint: string;
  line: number | null;
  input: string;
  error: string;
}

export interface SessionRecord {
  userId: string;
  expiresAt: Date;
}

/** What happened when someone acted on an alert. */
export type AlertActionResult =
  | { ok: true; alert: AlertSummary }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'already'; alert: AlertSummary };
