/**
 * A local HTTP endpoint for webhook-style channels (Slack, the generic webhook, other IMs): records
 * every request with its raw body and answers `200 ok` (what a Slack incoming webhook says) unless
 * told otherwise.
 */
import { waitFor } from '../wait-for';
import { FailureQueue, flatHeaders, listenHttp, preciseNow, readBody, sendReply, type StandInReply } from './http-stand-in';

export interface RecordedWebhookRequest {
  method: string;
  /** path and query */
  path: string;
  /** lower-case names */
  headers: Record<string, string>;
  rawBody: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  json: unknown;
  /** ms since the epoch, sub-millisecond resolution */
  receivedAt: number;
  /** the client's port: the same port on two requests means the connection was kept alive */
  remotePort: number;
}

export interface WebhookStandIn {
  baseUrl: string;
  port: number;
  /** the full URL of a path on the stand-in, e.g. url('/services/T000/B000/XXX') */
  url(path?: string): string;
  requests: RecordedWebhookRequest[];
  /** answer the next n requests with this status and body (default body: empty) */
  failNext(n: number, status?: number, body?: string | object, headers?: Record<string, string>): void;
  /** decide the reply yourself (may be async, e.g. to delay it); undefined = the default `200 ok`; null removes it */
  respondWith(fn: ((req: RecordedWebhookRequest) => StandInReply | undefined | Promise<StandInReply | undefined>) | null): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedWebhookRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookStandIn(options: { defaultReply?: StandInReply } = {}): Promise<WebhookStandIn> {
  const requests: RecordedWebhookRequest[] = [];
  const failures = new FailureQueue();
  const defaultReply = options.defaultReply ?? { status: 200, body: 'ok' };
  let responder: Parameters<WebhookStandIn['respondWith']>[0] = null;

  const http = await listenHttp(async (req, res) => {
    const receivedAt = preciseNow();
    const rawBody = (await readBody(req)).toString('utf8');
    let json: unknown;
    try {
      json = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      json = undefined;
    }
    const recorded: RecordedWebhookRequest = { method: req.method ?? '', path: req.url ?? '', headers: flatHeaders(req), rawBody, json, receivedAt, remotePort: req.socket.remotePort ?? 0 };
    requests.push(recorded);
    const reply = failures.take() ?? (responder ? await responder(recorded) : undefined) ?? defaultReply;
    sendReply(res, reply);
  });

  return {
    baseUrl: http.baseUrl,
    port: http.port,
    url: (path = '/hook') => `${http.baseUrl}${path.startsWith('/') ? path : `/${path}`}`,
    requests,
    failNext(n, status = 500, body = '', headers) {
      failures.push(n, { status, body, ...(headers ? { headers } : {}) });
    },
    respondWith(fn) {
      responder = fn;
    },
    waitForRequests(n, timeoutMs = 5000) {
      return waitFor(() => requests.length >= n && requests.slice(0, n), { timeoutMs, what: `${n} webhook request(s), have ${requests.length}` });
    },
    close: http.close,
  };
}
