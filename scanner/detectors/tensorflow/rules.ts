import { RuleSet, type RuleEntry } from '../data/rule-set.js';

/** `rules/tensorflow.yaml`, validated by `rules/tensorflow.schema.json`. */
export interface TfRulesDoc {
  rules: RuleEntry[];
  python_ops: string[];
  file_read_ops: string[];
  file_write_ops: string[];
  checkpoint_ops: string[];
}

export const TF_RULES = new RuleSet<TfRulesDoc>('tensorflow');
