import type { PolicyDocument, PolicyScopeRule, PolicySettings } from './types.js';

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Override merge used for `extends` and for scopes: objects merge key by key (recursively), while scalars and
 * lists from `over` replace those of `base`. Neither input is modified.
 */
export function overlay<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return (over === undefined ? base : over) as T;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlain(out[k]) && isPlain(v) ? overlay(out[k], v) : v;
  }
  return out as T;
}

/**
 * Apply a child pack on top of its (already resolved) parent. Settings override as in {@link overlay};
 * `scopes` combine by name: the child's scopes come first (so they win ties), a child scope with a parent's
 * name replaces it; `waivers` are the parent's followed by the child's. `extends` is dropped.
 */
export function mergePacks(
  parent: Omit<PolicyDocument, 'extends'>,
  child: PolicyDocument,
): Omit<PolicyDocument, 'extends'> {
  const { scopes: pScopes, waivers: pWaivers, ...pRest } = parent;
  const { scopes: cScopes, waivers: cWaivers, extends: _ext, ...cRest } = child;
  void _ext;
  const out = overlay(pRest as Plain, cRest as Plain) as Omit<PolicyDocument, 'extends'>;
  const childNames = new Set((cScopes ?? []).map((s) => s.name));
  const scopes: PolicyScopeRule[] = [
    ...(cScopes ?? []),
    ...(pScopes ?? []).filter((s) => !childNames.has(s.name)),
  ];
  const waivers = [...(pWaivers ?? []), ...(cWaivers ?? [])];
  if (scopes.length) out.scopes = scopes;
  if (waivers.length) out.waivers = waivers;
  return out;
}

/** The settings in force for one scope: the top level with the scope's own settings laid over it. */
export function settingsFor(doc: PolicySettings, scope: PolicyScopeRule | undefined): PolicySettings {
  const base: PolicySettings = {
    actions: doc.actions,
    severity_overrides: doc.severity_overrides,
    allow: doc.allow,
    deny: doc.deny,
    require_formats: doc.require_formats,
    deny_formats: doc.deny_formats,
    require_signature: doc.require_signature,
    limits: doc.limits,
  };
  if (!scope) return base;
  const own: PolicySettings = {
    actions: scope.actions,
    severity_overrides: scope.severity_overrides,
    allow: scope.allow,
    deny: scope.deny,
    require_formats: scope.require_formats,
    deny_formats: scope.deny_formats,
    require_signature: scope.require_signature,
    limits: scope.limits,
  };
  return overlay(base, own);
}
