import type { ArtifactResult } from '../../scanner/result.js';
import type { Verdict } from '../../scanner/verdict.js';

export type VerdictCounts = Record<Verdict, number> & { files: number; findings: number; bytes: number };

export function countVerdicts(results: readonly ArtifactResult[]): VerdictCounts {
  const c: VerdictCounts = {
    files: 0,
    findings: 0,
    bytes: 0,
    clean: 0,
    suspicious: 0,
    malicious: 0,
    inconclusive: 0,
  };
  for (const r of results) {
    c.files++;
    c[r.verdict]++;
    c.findings += r.findings.length;
    c.bytes += r.size;
  }
  return c;
}
