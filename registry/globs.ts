import { globMatch } from '../scanner/policy/glob.js';

/** True when a configured model name is a glob (`*`, `**`, `?`) rather than an exact name. */
export function isGlob(name: string): boolean {
  return /[*?]/.test(name);
}

/** Split configured model names into exact names and glob patterns. */
export function splitModels(models: readonly string[] | undefined): { exact: string[]; globs: string[] } {
  const exact: string[] = [];
  const globs: string[] = [];
  for (const m of models ?? []) (isGlob(m) ? globs : exact).push(m);
  return { exact, globs };
}

/** True when `model` matches any of `globs` (case-sensitive, `*` within one `/` segment). */
export function matchesAny(globs: readonly string[], model: string): boolean {
  return globs.some((g) => globMatch(g, model));
}
