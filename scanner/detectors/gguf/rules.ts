import { RuleSet, type RuleEntry } from '../data/rule-set.js';

export interface GgufRules {
  rules: RuleEntry[];
  jinja: { gadget_roots: string[]; dangerous_names: string[]; attribute_filters: string[] };
}

/** rules/gguf.yaml (GGUF and Jinja chat-template rules), validated by rules/gguf.schema.json. */
export const GGUF_RULES = new RuleSet<GgufRules>('gguf');
