import { RuleSet, type RuleEntry } from '../data/rule-set.js';

/** rules/numpy.yaml, validated by rules/numpy.schema.json. */
export const NUMPY_RULES = new RuleSet<{ rules: RuleEntry[] }>('numpy');
