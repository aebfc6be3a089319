import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSeverity, type Severity } from '../severity.js';
import { readRuleDocument } from './load.js';
import { packageRoot } from './package-root.js';

/** The part every rule in `rules/*.yaml` shares: a stable id, a default severity and a one-line why. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  references?: string[];
  /** The rules file it comes from (without .yaml). */
  file: string;
}

let cached: Map<string, RuleInfo> | undefined;

/** Every rule id the scanner can emit, from all bundled rule files (each has a top-level `rules:` list). */
export function ruleCatalog(): Map<string, RuleInfo> {
  if (cached) return cached;
  const dir = join(packageRoot(), 'rules');
  const out = new Map<string, RuleInfo>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    const doc = readRuleDocument(name.replace(/\.yaml$/, '')) as { rules?: unknown } | null;
    if (!Array.isArray(doc?.rules)) continue;
    for (const r of doc.rules as Record<string, unknown>[]) {
      if (typeof r.id !== 'string' || !isSeverity(r.severity)) continue;
      out.set(r.id, {
        id: r.id,
        severity: r.severity,
        title: String(r.title ?? r.id),
        why: String(r.why ?? ''),
        references: Array.isArray(r.references) ? r.references.map(String) : undefined,
        file: name.replace(/\.yaml$/, ''),
      });
    }
  }
  return (cached = out);
}
