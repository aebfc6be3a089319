import { globMatch } from './glob.js';
import type { PolicyDocument, PolicyScope, PolicyScopeRule, ScopeSelector } from './types.js';

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function anyMatch(
  patterns: string | string[] | undefined,
  value: string | undefined,
  caseInsensitive: boolean,
): boolean {
  if (value === undefined) return false;
  return list(patterns).some((p) => globMatch(p, value, caseInsensitive));
}

/**
 * How specific `selector` is for `scope`: the number of keys it sets when every one of them matches, else -1.
 * Model globs are case-sensitive; registry, stage, alias and tag compare case-insensitively.
 */
export function selectorSpecificity(selector: ScopeSelector, scope: PolicyScope): number {
  let keys = 0;
  if (selector.registry !== undefined) {
    if (!anyMatch(selector.registry, scope.registry, true)) return -1;
    keys++;
  }
  if (selector.model !== undefined) {
    if (!anyMatch(selector.model, scope.model, false)) return -1;
    keys++;
  }
  if (selector.stage !== undefined) {
    if (!anyMatch(selector.stage, scope.stage, true)) return -1;
    keys++;
  }
  if (selector.alias !== undefined) {
    if (!anyMatch(selector.alias, scope.alias, true)) return -1;
    keys++;
  }
  if (selector.tag !== undefined) {
    if (!(scope.tags ?? []).some((t) => anyMatch(selector.tag, t, true))) return -1;
    keys++;
  }
  return keys;
}

/**
 * The one scope that applies: the most specific matching scope (most selector keys matched), the first in
 * the resolved list on a tie; undefined when none matches (the top-level settings apply alone).
 */
export function selectScope(
  doc: Pick<PolicyDocument, 'scopes'>,
  scope: PolicyScope,
): PolicyScopeRule | undefined {
  let best: PolicyScopeRule | undefined;
  let bestScore = -1;
  for (const rule of doc.scopes ?? []) {
    const selectors = Array.isArray(rule.match) ? rule.match : [rule.match];
    const score = Math.max(...selectors.map((s) => selectorSpecificity(s, scope)));
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/** The scope of a local file: registry 'local', model = the path as given. */
export function localScope(path: string, extra: Omit<PolicyScope, 'registry' | 'model'> = {}): PolicyScope {
  return { registry: 'local', model: path, ...extra };
}
