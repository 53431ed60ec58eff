/** The shapes every ingest format is normalised into, before triage. */

export const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const ALERT_STATUSES = ['PROBLEM', 'OK'] as const;
export type AlertLineStatus = (typeof ALERT_STATUSES)[number];

/** One alert as a monitoring system reported it, validated and normalised. */
export interface IncomingAlert {
  priority: Priority;
  status: AlertLineStatus;
  host: string;
  /** IPv4 or IPv6, or '' when the sender gave none */
  ip: string;
  message: string;
  dedupKey?: string;
  labels?: Record<string, string>;
  /** the sender's name for itself; defaults to the integration id */
  source?: string;
  /** Open-Falcon's sixth field: the notification step and the event time (as written, local time) */
  step?: number;
  eventTime?: string;
}

/** A line or item that could not be accepted, and why (error names the problem). */
export interface Rejection {
  /** 1-based line number (text) or item position (JSON array) */
  line: number;
  input: string;
  error: string;
}

export interface ParsedBody {
  alerts: IncomingAlert[];
  rejected: Rejection[];
}

/** Ingest limits (SPEC §2). */
export const INGEST_LIMITS = {
  maxLineBytes: 4 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxAlertsPerRequest: 10_000,
} as const;

/** Thrown when a body holds more alerts than one request may carry (→ 413). */
export class TooManyAlertsError extends Error {
  readonly code = 'too_many_alerts';
  constructor(readonly count: number) {
    super(`the body holds ${count} alerts; at most ${INGEST_LIMITS.maxAlertsPerRequest} per request`);
  }
}
