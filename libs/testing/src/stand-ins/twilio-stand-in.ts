/**
 * A local stand-in for Twilio's REST API, for tests that point TWILIO_API_BASE_URL at it so the real
 * SDK builds the real requests. It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
 * like Twilio (201 with a Message resource, sid `SM` + 32 hex, status `queued`), `GET …/Messages.json`
 * (the accepted messages, newest first, filtered by `To` and `From`, in pages of `PageSize` numbered by
 * `Page`, with `next_page_uri`) and `POST …/Calls.json` (201 with a Call resource, sid `CA` + 32 hex)
 * after checking HTTP basic auth, and records every request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { waitFor } from '../wait-for';
import { FailureQueue, flatHeaders, listenHttp, preciseNow, readBody, sendReply, type StandInReply } from './http-stand-in';

export interface RecordedTwilioRequest {
  method: string;
  /** path and query, e.g. `/2010-04-01/Accounts/AC…/Messages.json` */
  path: string;
  headers: Record<string, string>;
  /** the decoded form body (a repeated parameter keeps its last value; `rawBody` has them all) */
  form: Record<string, string>;
  rawBody: string;
  /** the basic-auth user and password, when given */
  authUser: string | null;
  authPassword: string | null;
  /** when the request arrived: ms since the epoch, sub-millisecond resolution (performance.timeOrigin + now()) */
  receivedAt: number;
  /** the client's port: the same port on two requests means the connection was kept alive */
  remotePort: number;
  /**
   * when the client closed the connection before it had a reply (it gave up waiting: a timeout), in the
   * same clock as receivedAt; null while it waits or once it was answered
   */
  abandonedAt: number | null;
}

export interface RecordedMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  authUser: string | null;
  /** every form field as sent */
  params: Record<string, string>;
  receivedAt: number;
}

/** A call Twilio accepted (POST …/Calls.json answered 201). */
export interface RecordedCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  /** the TwiML URL Twilio would fetch when the call is answered, or null with inline Twiml */
  url: string | null;
  twiml: string | null;
  statusCallback: string | null;
  authUser: string | null;
  params: Record<string, string>;
  receivedAt: number;
}

export interface TwilioStandInOptions {
  /** when set, the basic-auth password must equal it (otherwise any password is accepted) */
  authToken?: string;
}

