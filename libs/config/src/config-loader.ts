import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './config.error';
import { type ConfigProblem, describeProblem } from './config-path';
import { processEnv } from './env.schema';
import { expandEnvReferences } from './env-expansion';
import { buildKlaxonConfig } from './klaxon-config.build';
import { checkConfigReferences } from './klaxon-config.checks';
import { parseConfigShape } from './klaxon-config.schema';
import type { KlaxonConfig } from './klaxon-config.types';

export type ConfigValidation = { ok: true; config: KlaxonConfig } | { ok: false; problems: string[] };

function isUnder(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => key === path[i]);
}

/**
 * Validates config file text: YAML syntax, `${NAME}` expansion, shape, then
 * cross-references. Returns every problem found, each naming its path.
 */
export function validateKlaxonConfig(text: string, env: NodeJS.ProcessEnv): ConfigValidation {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const where = error.linePos?.[0];
        const what = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        return where ? `line ${where.line}:${where.col}: YAML syntax error: ${what}` : `YAML syntax error: ${what}`;
      }),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    return { ok: false, problems: [`YAML error: ${(error as Error).message}`] };
  }

  const expanded = expandEnvReferences(data, env);
  const shape = parseConfigShape(expanded.value);
  let problems: ConfigProblem[] = [...expanded.problems];
  if (!shape.ok) {
    // a value whose ${NAME} could not be expanded is reported once, not again as malformed
    problems.push(...shape.problems.filter((p) => !expanded.problems.some((e) => isUnder(p.path, e.path))));
  } else {
    problems.push(...checkConfigReferences(shape.file));
  }
  if (problems.length > 0 || !shape.ok) return { ok: false, problems: problems.map(describeProblem) };
  return { ok: true, config: buildKlaxonConfig(shape.file) };
}

function configError(sourceName: string, problems: readonly string[]): ConfigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ConfigError(`${sourceName}: ${count}\n${problems.map((p) => `  ${p}`).join('\n')}`, problems);
}

/** The typed config from YAML text; throws a ConfigError listing every problem. */
export function parseKlaxonConfig(text: string, env: NodeJS.ProcessEnv = processEnv(), sourceName = 'klaxon.yaml'): KlaxonConfig {
  const result = validateKlaxonConfig(text, env);
  if (!result.ok) throw configError(sourceName, result.problems);
  return result.config;
}

/** Reads and validates the config file at `path`; throws a ConfigError naming the file and every problem. */
export function loadKlaxonConfig(path: string, env: NodeJS.ProcessEnv = processEnv()): KlaxonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw configError(path, [`cannot read the config file (${reason})`]);
  }
  return parseKlaxonConfig(text, env, path);
}
