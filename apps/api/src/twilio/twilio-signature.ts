import twilio from 'twilio';
import type { AppEnv } from '@klaxon/config';

/**
 * True when `signature` is Twilio's X-Twilio-Signature for a form post to `PUBLIC_URL + path`
 * (SPEC §9): HMAC-SHA1 with TWILIO_AUTH_TOKEN, or with TWILIO_ALTERNATE_AUTH_TOKEN while the token is rotated.
 */
export function signedByTwilio(env: AppEnv, path: string, signature: unknown, params: Record<string, string>): boolean {
  const twilioEnv = env.twilio;
  if (!twilioEnv || typeof signature !== 'string' || signature === '') return false;
  const url = env.http.publicUrl + path;
  const tokens = [twilioEnv.authToken, twilioEnv.alternateAuthToken].filter((t): t is string => typeof t === 'string' && t !== '');
  return tokens.some((token) => {
    try {
      return twilio.validateRequest(token, signature, url, params);
    } catch {
      return false;
    }
  });
}

/** The parsed form body (body-parsers.ts makes a plain object of string values), or null when it is not one. */
export function formParams(body: unknown): Record<string, string> | null {
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body) || Object.getPrototypeOf(body) !== Object.prototype) return null;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') params[key] = value;
  return params;
}
