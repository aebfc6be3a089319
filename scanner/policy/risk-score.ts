import type { Severity } from '../severity.js';
import { severityRank } from '../severity.js';

/**
 * Risk score bands, by the worst effective severity. Within a band the score rises with the number of findings
 * at that severity: `lo + round((hi - lo) * (1 - 2^-(n-1)))` (one finding = `lo`, approaching `hi`).
 * An incomplete scan raises the score to at least {@link INCONCLUSIVE_FLOOR}, so an inconclusive artifact never
 * scores as clean, above any suspicious-only result and below any malicious one (the verdict precedence).
 */
export const SCORE_BANDS: Readonly<Record<Severity, readonly [number, number]>> = Object.freeze({
  info: [1, 9],
  low: [10, 29],
  medium: [30, 59],
  high: [70, 89],
  critical: [90, 100],
});

export const INCONCLUSIVE_FLOOR = 60;

/**
 * Monotone: adding a finding (of any severity) or a coverage issue never lowers the score, because the worst
 * severity can only rise, the count at the worst severity can only rise (or the band jumps up), and the floor
 * only applies more. Clean and complete = 0.
 */
export function riskScore(severities: readonly Severity[], complete: boolean): number {
  let worst: Severity | undefined;
  let count = 0;
  for (const s of severities) {
    if (worst === undefined || severityRank(s) > severityRank(worst)) {
      worst = s;
      count = 1;
    } else if (s === worst) count++;
  }
  let score = 0;
  if (worst !== undefined) {
    const [lo, hi] = SCORE_BANDS[worst];
    score = lo + Math.round((hi - lo) * (1 - 2 ** -(count - 1)));
  }
  if (!complete) score = Math.max(score, INCONCLUSIVE_FLOOR);
  return score;
}
