import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A tiny HTTP server for processes that have no API of their own (the worker):
 * GET /healthz, GET /readyz (runs `ready`) and GET /metrics.
 */
export function startProbeServer(opts: {
  port: number;
  host?: string;
  registry: Registry;
  ready: () => Promise<Record<string, string>>;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: 'method not allowed' }));
    switch (req.url) {
      case '/healthz':
        return send(200, JSON.stringify({ status: 'ok' }));
      case '/readyz':
        opts.ready().then(
          (checks) => send(Object.values(checks).every((c) => c === 'ok') ? 200 : 503, JSON.stringify({ checks })),
          (err: unknown) => send(503, JSON.stringify({ error: String(err) })),
        );
        return;
      case '/metrics':
        opts.registry.metrics().then(
          (text) => send(200, text, opts.registry.contentType),
          (err: unknown) => send(500, JSON.stringify({ error: String(err) })),
        );
        return;
      default:
        return send(404, JSON.stringify({ error: 'not found' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}
