/**
 * One POST with a deadline, for the HTTP-webhook channels (Slack, the generic webhook, later the other IMs).
 * Node's global fetch (undici) keeps connections alive per origin. Transport failures become
 * DeliveryError here; what an HTTP status means is the channel's call (see httpStatusRetryable).
 */
import { DeliveryError } from '../notification-channel';

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Enough of a reply to explain a failure; the rest is not read. */
const MAX_REPLY_CHARS = 4096;

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
}

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** names the destination in error messages, e.g. "Slack" */
  what: string;
}

/** The URL as a URL, or a permanent DeliveryError (a typo in the config does not get better with retries). */
export function destinationUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeliveryError(`${what} URL is not a URL`, false, 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryError(`${what} URL must be http(s), got ${url.protocol}`, false, 'invalid_url');
  }
  return url;
}

export async function postWithTimeout(options: PostOptions): Promise<HttpReply> {
  const url = destinationUrl(options.url, options.what);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: options.headers,
      body: options.body,
      signal,
      // a webhook that redirects is misconfigured; following it would turn the POST into a GET
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text: text.length > MAX_REPLY_CHARS ? text.slice(0, MAX_REPLY_CHARS) : text };
  } catch (err) {
    throw transportError(err, options, signal.aborted);
  }
}

/** 408, 425, 429 and 5xx can succeed later; other statuses will not. */
export function httpStatusRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Retry-After in seconds (delta-seconds or an HTTP date), when the reply has a usable one. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** A short, single-line excerpt of a reply body for an error message. */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function transportError(err: unknown, options: PostOptions, timedOut: boolean): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (timedOut || (err instanceof Error && err.name === 'TimeoutError')) {
    return new DeliveryError(`${options.what} did not answer within ${options.timeoutMs} ms`, true, 'ETIMEDOUT');
  }
  const code = causeCode(err);
  const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return new DeliveryError(`${options.what} request failed: ${detail}`, true, code ?? 'network_error');
}

/** undici wraps socket errors: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }). */
function causeCode(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return null;
}

/**
 * The receipt of a robot webhook that answers with a JSON code where 0 means
 * sent (DingTalk and WeCom `errcode`, Feishu `code`): any other code, or a
 * reply that is not 2xx, is a DeliveryError, retryable for the provider's
 * rate-limit codes and the usual HTTP statuses.
 */
export function codeReplyReceipt(
  reply: HttpReply,
  provider: { name: string; codeField: string; read: (answer: Record<string, unknown>) => { code: unknown; message: unknown }; retryableCodes: ReadonlySet<number> },
): { providerId: null } {
  const body = reply.text.trim();
  const answer = parseJsonObject(body);
  const read = answer ? provider.read(answer) : { code: null, message: null };
  const code = typeof read.code === 'number' ? read.code : null;
  const message = typeof read.message === 'string' ? read.message : null;
  if (reply.status >= 200 && reply.status < 300 && code === 0) return { providerId: null };

  const retryAfter = reply.status === 429 ? retryAfterSeconds(reply.headers) : null;
  const refused = code !== null && code !== 0;
  const retryable = httpStatusRetryable(reply.status) || (refused && provider.retryableCodes.has(code));
  const detail = refused ? `${provider.codeField} ${code} ${message ?? ''}`.trim() : excerpt(body) || '(empty body)';
  throw new DeliveryError(
    `${provider.name} refused the message: HTTP ${reply.status} ${detail}${retryAfter !== null ? ` (retry after ${retryAfter} s)` : ''}`,
    retryable,
    refused ? String(code) : `http_${reply.status}`,
  );
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
