import { createHmac, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'klaxon_session';
/** A session lives this long after its last use. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;

/** A new random session token (the cookie value). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the database stores for a token: an HMAC keyed by SESSION_SECRET, so
 * neither a copy of the sessions table nor of the secret alone opens a session.
 */
export function sessionTokenHash(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

/** The session cookie's attributes: httpOnly and SameSite (SPEC §10), Secure when the public URL is https. */
export function sessionCookieOptions(secure: boolean, expires: Date) {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', expires } as const;
}
