import type { FastifyInstance } from 'fastify';
import { INGEST_LIMITS } from '@klaxon/alert-format';

/** A JSON body that did not parse; handlers turn it into a 400 that names the problem. */
export class InvalidJsonBody {
  constructor(
    readonly error: string,
    readonly raw: string,
  ) {}
}

/**
 * Klaxon's own body parsers, in place of Nest's, so that ingest sees every
 * body after authentication (a broken body from a known integration is kept in
 * the rejected-input log, not dropped by the framework):
 * - JSON parses to the value, or to an InvalidJsonBody;
 * - text/plain stays a Buffer, decoded by the handler in the request's charset;
 * - form bodies parse to a plain object (Open-Falcon's callback).
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const bodyLimit = INGEST_LIMITS.maxBodyBytes;
  const parseJson = (_req: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = body as string;
    if (text.trim() === '') return done(null, new InvalidJsonBody('body is empty', text));
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(null, new InvalidJsonBody(`body is not valid JSON: ${(err as Error).message}`, text));
    }
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, parseJson);
  fastify.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string', bodyLimit }, parseJson);
  fastify.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body as string)) params[key] = value;
    done(null, params);
  });
}

/** The media type of a request, lower-case, without parameters; '' when absent. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The charset parameter of a Content-Type, lower-case; utf-8 when absent. */
export function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match ? match[1]!.toLowerCase() : 'utf-8';
}
