import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { KlaxonMetrics, PinoNestLogger, bootstrapProcess, exitGracefullyOnSignals, startProbeServer } from '@klaxon/observability';
import { ClusterBroadcast, createRedisConnection } from '@klaxon/queue';
import { PrismaService } from '@klaxon/db';
import { applyNiceness, workerDuties } from './worker-role';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const { env, config, logger, reloadLogger } = bootstrapProcess('klaxon-worker');
  const metrics = new KlaxonMetrics('worker');
  const duties = workerDuties(env.worker.role, env.worker.nice);
  applyNiceness(duties.nice, logger);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ env, config, logger, metrics, duties }), {
    logger: new PinoNestLogger(logger),
  });

  const redis = createRedisConnection(env.redis.url, 'worker', 'worker-control');
  const broadcast = new ClusterBroadcast(redis, env.redis.queuePrefix);
  config.watchSighup(reloadLogger);
  await broadcast.subscribe((message) => {
    if (message.type === 'config-reload') config.reload();
  });

  let probe: Server | undefined;
  if (env.worker.httpPort !== undefined) {
    const prisma = app.get(PrismaService);
    probe = await startProbeServer({
      port: env.worker.httpPort,
      registry: metrics.registry,
      ready: async () => ({
        redis: await redis.ping().then(() => 'ok', (err: Error) => `unreachable: ${err.message}`),
        postgres: (await prisma.isReachable()) ? 'ok' : 'unreachable',
      }),
    });
  }
  exitGracefullyOnSignals(async () => {
    await app.close();
    broadcast.close();
    redis.disconnect();
    probe?.close();
  }, logger);
  logger.info({ role: duties.role, lanes: duties.triageLanes, concurrency: env.worker.concurrency, config: env.configPath }, 'klaxon worker running');
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(`klaxon worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
