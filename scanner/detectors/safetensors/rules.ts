import { RuleSet, type RuleEntry } from '../data/rule-set.js';

export interface SafetensorsRules {
  rules: RuleEntry[];
  metadata_patterns: { code: string[]; url: string[] };
}

/** rules/safetensors.yaml, validated by rules/safetensors.schema.json. */
export const SAFETENSORS_RULES = new RuleSet<SafetensorsRules>('safetensors');