export interface TwilioStandIn {
  baseUrl: string;
  port: number;
  /** messages accepted: answered 201, or taken and their answer held (acceptThenHoldNext) */
  messages: RecordedMessage[];
  /** calls accepted: answered 201, or taken and their answer held */
  calls: RecordedCall[];
  /** every request, including refused ones */
  requests: RecordedTwilioRequest[];
  /** answer the next n POST requests with `status` and a Twilio-shaped error body (or `body`); GETs are answered as usual */
  failNext(n: number, status?: number, body?: string | object): void;
  /**
   * Decide the reply yourself (may be async, e.g. to delay it); return undefined for the normal
   * handling. Pass null to remove it.
   */
  respondWith(fn: ((req: RecordedTwilioRequest) => StandInReply | undefined | Promise<StandInReply | undefined>) | null): void;
  /**
   * Hang: hold the reply to the next n POST requests for `ms`, like a Twilio that accepted the connection and
   * stopped answering. A client that gives up meanwhile (closes the connection) gets nothing and nothing is
   * recorded as sent (`abandonedAt` says when it left); one that waits gets `reply` after `ms`, or the normal
   * handling without one. Taken after failNext's failures, before respondWith.
   */
  holdNext(n: number, ms: number, reply?: StandInReply): void;
  /**
   * Accept, then hang: the next n POST requests are handled as usual (a message or call is recorded as
   * accepted, as Twilio would have it), but the reply is held for `ms`, so a client that gives up meanwhile
   * never learns its SID. Taken after failNext's failures, before holdNext.
   */
  acceptThenHoldNext(n: number, ms: number): void;
  waitForMessages(n: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  waitForCalls(n: number, timeoutMs?: number): Promise<RecordedCall[]>;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const CALLS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;

export async function startTwilioStandIn(options: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
  const messages: RecordedMessage[] = [];
  const calls: RecordedCall[] = [];
  const requests: RecordedTwilioRequest[] = [];
  const failures = new FailureQueue();
  const holds: { remaining: number; ms: number; reply: StandInReply | undefined }[] = [];
  const acceptedHolds: { remaining: number; ms: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let responder: Parameters<TwilioStandIn['respondWith']>[0] = null;

  const http = await listenHttp(async (req, res) => {
    const receivedAt = preciseNow();
    const rawBody = (await readBody(req)).toString('utf8');
    const { user, password } = basicAuth(req);
    const form = isForm(req) ? Object.fromEntries(new URLSearchParams(rawBody)) : {};
    const recorded: RecordedTwilioRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: flatHeaders(req),
      form,
      rawBody,
      authUser: user,
      authPassword: password,
      receivedAt,
      remotePort: req.socket.remotePort ?? 0,
      abandonedAt: null,
    };
    requests.push(recorded);
    res.once('close', () => {
      if (!res.writableFinished) recorded.abandonedAt = preciseNow();
    });

    // failures and holds are for requests that send (POST); a lookup (GET) is answered as Twilio would
    const sending = recorded.method === 'POST';
    const failure = sending ? failures.take() : undefined;
    if (failure) return sendReply(res, failure);
    const acceptedHold = sending ? acceptedHolds[0] : undefined;
    if (acceptedHold) {
      if (--acceptedHold.remaining <= 0) acceptedHolds.shift();
      const reply = handle(recorded, user, password);
      await holdReply(res, acceptedHold.ms);
      if (recorded.abandonedAt !== null || res.destroyed) return;
      return sendReply(res, reply);
    }
    const hold = sending ? holds[0] : undefined;
    if (hold) {
      if (--hold.remaining <= 0) holds.shift();
      await holdReply(res, hold.ms);
      if (recorded.abandonedAt !== null || res.destroyed) return;
      if (hold.reply) return sendReply(res, hold.reply);
    }
    const forced = responder ? await responder(recorded) : undefined;
    if (forced) return sendReply(res, forced);
    sendReply(res, handle(recorded, user, password));
  });

  /** Waits `ms`, or until the client leaves. */
  function holdReply(res: ServerResponse, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        timers.delete(timer);
        res.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timers.add(timer);
      res.once('close', done);
    });
  }

