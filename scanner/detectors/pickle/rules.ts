import type { Severity } from '../../severity.js';
import { loadRuleFile } from '../../rules/load.js';

/** One entry of `rules/pickle-globals.yaml` `rules:`. */
export interface PickleRule {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  references?: string[];
  match?: { modules?: string[]; names?: string[]; members?: string[]; attributes?: string[] };
}

export interface PickleAllow {
  ecosystem: string;
  modules?: string[];
  names?: string[];
}

/** The whole `rules/pickle-globals.yaml` document (validated by `rules/pickle-globals.schema.json`). */
export interface PickleRulesFile {
  version: 1;
  rules: PickleRule[];
  aliases: Record<string, string>;
  reexports: Record<string, string>;
  allow: PickleAllow[];
  dangerous_code_names: string[];
}

let cached: PickleRulesFile | undefined;

/** Load (once) and schema-check the bundled pickle rules. Throws CavraError RULES_INVALID on a bad file. */
export function pickleRules(): PickleRulesFile {
  return (cached ??= loadRuleFile<PickleRulesFile>('pickle-globals', 'pickle-globals'));
}
