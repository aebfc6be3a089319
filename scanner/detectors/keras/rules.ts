import { RuleSet, type RuleEntry } from '../data/rule-set.js';

/** `rules/keras.yaml`, validated by `rules/keras.schema.json`. */
export interface KerasRulesDoc {
  rules: RuleEntry[];
  lambda_dangerous_names: string[];
  dangerous_modules: string[];
  keras_modules: string[];
  gadgets: { rule: string; names: string[] }[];
}

export const KERAS_RULES = new RuleSet<KerasRulesDoc>('keras');

/** Lookup tables derived once from the rules file. */
export interface KerasTables {
  lambdaNames: ReadonlySet<string>;
  dangerousModules: readonly string[];
  kerasModules: readonly string[];
  /** Gadget name (bare or dotted) -> rule id. */
  gadgets: ReadonlyMap<string, string>;
}

let tables: KerasTables | undefined;

export function kerasTables(): KerasTables {
  if (tables) return tables;
  const doc = KERAS_RULES.doc;
  const gadgets = new Map<string, string>();
  for (const g of doc.gadgets) {
    KERAS_RULES.rule(g.rule);
    for (const n of g.names) gadgets.set(n, g.rule);
  }
  return (tables = {
    lambdaNames: new Set(doc.lambda_dangerous_names),
    dangerousModules: doc.dangerous_modules.map((m) => `${m}.*`),
    kerasModules: doc.keras_modules,
    gadgets,
  });
}
