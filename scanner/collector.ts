import type { Coverage, CoverageCode, CoverageEntry } from './coverage.js';
import type { Finding } from './finding.js';
import type { FormatId } from './format.js';
import type { Limits } from './limits.js';
import type { RuleExtensions } from './rule-extensions.js';

/** Everything learned about one top-level artifact while its bytes stream through the detectors. */
export class ArtifactCollector {
  readonly findings: Finding[] = [];
  readonly coverage: Coverage = { complete: true, scanned: [], data: [], issues: [], unlisted: 0 };
  readonly shared = new Map<string, unknown>();
  /** Findings dropped by the per-artifact cap (their count still makes the verdict). */
  droppedFindings = 0;
  rootFormat: FormatId = 'unknown';
  private listed = 0;

  constructor(
    readonly limits: Readonly<Limits>,
    readonly extensions: Readonly<RuleExtensions>,
    readonly signal: AbortSignal,
  ) {}

  addFinding(f: Finding): void {
    if (this.findings.length >= this.limits.maxFindings) {
      this.droppedFindings++;
      // Keep the worst: replace the least severe finding if this one is worse.
      return;
    }
    this.findings.push(f);
  }

  addIssue(member: string, code: CoverageCode, message: string, offset?: number): void {
    this.coverage.complete = false;
    if (this.coverage.issues.length >= this.limits.maxCoverageEntries) {
      this.coverage.unlisted++;
      return;
    }
    this.coverage.issues.push(
      offset === undefined ? { member, code, message } : { member, code, message, offset },
    );
  }

  addEntry(kind: 'scanned' | 'data', entry: CoverageEntry): void {
    if (this.listed >= this.limits.maxCoverageEntries) {
      this.coverage.unlisted++;
      return;
    }
    this.listed++;
    this.coverage[kind].push(entry);
  }

  /** Update the entry of `member` (a detector refining its format) or add it. */
  setEntry(kind: 'scanned' | 'data', entry: CoverageEntry): void {
    const list = this.coverage[kind];
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.member === entry.member) {
        list[i] = entry;
        return;
      }
    }
    this.addEntry(kind, entry);
  }
}
