import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import { INGEST_LIMITS } from '@klaxon/alert-format';
import { KlaxonMetrics, PinoNestLogger, bootstrapProcess, exitGracefullyOnSignals } from '@klaxon/observability';
import { ClusterBroadcast } from '@klaxon/queue';
import { ApiModule } from './api.module';
import { registerBodyParsers } from './http/body-parsers';
import { answerClientError } from './http/client-error';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { registerIngestRoutes } from './ingest/ingest.routes';

async function main(): Promise<void> {
  const { env, config, logger, reloadLogger } = bootstrapProcess('klaxon-api');
  const metrics = new KlaxonMetrics('api');
  const adapter = new FastifyAdapter({ bodyLimit: INGEST_LIMITS.maxBodyBytes, logger: false, clientErrorHandler: answerClientError });
  registerBodyParsers(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot({ env, config, logger, metrics }), adapter, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  await app.register(fastifyCookie);
  const filter = new HttpExceptionFilter(logger);
  app.useGlobalFilters(filter);
  registerIngestRoutes(app, filter);

  config.watchSighup(reloadLogger);
  const broadcast = app.get(ClusterBroadcast);
  await broadcast.subscribe((message) => {
    if (message.type === 'config-reload') config.reload();
  });
  exitGracefullyOnSignals(async () => {
    await app.close();
    broadcast.close();
  }, logger);

  await app.listen(env.http.port, env.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.http.port;
  logger.info({ port, publicUrl: env.http.publicUrl, config: env.configPath }, 'klaxon api listening');
}

main().catch((err: unknown) => {
  // eslint-disable-next-line no-console
  console.error(`klaxon api failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
