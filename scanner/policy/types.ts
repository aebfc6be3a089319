import type { FormatId } from '../format.js';
import type { Severity } from '../severity.js';

/** What a policy does with an artifact. Ordered: allow < warn < block. */
export type Action = 'allow' | 'warn' | 'block';

export const ACTIONS: readonly Action[] = ['allow', 'warn', 'block'];

export function actionRank(a: Action): number {
  return ACTIONS.indexOf(a);
}

/** `actions:` — one action per finding severity, plus the non-finding reasons. */
export interface PolicyActions {
  critical?: Action;
  high?: Action;
  medium?: Action;
  low?: Action;
  info?: Action;
  inconclusive?: 'warn' | 'block';
  format?: 'warn' | 'block';
  unsigned?: 'warn' | 'block';
}

export type ActionKey = keyof PolicyActions;

export interface NameLists {
  globals?: string[];
  modules?: string[];
  keras_modules?: string[];
  tf_ops?: string[];
  onnx_domains?: string[];
}

export interface PolicyLimits {
  max_file_bytes?: number;
  max_depth?: number;
  max_members?: number;
  max_expanded_bytes?: number;
  max_expansion_ratio?: number;
  max_pickle_opcodes?: number;
  max_pickle_memo?: number;
  max_pickle_stack?: number;
  max_pickle_line?: number;
  max_header_bytes?: number;
  max_millis?: number;
  max_findings?: number;
  max_coverage_entries?: number;
}

/** Settings that can appear at the top level of a pack and inside a scope. */
export interface PolicySettings {
  actions?: PolicyActions;
  severity_overrides?: Record<string, Severity>;
  allow?: NameLists;
  deny?: Omit<NameLists, 'onnx_domains'>;
  require_formats?: FormatId[];
  deny_formats?: FormatId[];
  require_signature?: boolean;
  limits?: PolicyLimits;
}

/** A scope selector: every key given must match; a list matches when any of its globs does. */
export interface ScopeSelector {
  registry?: string | string[];
  model?: string | string[];
  stage?: string | string[];
  alias?: string | string[];
  tag?: string | string[];
}

export interface PolicyScopeRule extends PolicySettings {
  name: string;
  description?: string;
  match: ScopeSelector | ScopeSelector[];
}

export interface Waiver {
  id?: string;
  rule: string;
  artifact?: string;
  sha256?: string;
  owner: string;
  reason: string;
  /** Last day (UTC, YYYY-MM-DD) the waiver applies. */
  expires: string;
}

/** One policy file as written (validated against `policies/schema.json`). */
export interface PolicyDocument extends PolicySettings {
  version: 1;
  id: string;
  description?: string;
  extends?: string;
  scopes?: PolicyScopeRule[];
  waivers?: Waiver[];
}

/** One file of an `extends` chain, as loaded. */
export interface PolicyLayer {
  id: string;
  /** `bundled:<name>` or the file path. */
  source: string;
  document: PolicyDocument;
}

/** A policy after `extends` is applied. `sha256` hashes the canonical JSON of `document`. */
export interface ResolvedPolicy {
  id: string;
  sha256: string;
  source: string;
  /** The merged document, without `extends`. */
  document: Omit<PolicyDocument, 'extends'>;
  /** The chain that produced it, the loaded file first, its root last (for clause provenance). */
  layers: PolicyLayer[];
}

/** Where an artifact lives; scope selectors match on it. For local files: registry 'local', model = path. */
export interface PolicyScope {
  registry?: string;
  model?: string;
  stage?: string;
  alias?: string;
  tags?: string[];
  /** Signature verified (true), verified absent/invalid (false), or not known (undefined = unsigned). */
  signed?: boolean;
}
