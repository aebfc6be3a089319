import type { Decision, Reason } from '../scanner/policy/decision.js';
import { exitCodeFor } from '../scanner/policy/exit-code.js';
import { actionRank, type Action } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { GateReason } from './types.js';

/** One model version's answer from its files' decisions. */
export interface Aggregate {
  decision: Action;
  exitCode: 0 | 1 | 2;
  riskScore: number;
  reasons: GateReason[];
  summary: string;
}

function gateReason(r: Reason, artifact: string): GateReason {
  return {
    kind: r.kind,
    action: r.action,
    ...(r.ruleId ? { rule_id: r.ruleId } : {}),
    ...(r.severity ? { severity: r.severity } : {}),
    artifact,
    ...(r.member ? { member: r.member } : {}),
    ...(r.callable ? { callable: r.callable } : {}),
    why: r.why,
  };
}

/** The one line that explains the answer: the first strictest reason, or that nothing stood in the way. */
export function summarize(decision: Action, reasons: readonly GateReason[]): string {
  const top = reasons.find((r) => r.action === decision && decision !== 'allow');
  if (!top) return 'no blocking findings; every file fully scanned';
  const what =
    top.kind === 'finding'
      ? `${top.rule_id ?? 'finding'}${top.severity ? ` (${top.severity})` : ''}`
      : top.kind === 'error'
        ? `${top.rule_id ?? 'ERROR'}`
        : `${top.kind}${top.rule_id ? ` ${top.rule_id}` : ''}`;
  const where = top.artifact ? ` in ${top.artifact}${top.member ? `:${top.member}` : ''}` : '';
  const more = reasons.filter((r) => r.action === decision).length - 1;
  return `${what}${where}${top.callable ? ` [${top.callable}]` : ''}: ${top.why}${more > 0 ? ` (+${more} more)` : ''}`;
}

/**
 * Strictest decision over every file, the highest risk score, every reason with its file. Exit code as the policy
 * engine gives it (1 when a block rests on a finding or requirement, 2 when it rests only on an incomplete scan),
 * and 2 when there was nothing to decide on.
 */
export function aggregate(pairs: readonly { result: ArtifactResult; decision: Decision }[]): Aggregate {
  if (pairs.length === 0) {
    const reasons: GateReason[] = [
      { kind: 'inconclusive', action: 'block', why: 'the model version has no files to scan' },
    ];
    return { decision: 'block', exitCode: 2, riskScore: 100, reasons, summary: summarize('block', reasons) };
  }
  let decision: Action = 'allow';
  let riskScore = 0;
  const reasons: GateReason[] = [];
  for (const { result, decision: d } of pairs) {
    if (actionRank(d.decision) > actionRank(decision)) decision = d.decision;
    riskScore = Math.max(riskScore, d.riskScore);
    for (const r of d.reasons) reasons.push(gateReason(r, result.path));
  }
  const exitCode = exitCodeFor(pairs.map((p) => p.decision)) as 0 | 1 | 2;
  return { decision, exitCode, riskScore, reasons, summary: summarize(decision, reasons) };
}
