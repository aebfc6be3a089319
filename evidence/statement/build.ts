import type { ArtifactResult } from '../../scanner/result.js';
import { severityRank } from '../../scanner/severity.js';
import { verdictRank, type Verdict } from '../../scanner/verdict.js';
import { EVIDENCE_LIMITS as L } from '../limits.js';
import { CavraError } from '../../scanner/errors.js';
import { boundId, boundText, isSha256Hex } from './sanitize.js';
import {
  IN_TOTO_STATEMENT_TYPE,
  MODEL_SCAN_PREDICATE_TYPE,
  type DecisionInput,
  type ModelScanStatement,
  type PredicateArtifact,
  type PredicateFinding,
  type PredicateIssue,
  type SourceInput,
  type Subject,
} from './types.js';

export interface ScannerInfo {
  name: string;
  version: string;
  rulesVersion: string;
}

/**
 * Build the in-toto Statement for one scanned model version. Everything is mapped and trimmed to the schema's
 * bounds, so the result always validates. Findings carry rule id, severity, location and callable name only:
 * never the finding message or evidence text, which could quote model data.
 */
export function buildModelScanStatement(
  results: readonly ArtifactResult[],
  decision: DecisionInput | undefined,
  source: SourceInput,
  scanner: ScannerInfo,
  now: Date,
): ModelScanStatement {
  const kept = results.slice(0, L.maxArtifacts);
  const names = kept.map((r) => boundText(r.path, L.maxNameLength));
  const subject: Subject[] = [];
  const artifacts: PredicateArtifact[] = [];
  const findings: PredicateFinding[] = [];
  const issues: PredicateIssue[] = [];
  let scanned = 0;
  let data = 0;
  let unlisted = 0;
  let complete = results.length > 0;
  let verdict: Verdict = results.length > 0 ? 'clean' : 'inconclusive';
  let totalIssues = 0;

  kept.forEach((r, i) => {
    const name = names[i] as string;
    const sha = r.sha256 !== null && isSha256Hex(r.sha256) ? r.sha256 : null;
    if (sha) subject.push({ name, digest: { sha256: sha } });
    artifacts.push({
      name,
      sha256: sha,
      size: Math.max(0, Math.floor(r.size)),
      format: boundId(r.format, L.maxIdLength),
      verdict: r.verdict,
      complete: r.coverage.complete,
      findings: r.findings.length,
    });
    for (const f of r.findings) {
      const pf: PredicateFinding = {
        ruleId: boundId(f.ruleId, L.maxIdLength),
        severity: f.severity,
        artifact: name,
      };
      if (f.location.member) pf.member = boundText(f.location.member, L.maxNameLength);
      if (
        f.location.offset !== undefined &&
        Number.isSafeInteger(f.location.offset) &&
        f.location.offset >= 0
      )
        pf.offset = f.location.offset;
      if (f.callable) pf.callable = boundText(f.callable, L.maxCallableLength);
      findings.push(pf);
    }
    for (const is of r.coverage.issues) {
      totalIssues++;
      if (issues.length < L.maxIssues)
        issues.push({
          artifact: name,
          member: boundText(is.member, L.maxNameLength),
          code: boundId(is.code, L.maxIdLength),
        });
    }
    scanned += r.coverage.scanned.length;
    data += r.coverage.data.length;
    unlisted += r.coverage.unlisted;
    complete &&= r.coverage.complete && sha !== null;
  });
  for (const r of results) if (verdictRank(r.verdict) > verdictRank(verdict)) verdict = r.verdict;
  if (results.length > kept.length) complete = false;

  // Keep the most severe findings when there are too many (stable sort keeps artifact order within a severity).
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const keptFindings = findings.slice(0, L.maxFindings);
  const omittedBeyondCap = results.slice(L.maxArtifacts).reduce((n, r) => n + r.findings.length, 0);

  const finished = source.finishedAt ?? now;
  const totalMs = results.reduce((n, r) => n + Math.max(0, r.durationMs), 0);
  const started = source.startedAt ?? new Date(finished.getTime() - Math.round(totalMs));

  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject,
    predicateType: MODEL_SCAN_PREDICATE_TYPE,
    predicate: {
      scanner: {
        name: boundId(scanner.name, L.maxIdLength),
        version: boundId(scanner.version, L.maxIdLength),
      },
      rules: { version: boundId(scanner.rulesVersion, L.maxIdLength) },
      policy: decision
        ? { id: boundId(decision.policy.id, L.maxIdLength), sha256: policyDigest(decision.policy.sha256) }
        : null,
      source: {
        reference: boundText(source.reference, L.maxNameLength),
        registry: source.registry ? boundId(source.registry, L.maxIdLength) : null,
        version: source.version ? boundText(source.version, L.maxIdLength) : null,
        digest: source.digest ? boundText(source.digest, L.maxIdLength) : null,
      },
      verdict,
      decision: decision?.decision ?? null,
      riskScore:
        decision && Number.isFinite(decision.riskScore)
          ? Math.min(1e6, Math.max(0, decision.riskScore))
          : null,
      coverage: { complete, scanned, data, unlisted, issues, issuesOmitted: totalIssues - issues.length },
      artifacts,
      artifactsOmitted: results.length - kept.length,
      findings: keptFindings,
      findingsOmitted: findings.length - keptFindings.length + omittedBeyondCap,
      startedOn: started.toISOString(),
      finishedOn: finished.toISOString(),
    },
  };
}

/** The policy's sha256 as lowercase hex (an optional `sha256:` prefix is accepted); anything else is a caller bug. */
function policyDigest(v: string): string {
  const hex = v.replace(/^sha256:/i, '').toLowerCase();
  if (!isSha256Hex(hex)) throw new CavraError('INTERNAL', 'policy sha256 is not a SHA-256 hex digest');
  return hex;
}
