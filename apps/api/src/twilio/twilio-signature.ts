import { BadRequestException } from '@nestjs/common';
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

const SID = /^[A-Za-z0-9]{1,64}$/;

/**
 * A MessageSid or CallSid as Twilio sends it (two letters and 32 hex digits), trimmed; 400 naming the
 * field otherwise. Checked before any lookup: PostgreSQL refuses text with a NUL in it, and no SID has one.
 */
export function twilioSid(name: string, raw: string | undefined): string {
  const sid = raw?.trim() ?? '';
  if (sid === '') throw new BadRequestException(`${name} is required`);
  if (!SID.test(sid)) throw new BadRequestException(`${name} is not a Twilio SID (letters and digits, at most 64)`);
  return sid;
}
