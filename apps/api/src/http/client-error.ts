import type { Socket } from 'node:net';

/** What a malformed request (as Node's HTTP parser reports it) did wrong, in words. */
const PARSER_ERRORS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'the request headers are too large',
  HPE_INVALID_HEADER_TOKEN: 'a request header has an invalid name',
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is not a valid length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding: chunked cannot both be sent',
  HPE_INVALID_CHUNK_SIZE: 'a chunk of the chunked body has an invalid size',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header is invalid',
  HPE_INVALID_METHOD: 'the request method is invalid',
  HPE_INVALID_URL: 'the request URL is invalid',
  HPE_INVALID_VERSION: 'the HTTP version is invalid',
  HPE_LF_EXPECTED: 'a line of the request does not end in CRLF',
  HPE_INVALID_HEADER_VALUE: 'a request header has an invalid value',
};

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused never reaches a route, so it is
 * answered here, in the API's error shape, with what was wrong (not a bare "Client Error").
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const reason = timeout ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  const message = timeout ? 'the request was not complete in time' : `malformed HTTP request: ${PARSER_ERRORS[err.code ?? ''] ?? 'the request could not be parsed'}`;
  const body = JSON.stringify({ statusCode: status, error: reason, message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
