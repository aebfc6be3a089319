import type { Decision } from './decision.js';

/** Exit codes shared by `scan`, `registry` and `gate` once a policy decides (same values as cli/exit-codes.ts). */
export const POLICY_EXIT = Object.freeze({ ALLOW_OR_WARN: 0, BLOCK: 1, INCONCLUSIVE: 2, CONFIG: 3 });

/** True when a block rests only on the scan being incomplete (no finding or requirement alone blocks). */
export function blockRestsOnInconclusive(d: Decision): boolean {
  if (d.decision !== 'block') return false;
  return d.reasons.filter((r) => r.action === 'block').every((r) => r.kind === 'inconclusive');
}

/**
 * 0 when every decision is allow or warn; 1 when any artifact is blocked on its own merits (a finding, a
 * format or a missing signature); otherwise 2 when a block rests on an inconclusive result (fail closed).
 */
export function exitCodeFor(decisions: readonly Decision[]): number {
  let code: number = POLICY_EXIT.ALLOW_OR_WARN;
  for (const d of decisions) {
    if (d.decision !== 'block') continue;
    if (!blockRestsOnInconclusive(d)) return POLICY_EXIT.BLOCK;
    code = POLICY_EXIT.INCONCLUSIVE;
  }
  return code;
}
