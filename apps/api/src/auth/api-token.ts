import { createHash, randomBytes } from 'node:crypto';

/** Every personal API token starts with this, so a leaked one is easy to recognise (and to scan for). */
export const API_TOKEN_PREFIX = 'klx_';
/** How much of a token lists show: the prefix and 8 characters. */
const VISIBLE_LENGTH = API_TOKEN_PREFIX.length + 8;

/** A new personal API token: `klx_` and 32 random bytes, base64url. */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What the database stores for a token: its SHA-256 (hex). Unlike session
 * tokens no secret is mixed in, so rotating SESSION_SECRET does not revoke
 * every script's token; 256 random bits need no slow hash.
 */
export function apiTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function apiTokenPrefix(token: string): string {
  return token.slice(0, VISIBLE_LENGTH);
}

/** The token of an `Authorization: Bearer …` header, or null when there is none. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1]! : null;
}
