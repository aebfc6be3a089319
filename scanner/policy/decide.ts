import type { ArtifactResult } from '../result.js';
import type { RuleInfo } from '../rules/catalog.js';
import { ruleCatalog } from '../rules/catalog.js';
import type { Severity } from '../severity.js';
import { clauseFor } from './clause.js';
import type { Decision, ExpiredWaiver, Reason, WaivedFinding } from './decision.js';
import { formatReasons } from './format-check.js';
import { riskScore } from './risk-score.js';
import { effectiveSettings } from './scan-options.js';
import {
  actionRank,
  type Action,
  type PolicyActions,
  type PolicyScope,
  type ResolvedPolicy,
} from './types.js';
import { waiverExpired, waiverMatchesArtifact } from './waivers.js';

/** Actions when no pack in the chain sets them (the same as `policies/baseline.yaml`). */
export const DEFAULT_ACTIONS: Readonly<Required<PolicyActions>> = Object.freeze({
  critical: 'block',
  high: 'block',
  medium: 'warn',
  low: 'allow',
  info: 'allow',
  inconclusive: 'block',
  format: 'block',
  unsigned: 'block',
});

export interface DecideOptions {
  /** Rule catalog for the "why" text of findings that do not carry one (default: `rules/*.yaml`). */
  catalog?: ReadonlyMap<string, Pick<RuleInfo, 'why'>>;
}

/**
 * Turn one scan result into allow / warn / block under `policy` for an artifact in `scope`. Every finding,
 * coverage gap and requirement becomes a reason naming the clause that decided it; the decision is the
 * strictest reason (allow when there is none). Waived findings do not count for the decision but still count
 * for the risk score (a waiver accepts a risk, it does not remove it).
 */
export function decide(
  result: ArtifactResult,
  policy: ResolvedPolicy,
  scope: PolicyScope,
  now: Date = new Date(),
  options: DecideOptions = {},
): Decision {
  const { settings, scopeName } = effectiveSettings(policy, scope);
  const actions: Required<PolicyActions> = { ...DEFAULT_ACTIONS, ...settings.actions };
  const overrides = settings.severity_overrides ?? {};
  const waivers = policy.document.waivers ?? [];
  const reasons: Reason[] = [];
  const waived: WaivedFinding[] = [];
  const expiredWaivers: ExpiredWaiver[] = [];
  const severities: Severity[] = [];
  const catalog = options.catalog;
  const whyOf = (ruleId: string): string | undefined =>
    (catalog ?? safeCatalog()).get(ruleId)?.why || undefined;

  const artifactWaivers = waivers.filter((w) => waiverMatchesArtifact(w, result));
  const expired = new Map(artifactWaivers.filter((w) => waiverExpired(w, now)).map((w) => [w, false]));

  for (const f of result.findings) {
    const severity = overrides[f.ruleId] ?? f.severity;
    severities.push(severity);
    const waiver = artifactWaivers.find((w) => w.rule === f.ruleId && !expired.has(w));
    for (const w of expired.keys()) if (w.rule === f.ruleId) expired.set(w, true);
    if (waiver) {
      const { id, owner, reason, expires } = waiver;
      waived.push({ ruleId: f.ruleId, member: f.location.member, waiver: { id, owner, reason, expires } });
      continue;
    }
    const action = actions[severity];
    const actionClause = clauseFor(policy, scopeName, ['actions', severity], action);
    const clause =
      severity === f.severity
        ? actionClause
        : `${clauseFor(policy, scopeName, ['severity_overrides', f.ruleId], severity)}; ${actionClause}`;
    reasons.push({
      kind: 'finding',
      action,
      ruleId: f.ruleId,
      severity,
      ...(severity !== f.severity ? { reportedSeverity: f.severity } : {}),
      ...(f.location.member ? { member: f.location.member } : {}),
      ...(f.callable ? { callable: f.callable } : {}),
      ...(f.evidence ? { evidence: f.evidence } : {}),
      clause,
      why: f.why || whyOf(f.ruleId) || f.message,
    });
  }
  for (const [w, matched] of expired)
    expiredWaivers.push({ id: w.id, rule: w.rule, owner: w.owner, expires: w.expires, matched });

  const inconclusive = !result.coverage.complete || result.verdict === 'inconclusive';
  if (inconclusive) {
    const clause = clauseFor(policy, scopeName, ['actions', 'inconclusive'], actions.inconclusive);
    const seen = new Set<string>();
    for (const issue of result.coverage.issues) {
      if (seen.has(issue.code)) continue;
      seen.add(issue.code);
      reasons.push({
        kind: 'inconclusive',
        action: actions.inconclusive,
        ruleId: issue.code,
        ...(issue.member ? { member: issue.member } : {}),
        clause,
        why: `not fully scanned: ${issue.message}`,
      });
    }
    if (seen.size === 0)
      reasons.push({ kind: 'inconclusive', action: actions.inconclusive, clause, why: 'not fully scanned' });
  }

  reasons.push(
    ...formatReasons(result, settings, actions.format, (path, value) =>
      clauseFor(policy, scopeName, path, value),
    ),
  );

  if (settings.require_signature && scope.signed !== true) {
    reasons.push({
      kind: 'unsigned',
      action: actions.unsigned,
      clause: `${clauseFor(policy, scopeName, ['require_signature'], true)}; ${clauseFor(policy, scopeName, ['actions', 'unsigned'], actions.unsigned)}`,
      why:
        scope.signed === false
          ? 'a verified signature is required and the artifact has none'
          : 'a verified signature is required and none was verified',
    });
  }

  let decision: Action = 'allow';
  for (const r of reasons) if (actionRank(r.action) > actionRank(decision)) decision = r.action;
  return {
    decision,
    riskScore: riskScore(severities, !inconclusive),
    policy: { id: policy.id, sha256: policy.sha256 },
    scope: scopeName,
    reasons,
    waived,
    expiredWaivers,
    inconclusive,
  };
}

function safeCatalog(): ReadonlyMap<string, Pick<RuleInfo, 'why'>> {
  try {
    return ruleCatalog();
  } catch {
    return new Map();
  }
}
