import { fieldName } from './parse.js';
import type { PolicyDocument, ResolvedPolicy } from './types.js';

function getIn(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * Name the clause that set a setting for an artifact, with the pack that wrote it, e.g.
 * `strict: scopes[production].deny_formats` or `baseline: actions.medium = warn`. The selected scope's own
 * setting wins over the top level; among packs the child-most one wins (as in the merge); `(default)` when no
 * pack sets it.
 */
export function clauseFor(
  policy: ResolvedPolicy,
  scopeName: string | null,
  path: readonly string[],
  value?: unknown,
): string {
  const shown =
    value === undefined ? '' : ` = ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`;
  if (scopeName !== null) {
    for (const layer of policy.layers) {
      const rule = (layer.document as PolicyDocument).scopes?.find((s) => s.name === scopeName);
      if (rule && getIn(rule, path) !== undefined)
        return `${layer.id}: scopes[${scopeName}].${fieldName(path)}${shown}`;
      if (rule) break; // the child-most definition of the scope replaced the parents' ones
    }
  }
  for (const layer of policy.layers) {
    if (getIn(layer.document, path) !== undefined) return `${layer.id}: ${fieldName(path)}${shown}`;
  }
  return `(default) ${fieldName(path)}${shown}`;
}
