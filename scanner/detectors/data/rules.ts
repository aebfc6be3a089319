import { RuleSet, type RuleEntry } from './rule-set.js';

/** rules/data.yaml, validated by rules/data.schema.json. */
export const DATA_RULES = new RuleSet<{ rules: RuleEntry[] }>('data');
