/**
 * The generic JSON webhook: a stable, versioned document any receiver can rely on, optionally signed.
 *
 *   POST <url>
 *   Content-Type: application/json
 *   X-Klaxon-Timestamp: <unix seconds>
 *   X-Klaxon-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>   (when a secret is set)
 *   X-Klaxon-Idempotency-Key: <key>   (the same on every retry of one notification)
 *
 * Any 2xx is success. The document's shape is a contract with receivers: add optional fields only,
 * and bump `version` for anything else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeliveryError, type AlertMessage, type DeliveryReceipt, type NotificationChannel } from '../notification-channel';
import type { ImMessage } from './alert-text';
import { DEFAULT_HTTP_TIMEOUT_MS, excerpt, httpStatusRetryable, postWithTimeout, retryAfterSeconds } from './http-post';

export type WebhookMessage = ImMessage & { kind: 'webhook' };

export const WEBHOOK_HEADERS = {
  timestamp: 'x-klaxon-timestamp',
  signature: 'x-klaxon-signature',
  idempotencyKey: 'x-klaxon-idempotency-key',
} as const;

export interface WebhookDocument {
  version: 1;
  event: 'alert.problem' | 'alert.ok';
  alert: {
    number: number;
    priority: string;
    status: 'PROBLEM' | 'OK';
    host: string;
    ip: string;
    message: string;
    count: number;
    /** ISO 8601, UTC */
    firstSeenAt: string;
    url?: string;
  };
  idempotencyKey: string;
  /** ISO 8601, UTC */
  sentAt: string;
}

export interface WebhookChannelOptions {
  /** per request; default 10 s */
  timeoutMs?: number;
  /** for tests */
  now?: () => Date;
}

export class WebhookChannel implements NotificationChannel<WebhookMessage> {
  readonly kind = 'webhook' as const;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(options: WebhookChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
  }

  async send(message: WebhookMessage): Promise<DeliveryReceipt> {
    const sentAt = this.now();
    const rawBody = JSON.stringify(webhookDocument(message.alert, message.idempotencyKey, sentAt));
    const timestamp = String(Math.floor(sentAt.getTime() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Klaxon-Webhook/1',
      [WEBHOOK_HEADERS.timestamp]: timestamp,
      [WEBHOOK_HEADERS.idempotencyKey]: message.idempotencyKey,
    };
    if (message.secret) headers[WEBHOOK_HEADERS.signature] = signWebhook(message.secret, timestamp, rawBody);

    const reply = await postWithTimeout({ url: message.url, body: rawBody, headers, timeoutMs: this.timeoutMs, what: 'Webhook' });
    if (reply.status >= 200 && reply.status < 300) return { providerId: null };
    const retryAfter = reply.status === 429 ? retryAfterSeconds(reply.headers) : null;
    throw new DeliveryError(
      `Webhook answered HTTP ${reply.status}${reply.text ? `: ${excerpt(reply.text)}` : ''}${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}`,
      httpStatusRetryable(reply.status),
      `http_${reply.status}`,
    );
  }
}

export function webhookDocument(alert: AlertMessage, idempotencyKey: string, sentAt: Date): WebhookDocument {
  return {
    version: 1,
    event: alert.status === 'OK' ? 'alert.ok' : 'alert.problem',
    alert: {
      number: alert.number,
      priority: alert.priority,
      status: alert.status,
      host: alert.host,
      ip: alert.ip,
      message: alert.message,
      count: alert.count,
      firstSeenAt: alert.firstSeenAt.toISOString(),
      ...(alert.url ? { url: alert.url } : {}),
    },
    idempotencyKey,
    sentAt: sentAt.toISOString(),
  };
}

/** `sha256=<hex>` over `timestamp + "." + rawBody`. */
export function signWebhook(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * For receivers and tests: true when `header` holds a valid signature of exactly this raw body and
 * timestamp, and the timestamp is within `toleranceSeconds` of now (replays of old deliveries fail).
 * `header` may list several signatures separated by commas (e.g. while a secret is rotated).
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  rawBody: string | Buffer,
  header: string | null | undefined,
  toleranceSeconds = 300,
  nowSeconds = Date.now() / 1000,
): boolean {
  if (!secret || header == null || timestamp == null) return false;
  const ts = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, rawBody), 'utf8');
  let valid = false;
  for (const candidate of header.split(',')) {
    const given = Buffer.from(candidate.trim(), 'utf8');
    // compare every candidate, so the time taken does not say which one matched
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
