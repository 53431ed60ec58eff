import { formatConfigPath } from './config-path';
import { expandEnvReferences } from './env-expansion';

const env = { HOOK: 'https://hooks.example.com/x', EMPTY: '', TOKEN: 'secret-token-123456' };

describe('expandEnvReferences', () => {
  it.each([
    ['${HOOK}', 'https://hooks.example.com/x'],
    ['prefix-${TOKEN}-suffix', 'prefix-secret-token-123456-suffix'],
    ['${HOOK}?t=${TOKEN}', 'https://hooks.example.com/x?t=secret-token-123456'],
    ['${UNSET:-http://127.0.0.1:9/x}', 'http://127.0.0.1:9/x'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOOK:-unused}', 'https://hooks.example.com/x'],
    ['${UNSET:-}', ''],
    ['$${HOOK}', '${HOOK}'],
    ['$argon2id$v=19$m=65536', '$argon2id$v=19$m=65536'],
    ['no references', 'no references'],
  ])('%s → %s', (input, output) => {
    expect(expandEnvReferences({ a: input }, env)).toEqual({ value: { a: output }, problems: [] });
  });

  it('walks nested maps and lists, leaving keys and other scalars alone', () => {
    const { value, problems } = expandEnvReferences(
      { channels: [{ url: '${HOOK}', n: 3, on: true, none: null }], '${KEY}': 'x' },
      env,
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({ channels: [{ url: 'https://hooks.example.com/x', n: 3, on: true, none: null }], '${KEY}': 'x' });
  });

  it('does not expand a value twice', () => {
    expect(expandEnvReferences('${NESTED}', { NESTED: '${HOOK}' }).value).toBe('${HOOK}');
  });

  it.each([
    ['${DINGTALK_OPS_URL}', 'channels[0].url', 'environment variable DINGTALK_OPS_URL is not set'],
    ['${EMPTY}', 'channels[0].url', 'environment variable EMPTY is not set'],
    ['${lower-case}', 'channels[0].url', 'malformed reference "${lower-case}": expected ${NAME} or ${NAME:-default}'],
    ['${}', 'channels[0].url', 'malformed reference "${}": expected ${NAME} or ${NAME:-default}'],
    ['${HOOK', 'channels[0].url', 'unterminated "${" (write "$${" for a literal "${")'],
  ])('%s is a problem at its path', (input, path, message) => {
    const { problems } = expandEnvReferences({ channels: [{ url: input }] }, env);
    expect(problems.map((p) => `${formatConfigPath(p.path)}: ${p.message}`)).toEqual([`${path}: ${message}`]);
  });
});
