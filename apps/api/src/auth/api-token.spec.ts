import { createHash } from 'node:crypto';
import { API_TOKEN_PREFIX, apiTokenHash, apiTokenPrefix, bearerToken, newApiToken } from './api-token';

describe('personal API tokens', () => {
  it('are klx_ and 256 random bits, different every time', () => {
    const a = newApiToken();
    const b = newApiToken();
    expect(a).toMatch(/^klx_[A-Za-z0-9_-]{43}$/);
    expect(a.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('are stored as their SHA-256 and listed by their first 12 characters', () => {
    const token = 'klx_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    expect(apiTokenHash(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(apiTokenPrefix(token)).toBe('klx_abcdefgh');
  });

  it.each([
    ['Bearer klx_abc', 'klx_abc'],
    ['bearer   klx_abc  ', 'klx_abc'],
    [['Bearer klx_first', 'Bearer klx_second'], 'klx_first'],
    ['Basic dXNlcjpwYXNz', null],
    ['Bearer', null],
    ['Bearer two words', null],
    [undefined, null],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header as string | string[] | undefined)).toBe(token);
  });
});
