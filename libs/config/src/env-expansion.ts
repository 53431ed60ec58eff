import type { ConfigProblem } from './config-path';

/**
 * `${NAME}` in any string value of the config file is replaced by the
 * environment variable NAME, so secrets stay out of the file:
 * - `${NAME}`            NAME's value; an error when NAME is unset or empty
 * - `${NAME:-fallback}`  NAME's value, or `fallback` when NAME is unset or empty (as in sh)
 * - `$${`                a literal `${`
 * Keys are not expanded, and values are expanded once (a value that itself
 * contains `${…}` is not expanded again).
 */

const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export interface Expanded {
  value: unknown;
  problems: ConfigProblem[];
}

function expandString(text: string, env: NodeJS.ProcessEnv, path: readonly PropertyKey[], problems: ConfigProblem[]): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole: string, inner: string | undefined, closed: string | undefined) => {
    if (whole === '$${') return '${';
    if (closed === undefined) {
      problems.push({ path, message: `unterminated "\${" (write "$\${" for a literal "\${")` });
      return whole;
    }
    const m = INNER.exec(inner ?? '');
    if (!m) {
      problems.push({ path, message: `malformed reference "${whole}": expected \${NAME} or \${NAME:-default}` });
      return whole;
    }
    const [, name = '', fallback] = m;
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set` });
    return whole;
  });
}

function walk(value: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[], problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') return expandString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, env, [...path, i], problems));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, env, [...path, key], problems);
    return out;
  }
  return value;
}

/** Replaces every `${NAME}` in the string values of `value` (a plain JSON-like tree). */
export function expandEnvReferences(value: unknown, env: NodeJS.ProcessEnv): Expanded {
  const problems: ConfigProblem[] = [];
  return { value: walk(value, env, [], problems), problems };
}
