import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  TooManyAlertsError,
  isPlainObject,
  jsonInput,
  parseAlertLines,
  parseAlertmanagerWebhook,
  parseJsonAlerts,
  parseOpenFalconCallback,
  type ParsedBody,
} from '@klaxon/alert-format';
import { InvalidJsonBody, charsetOf, mediaTypeOf } from '../http/body-parsers';
import { IngestService, type IngestEndpoint, type IngestResponse } from './ingest.service';

export type IngestRequest = FastifyRequest<{ Querystring: { token?: string } }> & {
  /** the integration the request authenticated as, set by `authenticate` before its body was read (ingest.routes.ts declares it) */
  klaxonIntegration?: string | null;
};

/**
 * Alerts in (SPEC §3): authenticate, parse, enqueue, answer. Served as plain
 * Fastify routes (ingest.routes.ts) rather than a Nest controller: ingest is
 * the hot path, and Nest's per-request pipeline cost about a third of it.
 */
@Injectable()
export class AlertIngestHandlers {
  constructor(private readonly ingest: IngestService) {}

  /** Checks the integration token (401 otherwise); ingest.routes.ts calls it before the body is read. */
  authenticate(req: IngestRequest): void {
    req.klaxonIntegration = this.ingest.authenticate(req.headers.authorization, req.query.token);
  }

  private integrationOf(req: IngestRequest): string {
    return req.klaxonIntegration ?? this.ingest.authenticate(req.headers.authorization, req.query.token);
  }

  lines(req: IngestRequest, reply: FastifyReply): Promise<IngestResponse> {
    return this.handle(req, reply, 'lines', (body, type) => {
      if (type === 'text/plain') return parseAlertLines(this.decodeText(req, body as Buffer));
      if (isJson(type)) return parseJsonAlerts(body);
      return null;
    });
  }

  alertmanager(req: IngestRequest, reply: FastifyReply): Promise<IngestResponse> {
    return this.handle(req, reply, 'alertmanager', (body, type) => (isJson(type) ? parseAlertmanagerWebhook(body) : null));
  }

  openFalcon(req: IngestRequest, reply: FastifyReply): Promise<IngestResponse> {
    return this.handle(req, reply, 'open-falcon', (body, type) => {
      if (type === 'application/x-www-form-urlencoded' || (isJson(type) && isPlainObject(body))) {
        return parseOpenFalconCallback(body as Record<string, unknown>);
      }
      if (isJson(type)) return { alerts: [], rejected: [{ line: 1, input: jsonInput(body), error: 'body must be a JSON object of callback parameters' }] };
      return null;
    });
  }

  /** Open-Falcon's alarm module calls back with GET and query parameters. */
  async openFalconGet(req: IngestRequest, reply: FastifyReply): Promise<IngestResponse> {
    const integration = this.integrationOf(req);
    const { token: _token, ...params } = req.query as Record<string, unknown>;
    const result = await this.ingest.accept(integration, 'open-falcon', parseOpenFalconCallback(params));
    void reply.status(result.status);
    return result.body;
  }

  private async handle(
    req: IngestRequest,
    reply: FastifyReply,
    endpoint: IngestEndpoint,
    parse: (body: unknown, mediaType: string) => ParsedBody | null,
  ): Promise<IngestResponse> {
    const integration = this.integrationOf(req);
    const type = mediaTypeOf(req.headers['content-type']);
    const body = req.body;
    if (body instanceof InvalidJsonBody) {
      return this.ingest.rejectWhole(integration, endpoint, body.raw, body.error, 400);
    }
    let parsed: ParsedBody | null;
    try {
      parsed = body === undefined ? null : parse(body, type);
    } catch (err) {
      if (err instanceof TooManyAlertsError) return this.ingest.rejectWhole(integration, endpoint, '', err.message, 413);
      if (err instanceof UnsupportedCharsetError) return this.ingest.rejectWhole(integration, endpoint, '', err.message, 415);
      throw err;
    }
    if (parsed === null) {
      const message = body === undefined ? 'the body is empty' : `content type ${type || '(none)'} is not accepted here; ${ACCEPTED[endpoint]}`;
      return this.ingest.rejectWhole(integration, endpoint, '', message, body === undefined ? 400 : 415);
    }
    const result = await this.ingest.accept(integration, endpoint, parsed);
    void reply.status(result.status);
    return result.body;
  }

  private decodeText(req: IngestRequest, body: Buffer): string {
    const charset = charsetOf(req.headers['content-type']);
    if (charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii') return body.toString('utf8');
    try {
      return new TextDecoder(charset).decode(body);
    } catch {
      throw new UnsupportedCharsetError(charset);
    }
  }
}

const ACCEPTED: Record<IngestEndpoint, string> = {
  lines: 'send text/plain alert lines or application/json',
  alertmanager: "send Alertmanager's webhook as application/json",
  'open-falcon': 'send the callback as application/x-www-form-urlencoded or application/json',
};

class UnsupportedCharsetError extends Error {
  constructor(charset: string) {
    super(`charset "${charset}" is not supported; send UTF-8`);
  }
}

function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

