// A local stand-in for Twilio's Messages API, for the p0 phase. The worker's
// real `twilio` SDK is pointed at it with TWILIO_API_BASE_URL; it answers
// POST /2010-04-01/Accounts/{sid}/Messages.json with 201 and a Twilio-shaped
// message, and records each request's Body and arrival time.
//
// The server runs in its own worker thread, so the load generator in the
// bench's main thread (autocannon during the flood) cannot delay the moment a
// request is seen. Arrival times are `performance.timeOrigin + performance.now()`
// taken as the request arrives: the same clock as the bench's send times (the
// sum agrees across threads and processes on one machine).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** The bench user's phone (bench/lib/stack.mjs puts it in the config). */
export const STANDIN_TO = '+15005550101';
const FROM = '+15005550006';

/** In the worker thread: the HTTP server. */
function serve({ accountSid, authToken }) {
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const at = performance.timeOrigin + performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const reply = (status, body) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== 'POST' || path !== messagesPath) {
        parentPort.postMessage({ type: 'unexpected', at, method: req.method, path });
        reply(404, { code: 20404, message: `The requested resource ${path} was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const authOk = req.headers.authorization === expectedAuth;
      // the sid goes back to the worker, which stores it as the notification's provider_id: the storm
      // phases join each SMS seen here to the notifications (alerts) it carried
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const msg = { type: 'sms', at, sid, to: form.get('To'), from: form.get('From'), body: form.get('Body') ?? '', authOk };
      parentPort.postMessage(msg);
      if (!authOk) {
        reply(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
        return;
      }
      const now = new Date().toUTCString();
      reply(201, {
        sid,
        account_sid: accountSid,
        status: 'queued',
        to: msg.to,
        from: msg.from,
        body: msg.body,
        direction: 'outbound-api',
        api_version: '2010-04-01',
        num_segments: '1',
        num_media: '0',
        price: null,
        price_unit: 'USD',
        error_code: null,
        error_message: null,
        messaging_service_sid: null,
        date_created: now,
        date_updated: now,
        date_sent: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      });
    });
  });
  // The SDK keeps idle sockets for 30 s; do not be the side that closes them first.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
  parentPort.on('message', (m) => {
    if (m === 'close') {
      server.closeAllConnections?.();
      server.close(() => process.exit(0));
    }
  });
}

if (!isMainThread && workerData?.twilioStandIn) serve(workerData);

/**
 * Starts the stand-in. Returns its base URL, the worker env that points the
 * SDK at it, every message it took (`messages`), `onMessage(cb)` for each new
 * one, `unexpected` (requests to other paths), and `close()`.
 */
export async function startTwilioStandIn() {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const worker = new Worker(new URL(import.meta.url), { workerData: { twilioStandIn: true, accountSid, authToken } });
  const messages = [];
  const unexpected = [];
  const listeners = new Set();
  const port = await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`Twilio stand-in exited (${code}) before listening`)));
    worker.on('message', (m) => {
      if (m.type === 'listening') resolve(m.port);
      else if (m.type === 'sms') {
        messages.push(m);
        for (const cb of listeners) cb(m);
      } else if (m.type === 'unexpected') unexpected.push(m);
    });
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', (err) => console.error(`bench: Twilio stand-in failed: ${err.stack ?? err}`));
  const baseUrl = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    baseUrl,
    accountSid,
    messages,
    unexpected,
    env: {
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM_NUMBER: FROM,
      TWILIO_API_BASE_URL: baseUrl,
    },
    onMessage(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async close() {
      if (closed) return;
      closed = true;
      worker.postMessage('close');
      const timer = setTimeout(() => worker.terminate(), 2000);
      await new Promise((r) => worker.once('exit', r));
      clearTimeout(timer);
    },
  };
}
