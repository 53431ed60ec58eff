/** `['routes', 2, 'match', 'host']` → `routes[2].match.host`, as config errors name places. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** One problem in the config file, located by its path. */
export interface ConfigProblem {
  path: readonly PropertyKey[];
  message: string;
}

export function describeProblem(problem: ConfigProblem): string {
  const where = formatConfigPath(problem.path);
  return where === '' ? problem.message : `${where}: ${problem.message}`;
}
