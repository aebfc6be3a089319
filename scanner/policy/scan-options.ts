import type { Limits } from '../limits.js';
import type { RuleExtensions } from '../rule-extensions.js';
import { settingsFor } from './merge.js';
import { selectScope } from './scope.js';
import type { PolicyLimits, PolicyScope, PolicySettings, ResolvedPolicy } from './types.js';

const LIMIT_KEYS: Record<keyof PolicyLimits, keyof Limits> = {
  max_file_bytes: 'maxFileBytes',
  max_depth: 'maxDepth',
  max_members: 'maxMembers',
  max_expanded_bytes: 'maxExpandedBytes',
  max_expansion_ratio: 'maxExpansionRatio',
  max_pickle_opcodes: 'maxPickleOpcodes',
  max_pickle_memo: 'maxPickleMemo',
  max_pickle_stack: 'maxPickleStack',
  max_pickle_line: 'maxPickleLine',
  max_header_bytes: 'maxHeaderBytes',
  max_millis: 'maxMillis',
  max_findings: 'maxFindings',
  max_coverage_entries: 'maxCoverageEntries',
};

/** The settings in force for `scope` (top level + the selected scope). */
export function effectiveSettings(
  policy: ResolvedPolicy,
  scope: PolicyScope,
): { settings: PolicySettings; scopeName: string | null } {
  const rule = selectScope(policy.document, scope);
  return { settings: settingsFor(policy.document, rule), scopeName: rule?.name ?? null };
}

/** What a scan needs from the policy before it starts: extra allow/deny lists and limits. */
export function policyScanOptions(
  policy: ResolvedPolicy,
  scope: PolicyScope,
): { extensions: RuleExtensions; limits: Partial<Limits> } {
  const { settings } = effectiveSettings(policy, scope);
  const allow = settings.allow ?? {};
  const deny = settings.deny ?? {};
  const moduleTree = (m: string): string => `${m}.*`;
  const extensions: RuleExtensions = {
    allowGlobals: [...(allow.globals ?? []), ...(allow.modules ?? []).map(moduleTree)],
    denyGlobals: [...(deny.globals ?? []), ...(deny.modules ?? []).map(moduleTree)],
    allowKerasModules: [...(allow.keras_modules ?? [])],
    denyKerasModules: [...(deny.keras_modules ?? [])],
    allowTfOps: [...(allow.tf_ops ?? [])],
    denyTfOps: [...(deny.tf_ops ?? [])],
    allowOnnxDomains: [...(allow.onnx_domains ?? [])],
  };
  const limits: Partial<Limits> = {};
  for (const [k, v] of Object.entries(settings.limits ?? {}) as [keyof PolicyLimits, number | undefined][]) {
    if (v !== undefined) limits[LIMIT_KEYS[k]] = v;
  }
  return { extensions, limits };
}
