import type { Coverage } from './coverage.js';
import type { Finding } from './finding.js';
import { severityRank } from './severity.js';

/** Scanner verdict for one artifact. Precedence: malicious > inconclusive > suspicious > clean (fail closed). */
export type Verdict = 'clean' | 'suspicious' | 'malicious' | 'inconclusive';

export const VERDICTS: readonly Verdict[] = ['clean', 'suspicious', 'inconclusive', 'malicious'];

export function verdictRank(v: Verdict): number {
  return VERDICTS.indexOf(v);
}

export function computeVerdict(findings: readonly Finding[], coverage: Pick<Coverage, 'complete'>): Verdict {
  let worst = -1;
  for (const f of findings) worst = Math.max(worst, severityRank(f.severity));
  if (worst >= severityRank('high')) return 'malicious';
  if (!coverage.complete) return 'inconclusive';
  if (worst >= severityRank('medium')) return 'suspicious';
  return 'clean';
}
