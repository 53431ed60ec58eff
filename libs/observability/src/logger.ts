import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';

/**
 * Structured JSON logs on stdout. Phone numbers and secrets never reach a log
 * line: redact the fields that may carry them, and mask numbers with
 * `maskPhone` wherever one is worth logging at all.
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    base: { app: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  });
}

/**
 * `+8613800000001` → `+86********001`, `+15005550501` → `+15******501`: the country code and the last
 * three digits tell a team's numbers apart in a log; at least six digits hidden, so no one can dial it.
 * A number too short for that keeps only its last two.
 */
export function maskPhone(phone: string): string {
  if (phone.length < 12) return '*'.repeat(Math.max(0, phone.length - 2)) + phone.slice(-2);
  return phone.slice(0, 3) + '*'.repeat(phone.length - 6) + phone.slice(-3);
}

/** Nest's logger interface on top of pino, so framework messages are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
