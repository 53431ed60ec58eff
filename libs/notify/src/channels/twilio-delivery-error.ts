/**
 * Twilio failures → DeliveryError, for every channel that talks to Twilio (SMS, voice).
 *
 * - A REST reply (RestException, or the RFC 9457 TwilioServiceException of newer APIs): 429 and 5xx
 *   are retryable, other 4xx are not (invalid number 21211, unverified sender 21608, bad auth 20003…);
 *   Twilio's error code is kept as providerCode.
 * - No reply (connection refused/reset, DNS, timeout): retryable, providerCode is the socket error code.
 *   A timeout may come after Twilio accepted the message; Twilio's Messages API has no idempotency key,
 *   so a retry after a timeout can send a second SMS.
 * - Anything else (the SDK refusing the parameters, an unreadable 2xx body): not retryable.
 */
import { DeliveryError } from '../notification-channel';
import { maskPhoneNumbers } from './phone-mask';

/** Twilio codes that come with a 4xx status but clear up by themselves. */
const RETRYABLE_TWILIO_CODES = new Set([
  20429, // Too Many Requests
  21611, // the From number's queue is full
]);

/** axios codes for a request that could not be built; retrying it cannot help. */
const PERMANENT_CLIENT_CODES = new Set(['ERR_BAD_OPTION', 'ERR_BAD_OPTION_VALUE', 'ERR_INVALID_URL', 'ERR_NOT_SUPPORT', 'ERR_DEPRECATED']);

export function twilioDeliveryError(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
    isAxiosError?: unknown;
  };
  const message = typeof e.message === 'string' ? maskPhoneNumbers(e.message) : String(err);

  if (typeof e.status === 'number') {
    const status = e.status;
    const code = typeof e.code === 'number' || typeof e.code === 'string' ? String(e.code) : null;
    const retryable = status === 429 || status >= 500 || (code !== null && RETRYABLE_TWILIO_CODES.has(Number(code)));
    return new DeliveryError(
      `Twilio refused the ${what}: HTTP ${status}${code ? ` code ${code}` : ''}: ${message}`,
      retryable,
      code ?? `http_${status}`,
    );
  }

  if (e.isAxiosError === true) {
    const code = typeof e.code === 'string' ? e.code : 'ERR_NETWORK';
    if (PERMANENT_CLIENT_CODES.has(code)) return new DeliveryError(`Twilio ${what} request could not be made: ${message}`, false, code);
    // axios reports its own timeout as ECONNABORTED "timeout of N ms exceeded"
    const timedOut = code === 'ETIMEDOUT' || (code === 'ECONNABORTED' && /timeout/i.test(message));
    return new DeliveryError(
      timedOut ? `Twilio did not answer the ${what} request in time: ${message}` : `Twilio ${what} request failed: ${message}`,
      true,
      timedOut ? 'ETIMEDOUT' : code,
    );
  }

  return new DeliveryError(`Twilio ${what} failed: ${message}`, false, err instanceof SyntaxError ? 'invalid_response' : null);
}
