import { Controller, Get, Inject, Req, Res, UseGuards, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { KlaxonMetrics } from '@klaxon/observability';
import { LOGGER } from '../app-tokens';
import { SessionGuard, type AuthenticatedRequest } from '../auth/session.guard';
import { AlertChangeListener, type AlertChange } from './alert-change-listener.service';

export const PING_INTERVAL_MS = 25_000;
export const RETRY_MS = 3_000;
/** How often an open stream checks that its session or API token still holds; signed out or revoked, it is ended. */
export const RECHECK_MS = 10_000;
/** A client this far behind (not reading) is cut off; its EventSource reconnects and the UI re-reads the list. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** One `event:`/`data:` frame of the stream. */
export function sseFrame(change: AlertChange): string {
  return `event: ${change.event}\ndata: ${JSON.stringify(change)}\n\n`;
}

/**
 * `GET /api/v1/stream` (SPEC §10): server-sent events of alerts opened,
 * changed and resolved, for signed-in users. The response is written to the
 * raw Node response (the reply is hijacked) and lives until the client goes
 * or its credential stops holding (signed out, expired, token revoked).
 */
@Controller('api/v1/stream')
@UseGuards(SessionGuard)
export class StreamController implements OnModuleDestroy {
  private readonly open = new Set<ServerResponse>();
  private readonly gauge: Gauge;

  constructor(
    private readonly changes: AlertChangeListener,
    metrics: KlaxonMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const name = 'klaxon_stream_clients';
    this.gauge =
      (metrics.registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({ name, help: 'open server-sent event streams (GET /api/v1/stream)', registers: [metrics.registry] });
  }

  @Get()
  stream(@Req() req: AuthenticatedRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.socket?.setKeepAlive(true);
    res.write(`retry: ${RETRY_MS}\n: signed in as ${req.user.id.replace(/[\r\n]/g, '')}\n\n`);

    const send = (chunk: string) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.logger.warn({ user: req.user.id }, 'event stream client is not reading; closing it');
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const unsubscribe = this.changes.subscribe((change) => send(sseFrame(change)));
    const ping = setInterval(() => send(': ping\n\n'), PING_INTERVAL_MS);
    ping.unref();
    // The browser reconnects an ended stream at once; the new request's 401 then signs the UI out.
    const recheck = setInterval(() => {
      req.stillAuthorized().then(
        (stands) => {
          if (stands || res.writableEnded) return;
          this.logger.info({ user: req.user.id, via: req.authVia }, 'event stream ended: its session or API token no longer holds');
          res.end();
        },
        (err: unknown) => this.logger.warn({ err }, 'could not re-check the credential of an event stream; keeping it open'),
      );
    }, RECHECK_MS);
    recheck.unref();
    this.open.add(res);
    this.gauge.inc();

    let cleaned = false;
    const cleanup = () => {
      if (cleaned) return;
      cleaned = true;
      clearInterval(ping);
      clearInterval(recheck);
      unsubscribe();
      this.open.delete(res);
      this.gauge.dec();
    };
    res.on('close', cleanup);
    res.on('error', cleanup);
  }

  /** Ends every open stream, so shutting down does not wait for clients that never hang up. */
  onModuleDestroy(): void {
    for (const res of [...this.open]) res.end();
  }
}
