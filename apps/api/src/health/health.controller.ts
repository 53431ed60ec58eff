import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { PrismaService } from '@klaxon/db';
import { KlaxonMetrics } from '@klaxon/observability';
import { JobProducer, REDIS } from '@klaxon/queue';

/** Probes and metrics (SPEC §11). */
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly producer: JobProducer,
    private readonly metrics: KlaxonMetrics,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; checks: Record<string, string> }> {
    const [redis, postgres] = await Promise.all([
      this.redis.ping().then(
        () => 'ok',
        (err: Error) => `unreachable: ${err.message}`,
      ),
      this.prisma.isReachable().then((ok) => (ok ? 'ok' : 'unreachable')),
    ]);
    const ready = redis === 'ok' && postgres === 'ok';
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: { redis, postgres } };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const depths = await this.producer.depths().catch(() => ({}));
    for (const [queue, counts] of Object.entries(depths)) {
      for (const [state, count] of Object.entries(counts)) this.metrics.queueDepth.set({ queue, state }, count);
    }
    return this.metrics.registry.metrics();
  }
}
