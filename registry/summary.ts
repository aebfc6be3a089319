import type { Decision } from '../scanner/policy/decision.js';
import { exitCodeFor } from '../scanner/policy/exit-code.js';
import type { Shard } from './shard.js';

/** Most failures listed by name in the summary (the count is always exact). */
export const MAX_LISTED_FAILURES = 100;

/** One thing that could not be listed or read: per model version, per scope, or per file. */
export interface RunFailure {
  reference: string;
  registry: string;
  code: string;
  message: string;
}

/** What a run did, printed at the end and stored with the run in the state file. */
export interface RunSummary {
  shard: string;
  dryRun: boolean;
  registries: number;
  models: number;
  versions: number;
  artifacts: { listed: number; scanned: number; skipped: number; failed: number; planned: number };
  bytesRead: number;
  /** Per model version: its strictest artifact decision. */
  decisions: { allow: number; warn: number; block: number };
  evidence: { recorded: number; unchanged: number; pending: number | null };
  failures: RunFailure[];
  failureCount: number;
  partial: boolean;
  exitCode: number;
  durationMs: number;
}

/** Running totals of one run. */
export class Tally {
  readonly models = new Set<string>();
  versions = 0;
  listed = 0;
  scanned = 0;
  skipped = 0;
  failed = 0;
  planned = 0;
  bytesRead = 0;
  recorded = 0;
  unchanged = 0;
  pending: number | null = null;
  /** Every artifact decision (for the exit code, as `scan`). */
  readonly decisions: Decision[] = [];
  /** Decisions per model version (and per scope that could not be listed). */
  readonly versionDecisions = { allow: 0, warn: 0, block: 0 };
  readonly failures: RunFailure[] = [];
  failureCount = 0;

  fail(f: RunFailure): void {
    this.failureCount++;
    if (this.failures.length < MAX_LISTED_FAILURES) this.failures.push(f);
  }

  /** Exit code: the policy's (as `scan`), and at least 2 when the run was partial (a failure anywhere). */
  summary(shard: Shard, registries: number, dryRun: boolean, startedMs: number): RunSummary {
    const partial = this.failureCount > 0;
    const policyCode = exitCodeFor(this.decisions);
    return {
      shard: `${shard.index}/${shard.count}`,
      dryRun,
      registries,
      models: this.models.size,
      versions: this.versions,
      artifacts: {
        listed: this.listed,
        scanned: this.scanned,
        skipped: this.skipped,
        failed: this.failed,
        planned: this.planned,
      },
      bytesRead: this.bytesRead,
      decisions: { ...this.versionDecisions },
      evidence: { recorded: this.recorded, unchanged: this.unchanged, pending: this.pending },
      failures: this.failures,
      failureCount: this.failureCount,
      partial,
      exitCode: partial && policyCode === 0 ? 2 : policyCode,
      durationMs: Math.round(performance.now() - startedMs),
    };
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The summary as text (stdout of `--format text`). */
export function summaryText(s: RunSummary): string {
  const a = s.artifacts;
  const lines = [
    `cavra-scan registry${s.dryRun ? ' (dry run)' : ''} shard ${s.shard}: ${s.registries} registr${s.registries === 1 ? 'y' : 'ies'}, ${s.models} model(s), ${s.versions} version(s)`,
    s.dryRun
      ? `  artifacts: ${a.listed} listed, ${a.planned} would be scanned, ${a.skipped} unchanged`
      : `  artifacts: ${a.listed} listed, ${a.scanned} scanned, ${a.skipped} skipped (unchanged), ${a.failed} failed; ${mb(s.bytesRead)} read`,
  ];
  if (!s.dryRun) {
    lines.push(
      `  decisions: ${s.decisions.allow} allow, ${s.decisions.warn} warn, ${s.decisions.block} block`,
    );
    const pending = s.evidence.pending === null ? '' : `, ${s.evidence.pending} pending delivery`;
    lines.push(`  evidence: ${s.evidence.recorded} recorded, ${s.evidence.unchanged} unchanged${pending}`);
  }
  if (s.failureCount > 0) {
    lines.push(`  failures (${s.failureCount}; the run is partial):`);
    for (const f of s.failures) lines.push(`    ${f.reference} [${f.registry}] ${f.code}: ${f.message}`);
    if (s.failureCount > s.failures.length) lines.push(`    ... ${s.failureCount - s.failures.length} more`);
  }
  lines.push(`  exit ${s.exitCode} after ${(s.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}
