import { RuleSet, type RuleEntry } from '../data/rule-set.js';

/** `rules/onnx.yaml`, validated by `rules/onnx.schema.json`. */
export interface OnnxRulesDoc {
  rules: RuleEntry[];
  standard_domains: string[];
  python_ops: string[];
}

export const ONNX_RULES = new RuleSet<OnnxRulesDoc>('onnx');
