/**
 * Email over SMTP with nodemailer (SPEC §7), one pooled transport per process.
 *
 * SMTP_URL is nodemailer's connection URL: `smtp://` (plain, upgraded with STARTTLS when the server
 * offers it) or `smtps://` (TLS from the start), optional `user:pass@`, and any transport option as a
 * query parameter (`?requireTLS=true`, `?ignoreTLS=true`, `?tls.rejectUnauthorized=false`, `?pool=…`).
 * One default of our own: plain `smtp://` to a loopback host (127.x, ::1, localhost) does not attempt
 * STARTTLS (`ignoreTLS`), because such a relay's certificate cannot name a loopback address and the
 * traffic never leaves the machine. `?ignoreTLS=false` or `?requireTLS=true` in the URL turns it off;
 * any non-loopback host gets nodemailer's normal behaviour.
 *
 * The Message-ID is derived from the idempotency key, so a retry of a send the server had already
 * accepted carries the same Message-ID (recognisable, and deduplicated by most mail stores).
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { NodemailerError, SMTPPoolOptions, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import { DeliveryError, type DeliveryReceipt, type NotificationChannel, type OutboundMessage } from '../notification-channel';

export type EmailMessage = Extract<OutboundMessage, { kind: 'email' }>;

export const NOTIFICATION_HEADER = 'X-Klaxon-Notification';

export interface SmtpEmailChannelOptions {
  /** SMTP_URL */
  url: string;
  /** EMAIL_FROM, e.g. `Klaxon <klaxon@example.com>` */
  from: string;
  /** connect, greeting and the whole send; default 10 s */
  timeoutMs?: number;
  /** pooled connections; default 5 */
  maxConnections?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Nodemailer codes for a connection that failed rather than a message that was refused. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROXY', 'EABORT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EMAXLIMIT']);

export class SmtpEmailChannel implements NotificationChannel<EmailMessage> {
  readonly kind = 'email' as const;
  private readonly transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  private readonly timeoutMs: number;
  private readonly messageIdDomain: string;

  constructor(private readonly options: SmtpEmailChannelOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transport = nodemailer.createTransport(smtpTransportOptions(options.url, this.timeoutMs, options.maxConnections ?? 5));
    this.messageIdDomain = addressDomain(options.from) ?? 'klaxon.invalid';
  }

  async send(message: EmailMessage): Promise<DeliveryReceipt> {
    const messageId = notificationMessageId(message.idempotencyKey, this.messageIdDomain);
    let info: SMTPPoolSentMessageInfo;
    try {
      info = await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
        headers: { [NOTIFICATION_HEADER]: message.idempotencyKey },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw smtpDeliveryError(err, this.timeoutMs);
    }
    if (info.rejected && info.rejected.length > 0) {
      throw new DeliveryError(`SMTP server rejected the recipient: ${info.response ?? ''}`.trim(), false, 'rejected');
    }
    return { providerId: info.messageId || messageId };
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    this.transport.close();
  }
}

export function smtpTransportOptions(url: string, timeoutMs: number, maxConnections: number): SMTPPoolOptions & { pool: true } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('SMTP_URL is not a URL');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`SMTP_URL must start with smtp:// or smtps://, got ${parsed.protocol}`);
  }
  const query = parsed.searchParams;
  const plainLoopback = parsed.protocol === 'smtp:' && isLoopback(parsed.hostname) && !query.has('requireTLS') && !query.has('ignoreTLS');
  // the URL's own query parameters override these (nodemailer merges the parsed URL last)
  return {
    url,
    pool: true,
    maxConnections,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    ...(plainLoopback ? { secure: false, ignoreTLS: true } : {}),
  };
}

/** `<32 hex of sha256(key)>.klaxon@domain`: stable for one notification, safe for any key. */
export function notificationMessageId(idempotencyKey: string, domain: string): string {
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${hash}.klaxon@${domain}>`;
}

function addressDomain(from: string): string | null {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1] ?? null;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function smtpDeliveryError(err: unknown, timeoutMs: number): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError & { name?: string };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.responseCode === 'number') {
    // RFC 5321: 4yz is transient, 5yz permanent, except 503 (bad sequence: a new connection can succeed)
    const retryable = e.permanent !== undefined ? !e.permanent : !(e.responseCode >= 500 && e.responseCode !== 503);
    return new DeliveryError(`SMTP server refused the email: ${e.response ?? message}`, retryable, String(e.responseCode));
  }
  const code = typeof e.code === 'string' ? e.code : null;
  if (code === 'EABORT' || e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new DeliveryError(`SMTP send did not finish within ${timeoutMs} ms: ${message}`, true, 'ETIMEDOUT');
  }
  if (code && TRANSIENT_CODES.has(code)) {
    return new DeliveryError(`SMTP connection failed: ${message}`, true, e.originalCode ?? code);
  }
  return new DeliveryError(`SMTP send failed: ${message}`, false, code);
}
