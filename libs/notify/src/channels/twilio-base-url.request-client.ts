/**
 * The Twilio SDK's own HTTP client, with two changes: every REST call can go to another base URL
 * (TWILIO_API_BASE_URL, SPEC §7), and plain-http targets get a keep-alive agent too.
 *
 * Twilio 6 has no base-URL option (hosts are fixed to *.twilio.com), so the URL is rewritten here,
 * after the SDK has built the request: the path (`/2010-04-01/Accounts/{sid}/Messages.json`), the
 * form body, basic auth and the user agent stay the SDK's, and so does its error mapping (a 4xx/5xx
 * reply still becomes a RestException with status and code). Shared by the SMS and voice channels.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import twilio from 'twilio';
import type RequestClientBase from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';

export const DEFAULT_TWILIO_TIMEOUT_MS = 10_000;
/**
 * How long an idle kept-alive socket stays open. A P0 that finds one skips the TCP and TLS handshakes.
 * 30 s is the SDK's own default; longer risks reusing a socket the server has just closed (ECONNRESET).
 */
const IDLE_SOCKET_MS = 30_000;

export interface TwilioBaseUrlRequestClientOptions {
  /** e.g. `http://127.0.0.1:4010` or `https://egress.internal/twilio`; unset = Twilio's own hosts */
  apiBaseUrl?: string;
  /** per-request timeout (connect, send, reply); default 10 s */
  timeoutMs?: number;
}

export class TwilioBaseUrlRequestClient extends twilio.RequestClient {
  private readonly base: URL | null;
  private readonly httpAgent: HttpAgent;

  constructor(options: TwilioBaseUrlRequestClientOptions = {}) {
    // The SDK's `timeout` is both the agent's socket idle timeout and the default request timeout;
    // keep idle sockets for IDLE_SOCKET_MS and bound each request by timeoutMs. keepAlive is the SDK's
    // default too, said explicitly because P0 latency depends on it.
    super({ timeout: IDLE_SOCKET_MS, keepAlive: true });
    this.defaultTimeout = options.timeoutMs ?? DEFAULT_TWILIO_TIMEOUT_MS;
    this.base = options.apiBaseUrl ? parseBaseUrl(options.apiBaseUrl) : null;
    // The SDK only configures an https agent; an http:// base (a local stand-in, a sidecar proxy)
    // would otherwise fall back to Node's global agent, outside these limits.
    this.httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, maxSockets: 20, maxFreeSockets: 5 });
    this.axios.defaults.httpAgent = this.httpAgent;
  }

  /** The URL a request for `uri` (an absolute *.twilio.com URL) is sent to. */
  rewrite(uri: string): string {
    if (!this.base) return uri;
    const original = new URL(uri);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return `${this.base.origin}${prefix}${original.pathname}${original.search}`;
  }

  override request<TData>(opts: RequestClientBase.RequestOptions<TData>): Promise<Response<TData>> {
    return super.request({ ...opts, uri: this.rewrite(opts.uri) });
  }

  /** Closes the pooled sockets (idle keep-alive connections would otherwise hold the process open). */
  destroy(): void {
    this.httpAgent.destroy();
    const httpsAgent: unknown = this.axios.defaults.httpsAgent;
    if (httpsAgent instanceof HttpsAgent) httpsAgent.destroy();
  }
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`TWILIO_API_BASE_URL is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`TWILIO_API_BASE_URL must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.search || url.hash) throw new Error('TWILIO_API_BASE_URL must not have a query or fragment');
  return url;
}
