import { decide } from '../scanner/policy/decide.js';
import type { PolicyScope, ResolvedPolicy } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { Severity } from '../scanner/severity.js';
import { aggregate } from './aggregate.js';
import type { ResolvedModel, ReusableEvidence } from './ports.js';
import type { GateOutcome } from './types.js';

/**
 * The scan results as the evidence signed them (names, digests, formats, findings; complete coverage, since only
 * complete scans are reused), so the current policy can explain them again.
 */
function signedResults(ev: ReusableEvidence): ArtifactResult[] {
  return ev.artifacts.map((a) => ({
    path: a.name,
    sha256: a.sha256,
    size: a.size,
    format: a.format as ArtifactResult['format'],
    verdict: a.verdict,
    findings: ev.findings
      .filter((f) => f.artifact === a.name)
      .map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity as Severity,
        message: f.ruleId,
        location: f.member ? { member: f.member } : {},
        ...(f.callable ? { callable: f.callable } : {}),
      })),
    coverage: { complete: true, scanned: [], data: [], issues: [], unlisted: 0 },
    durationMs: 0,
  }));
}

/**
 * The answer from reusable evidence. The signed decision and risk score stand; the reasons come from deciding the
 * signed findings again under the same policy. If that no longer gives the signed decision (a waiver expired since),
 * the evidence is not reused and the model is scanned again.
 */
export function fromEvidence(
  ev: ReusableEvidence,
  model: ResolvedModel,
  reference: string,
  policy: ResolvedPolicy,
  scope: PolicyScope,
  checkedAt: Date,
): { outcome: GateOutcome } | { rejected: string } {
  const results = signedResults(ev);
  const agg = aggregate(
    results.map((result) => ({ result, decision: decide(result, policy, scope, checkedAt) })),
  );
  if (agg.decision !== ev.decision) {
    return {
      rejected: `evidence ${ev.id.slice(0, 16)} decided ${ev.decision}, the policy now gives ${agg.decision} (waivers changed)`,
    };
  }
  return {
    outcome: {
      reference,
      resolved: model.reference,
      decision: ev.decision,
      exit_code: agg.exitCode,
      risk_score: ev.riskScore,
      summary: agg.summary,
      reasons: agg.reasons,
      policy: { id: policy.id, sha256: policy.sha256 },
      evidence: { id: ev.id, seq: ev.seq, reused: true, recorded_at: ev.recordedAt },
      artifacts: ev.artifacts.map((a) => ({
        name: a.name,
        sha256: a.sha256,
        size: a.size,
        verdict: a.verdict,
      })),
      bytes_scanned: 0,
      checked_at: checkedAt.toISOString(),
    },
  };
}
