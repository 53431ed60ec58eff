import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { HttpExceptionFilter } from '../http/http-exception.filter';
import { AlertIngestHandlers, type IngestRequest } from './alert-ingest.handlers';
import type { IngestResponse } from './ingest.service';

/**
 * Registers the ingest endpoints straight on Fastify, with the same error
 * shape as the rest of the API (the filter's `describe`).
 *
 * The integration token is checked in `onRequest`, before Fastify reads the
 * body: a caller without a valid token learns nothing but 401, not whether its
 * body was too large (413) or of a type ingest takes (415), and an
 * unauthenticated body is never parsed. The route's own error handler
 * describes Fastify's errors (body too large, bad media type) whatever order
 * plugins were loaded in.
 */
export function registerIngestRoutes(app: NestFastifyApplication, filter: HttpExceptionFilter): void {
  const handlers = app.get(AlertIngestHandlers);
  const fastify = app.getHttpAdapter().getInstance();
  // declared, so every request object keeps one shape (a property added later would change it per request)
  fastify.decorateRequest('klaxonIntegration', null);
  const options: RouteShorthandOptions = {
    // callback style: no promise per request on the hot path
    onRequest: (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
      try {
        handlers.authenticate(req as IngestRequest);
      } catch (err) {
        return done(err as Error);
      }
      done();
    },
    errorHandler: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = filter.describe(err, req);
      void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
    },
  };
  // Returns the body for Fastify to send rather than awaiting reply.send(): awaiting a reply waits for
  // the response to finish, with listeners on the socket for every request.
  const route =
    (handle: (req: IngestRequest, reply: FastifyReply) => Promise<IngestResponse>) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<IngestResponse | Record<string, unknown>> => {
      try {
        return await handle(req as IngestRequest, reply);
      } catch (err) {
        const { status, body } = filter.describe(err, req);
        void reply.status(status);
        return body;
      }
    };
  fastify.post('/api/v1/alerts', options, route((req, reply) => handlers.lines(req, reply)));
  fastify.post('/api/v1/alerts/alertmanager', options, route((req, reply) => handlers.alertmanager(req, reply)));
  fastify.post('/api/v1/alerts/open-falcon', options, route((req, reply) => handlers.openFalcon(req, reply)));
  fastify.get('/api/v1/alerts/open-falcon', options, route((req, reply) => handlers.openFalconGet(req, reply)));
}
