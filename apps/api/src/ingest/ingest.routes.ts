import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { HttpExceptionFilter } from '../http/http-exception.filter';
import { AlertIngestHandlers, type IngestRequest } from './alert-ingest.handlers';
import type { IngestResponse } from './ingest.service';

/**
 * Registers the ingest endpoints straight on Fastify, with the same error
 * shape as the rest of the API (the filter's `describe`).
 */
export function registerIngestRoutes(app: NestFastifyApplication, filter: HttpExceptionFilter): void {
  const handlers = app.get(AlertIngestHandlers);
  const fastify = app.getHttpAdapter().getInstance();
  const route =
    (handle: (req: IngestRequest, reply: FastifyReply) => Promise<IngestResponse>) =>
    async (req: IngestRequest, reply: FastifyReply): Promise<void> => {
      try {
        const body = await handle(req, reply);
        await reply.send(body);
      } catch (err) {
        const { status, body } = filter.describe(err, req);
        await reply.status(status).send(body);
      }
    };
  fastify.post('/api/v1/alerts', route((req, reply) => handlers.lines(req, reply)));
  fastify.post('/api/v1/alerts/alertmanager', route((req, reply) => handlers.alertmanager(req, reply)));
  fastify.post('/api/v1/alerts/open-falcon', route((req, reply) => handlers.openFalcon(req, reply)));
  fastify.get('/api/v1/alerts/open-falcon', route((req, reply) => handlers.openFalconGet(req, reply)));
}
