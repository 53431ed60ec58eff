import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';

/** What Fastify's own errors mean to a client, in words that name the problem. */
const FASTIFY_ERRORS: Record<string, (req: FastifyRequest | undefined) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'body is larger than 1 MiB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (req) => `content type ${req?.headers['content-type'] ?? '(none)'} is not accepted here`,
  FST_ERR_CTP_EMPTY_TYPE: () => 'the Content-Type header is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'body is empty',
  FST_ERR_CTP_INVALID_TYPE: () => 'the Content-Type header is not valid',
};

/**
 * One JSON error shape for every failure: `{statusCode, error, message}`.
 * A client's mistake keeps its 4xx and its reason; anything else is a 500
 * with an errorId that is also logged, and nothing internal in the body.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { status, body } = this.describe(exception, request);
    if (reply.sent) return;
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  describe(exception: unknown, request: FastifyRequest | undefined): { status: number; body: Record<string, unknown> } {
    // Nest wraps Fastify's own 4xx errors (body too large, bad media type) with the original as the cause.
    if (exception instanceof HttpException && isFastifyError(exception.cause)) exception = exception.cause;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fields = typeof response === 'string' ? { message: response } : (response as Record<string, unknown>);
      return { status, body: { statusCode: status, error: statusText(status), ...fields } };
    }
    if (isFastifyError(exception) && exception.statusCode < 500) {
      const describe = FASTIFY_ERRORS[exception.code];
      const message = describe ? describe(request) : exception.message;
      return { status: exception.statusCode, body: { statusCode: exception.statusCode, error: statusText(exception.statusCode), message } };
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId, method: request?.method, url: request?.url?.split('?')[0] }, 'unhandled error');
    return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error', errorId } };
  }
}

function isFastifyError(value: unknown): value is { statusCode: number; code: string; message: string } {
  const err = value as { statusCode?: unknown; code?: unknown } | null | undefined;
  return typeof err?.statusCode === 'number' && typeof err.code === 'string' && err.code.startsWith('FST_');
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    503: 'Service Unavailable',
  };
  return texts[status] ?? 'Error';
}
