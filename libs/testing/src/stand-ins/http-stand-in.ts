/** Small pieces the HTTP stand-ins share: listening on 127.0.0.1:0, reading bodies, replying, closing. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What a stand-in answers: a status, a body (objects are sent as JSON) and headers. */
export interface StandInReply {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
}

/** A queue of forced failures: `failNext(n, …)` answers the next n requests with the given reply. */
export class FailureQueue {
  private pending: { remaining: number; reply: StandInReply }[] = [];

  push(n: number, reply: StandInReply): void {
    if (n > 0) this.pending.push({ remaining: n, reply });
  }

  take(): StandInReply | undefined {
    const head = this.pending[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.pending.shift();
    return head.reply;
  }
}

/** Milliseconds on the wall clock with sub-millisecond resolution (comparable across processes on one host). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendReply(res: ServerResponse, reply: StandInReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body = '';
  if (typeof reply.body === 'string') {
    body = reply.body;
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    body = JSON.stringify(reply.body);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** Flattens Node's header object to one string per name (repeated headers joined with ", "). */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Starts an HTTP server on 127.0.0.1 on a port the OS picks. A handler that throws answers 500 with
 * the error, so a stand-in bug shows up in the test rather than as a hang.
 */
export async function listenHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; port: number; baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendReply(res, { status: 500, body: `stand-in error: ${err instanceof Error ? err.message : String(err)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // keep-alive clients (the SDK's agent, fetch) would otherwise hold the server open
        server.closeAllConnections();
      }),
  };
}