  /** Twilio's own handling of a request: the reply, with an accepted message or call recorded. */
  function handle(recorded: RecordedTwilioRequest, user: string | null, password: string | null): StandInReply {
    const { form, receivedAt } = recorded;
    const url = new URL(recorded.path, 'http://stand-in');
    const pathname = url.pathname;
    const authorized = (accountSid: string) =>
      user === accountSid && password !== null && (options.authToken === undefined || password === options.authToken);
    const callMatch = CALLS_PATH.exec(pathname);
    if (callMatch && recorded.method === 'POST') {
      const accountSid = decodeURIComponent(callMatch[1] ?? '');
      if (!authorized(accountSid)) return twilioError(401, 20003, 'Authenticate');
      if (!form.To) return twilioError(400, 21201, 'No \'To\' number is specified');
      if (!form.From) return twilioError(400, 21213, 'No \'From\' number is specified');
      if (!form.Url && !form.Twiml && !form.ApplicationSid) return twilioError(400, 21205, 'Url parameter is required.');
      const sid = `CA${randomBytes(16).toString('hex')}`;
      calls.push({
        sid,
        accountSid,
        to: form.To,
        from: form.From,
        url: form.Url ?? null,
        twiml: form.Twiml ?? null,
        statusCallback: form.StatusCallback ?? null,
        authUser: user,
        params: form,
        receivedAt,
      });
      const now = twilioDate(receivedAt);
      return {
        status: 201,
        body: {
          account_sid: accountSid,
          annotation: null,
          answered_by: null,
          api_version: '2010-04-01',
          caller_name: null,
          date_created: now,
          date_updated: now,
          direction: 'outbound-api',
          duration: null,
          end_time: null,
          forwarded_from: null,
          from: form.From,
          from_formatted: form.From,
          group_sid: null,
          parent_call_sid: null,
          phone_number_sid: null,
          price: null,
          price_unit: 'USD',
          queue_time: '0',
          sid,
          start_time: null,
          status: 'queued',
          subresource_uris: { notifications: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}/Notifications.json` },
          to: form.To,
          to_formatted: form.To,
          trunk_sid: null,
          uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
        },
      };
    }
    const match = MESSAGES_PATH.exec(pathname);
    if (!match || (recorded.method !== 'POST' && recorded.method !== 'GET')) {
      return twilioError(404, 20404, `The requested resource ${pathname} was not found`);
    }
    const accountSid = decodeURIComponent(match[1] ?? '');
    if (!authorized(accountSid)) return twilioError(401, 20003, 'Authenticate');
    if (recorded.method === 'GET') {
      // Twilio's Messages list: newest first, filtered by To and From
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const pageSize = Math.min(1000, Math.max(1, Number(url.searchParams.get('PageSize') ?? 50) || 50));
      const pageNumber = Math.max(0, Math.floor(Number(url.searchParams.get('Page') ?? 0)) || 0);
      const found = messages.filter((m) => m.accountSid === accountSid && (to === null || m.to === to) && (from === null || m.from === from)).reverse();
      const start = pageNumber * pageSize;
      const page = found.slice(start, start + pageSize).map(messageResource);
      const uriOf = (n: number) => {
        const query = new URLSearchParams({ ...(to !== null ? { To: to } : {}), ...(from !== null ? { From: from } : {}), PageSize: String(pageSize), Page: String(n) });
        return `${pathname}?${query}`;
      };
      return {
        status: 200,
        body: {
          messages: page,
          start,
          end: start + Math.max(0, page.length - 1),
          page: pageNumber,
          page_size: pageSize,
          uri: uriOf(pageNumber),
          first_page_uri: uriOf(0),
          next_page_uri: start + pageSize < found.length ? uriOf(pageNumber + 1) : null,
          previous_page_uri: pageNumber > 0 ? uriOf(pageNumber - 1) : null,
        },
      };
    }
    if (!form.To) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!form.From && !form.MessagingServiceSid) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!form.Body && !form.MediaUrl && !form.ContentSid) return twilioError(400, 21602, 'Message body is required.');

    const message: RecordedMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid,
      to: form.To,
      from: form.From ?? '',
      body: form.Body ?? '',
      statusCallback: form.StatusCallback ?? null,
      authUser: user,
      params: form,
      receivedAt,
    };
    messages.push(message);
    return { status: 201, body: messageResource(message) };
  }

  return {
    baseUrl: http.baseUrl,
    port: http.port,
    messages,
    calls,
    requests,
    failNext(n, status = 500, body) {
      failures.push(n, { status, body: body ?? twilioError(status, status === 429 ? 20429 : 20500, status === 429 ? 'Too Many Requests' : 'Internal Server Error').body });
    },
    respondWith(fn) {
      responder = fn;
    },
    holdNext(n, ms, reply) {
      if (n > 0) holds.push({ remaining: n, ms, reply });
    },
    acceptThenHoldNext(n, ms) {
      if (n > 0) acceptedHolds.push({ remaining: n, ms });
    },
    waitForMessages(n, timeoutMs = 5000) {
      return waitFor(() => messages.length >= n && messages.slice(0, n), { timeoutMs, what: `${n} Twilio message(s), have ${messages.length}` });
    },
    waitForCalls(n, timeoutMs = 5000) {
      return waitFor(() => calls.length >= n && calls.slice(0, n), { timeoutMs, what: `${n} Twilio call(s), have ${calls.length}` });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await http.close();
    },
  };
}

/** Twilio's dates: RFC 2822 in GMT (`Sat, 21 Nov 2026 10:00:00 +0000`). */
function twilioDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** A Message resource as Twilio returns it, for an accepted message. */
function messageResource(m: RecordedMessage): Record<string, unknown> {
  const created = twilioDate(m.receivedAt);
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: created,
    date_sent: null,
    date_updated: created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from || null,
    messaging_service_sid: m.params.MessagingServiceSid ?? null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

/** Twilio's error body: `{ code, message, more_info, status }`. */
export function twilioError(status: number, code: number, message: string): StandInReply & { body: object } {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function basicAuth(req: IncomingMessage): { user: string | null; password: string | null } {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return { user: null, password: null };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { user: decoded, password: null } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
