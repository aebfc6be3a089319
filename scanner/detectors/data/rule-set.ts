import type { DetectorContext } from '../../detector.js';
import { loadRuleFile } from '../../rules/load.js';
import type { Severity } from '../../severity.js';

/** The fields every rule in `rules/<name>.yaml` has (see the matching `.schema.json`). */
export interface RuleEntry {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  references?: string[];
}

/** What a detector adds to a rule when it reports it. Names only: never values or file content. */
export interface RuleHit {
  message: string;
  evidence?: string;
  callable?: string;
  offset?: number;
}

/**
 * The rules of one rules file, loaded once and schema-checked, and a way to report them by id. Used by the
 * safetensors, GGUF, NumPy and data detectors so severity and wording live in reviewed YAML, not in code.
 */
export class RuleSet<T extends { rules: RuleEntry[] }> {
  private loaded: { doc: T; byId: Map<string, RuleEntry> } | undefined;

  constructor(
    private readonly file: string,
    private readonly schema: string = file,
  ) {}

  /** The whole validated rules document (for detector-specific sections). */
  get doc(): T {
    return this.load().doc;
  }

  rule(id: string): RuleEntry {
    const r = this.load().byId.get(id);
    if (!r) throw new Error(`rule ${id} missing from rules/${this.file}.yaml`);
    return r;
  }

  report(ctx: DetectorContext, id: string, hit: RuleHit): void {
    const r = this.rule(id);
    ctx.report({
      ruleId: r.id,
      severity: r.severity,
      message: hit.message,
      why: r.why,
      ...(r.references?.length ? { references: [...r.references] } : {}),
      ...(hit.evidence === undefined ? {} : { evidence: hit.evidence }),
      ...(hit.callable === undefined ? {} : { callable: hit.callable }),
      ...(hit.offset === undefined ? {} : { offset: hit.offset }),
    });
  }

  private load(): { doc: T; byId: Map<string, RuleEntry> } {
    if (this.loaded) return this.loaded;
    const doc = loadRuleFile<T>(this.file, this.schema);
    const byId = new Map<string, RuleEntry>();
    for (const r of doc.rules) byId.set(r.id, r);
    return (this.loaded = { doc, byId });
  }
}
