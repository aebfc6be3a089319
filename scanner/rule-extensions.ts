/**
 * Allow/deny lists a policy adds on top of the bundled rules (`rules/*.yaml`). Patterns are exact names or
 * end in `.*` for a whole module tree (e.g. `acme_models.layers.*`).
 */
export interface RuleExtensions {
  allowGlobals: string[];
  denyGlobals: string[];
  allowKerasModules: string[];
  denyKerasModules: string[];
  allowTfOps: string[];
  denyTfOps: string[];
  allowOnnxDomains: string[];
}

export const NO_EXTENSIONS: Readonly<RuleExtensions> = Object.freeze({
  allowGlobals: [],
  denyGlobals: [],
  allowKerasModules: [],
  denyKerasModules: [],
  allowTfOps: [],
  denyTfOps: [],
  allowOnnxDomains: [],
});

/** True when `name` matches one of `patterns` (exact, or `prefix.*` for the module and everything below it). */
export function matchesPattern(name: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p === name || p === '*') return true;
    if (p.endsWith('.*')) {
      const prefix = p.slice(0, -2);
      if (name === prefix || name.startsWith(prefix + '.')) return true;
    }
  }
  return false;
}
