import type { ArtifactResult } from '../../scanner/result.js';
import { verdictRank } from '../../scanner/verdict.js';
import { EXIT } from '../exit-codes.js';

export type FailOn = 'malicious' | 'suspicious' | 'none';

/**
 * 1 when any result is at or above `failOn`; else 2 when any is inconclusive (unless allowed) or nothing was
 * scanned (fail closed); else 0.
 */
export function scanExitCode(
  results: readonly ArtifactResult[],
  failOn: FailOn,
  allowInconclusive: boolean,
): number {
  if (failOn !== 'none') {
    const threshold = failOn === 'malicious' ? verdictRank('malicious') : verdictRank('suspicious');
    if (results.some((r) => r.verdict !== 'inconclusive' && verdictRank(r.verdict) >= threshold))
      return EXIT.FINDINGS;
  }
  if (!allowInconclusive && (results.length === 0 || results.some((r) => r.verdict === 'inconclusive')))
    return EXIT.INCONCLUSIVE;
  return EXIT.OK;
}
