import { RuleSet, type RuleEntry } from '../detectors/data/rule-set.js';

export interface TorchscriptPattern {
  rule: string;
  regex: string;
}

export interface ContainerRules {
  rules: RuleEntry[];
  torchscript: { patterns: TorchscriptPattern[]; builtin_op_namespaces: string[] };
}

/** rules/containers.yaml, validated by rules/containers.schema.json. */
export const CONTAINER_RULES = new RuleSet<ContainerRules>('containers');
