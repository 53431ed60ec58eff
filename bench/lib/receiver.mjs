// A local HTTP receiver that records every request: Alertmanager's webhook
// receiver and Klaxon's IM webhook channel in the bench. Like the Twilio
// stand-in, it runs in its own worker thread, so the bench's load generator
// cannot delay the moment a request is seen, and arrival times are
// `performance.timeOrigin + performance.now()` (one clock for the machine).
import http from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

function serve() {
  const server = http.createServer((req, res) => {
    const at = performance.timeOrigin + performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      parentPort.postMessage({ type: 'request', at, method: req.method, path: req.url ?? '', body, headers: { 'x-klaxon-idempotency-key': req.headers['x-klaxon-idempotency-key'] } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
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

if (!isMainThread && workerData?.benchReceiver) serve();

/**
 * Starts a receiver on 127.0.0.1 at a free port. Returns its base URL, every
 * request it took (`requests`: {at, method, path, body}), `onRequest(cb)` and `close()`.
 */
export async function startReceiver() {
  const worker = new Worker(new URL(import.meta.url), { workerData: { benchReceiver: true } });
  const requests = [];
  const listeners = new Set();
  const port = await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`receiver exited (${code}) before listening`)));
    worker.on('message', (m) => {
      if (m.type === 'listening') resolve(m.port);
      else if (m.type === 'request') {
        requests.push(m);
        for (const cb of listeners) cb(m);
      }
    });
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', (err) => console.error(`bench: receiver failed: ${err.stack ?? err}`));
  let closed = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    onRequest(cb) {
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
