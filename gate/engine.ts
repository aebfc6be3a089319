import { decide } from '../scanner/policy/decide.js';
import { INCONCLUSIVE_FLOOR } from '../scanner/policy/risk-score.js';
import { policyScanOptions } from '../scanner/policy/scan-options.js';
import type { PolicyScope, ResolvedPolicy } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import { aggregate, summarize } from './aggregate.js';
import { GateError, toGateError } from './errors.js';
import type { EvidenceStore, ModelSource, ResolvedModel, SourceOpener } from './ports.js';
import { fromEvidence } from './reuse.js';
import type { GateOutcome, GateReason } from './types.js';

export interface GateRequest {
  reference: string;
  policy: ResolvedPolicy;
  /** Reuse signed evidence younger than this; 0 never reuses. */
  maxAgeMs: number;
  /** Scope facts the caller knows better than the registry listing (e.g. the alias a webhook just set). */
  scope?: Partial<PolicyScope>;
  signal?: AbortSignal;
}

/** Hooks for metrics; called as files finish scanning. */
export interface GateObserver {
  scanned?(result: ArtifactResult): void;
}

export interface GateDeps {
  openSource: SourceOpener;
  /** Signed evidence (reuse and recording); absent when no signing key is configured. */
  evidence?: EvidenceStore;
  now?: () => Date;
  observer?: GateObserver;
}

/**
 * Decide whether one model version may ship. Pin the reference and list its files (metadata only); reuse earlier
 * signed evidence when it passes every check (see reuse.ts); otherwise scan every file once, decide each under the
 * policy, and record signed evidence when a store is configured. Never throws: anything that keeps the gate from
 * deciding on the model's merits is a block with exit code 2 and the reason (fail closed).
 */
export async function runGate(req: GateRequest, deps: GateDeps): Promise<GateOutcome> {
  const now = deps.now ?? (() => new Date());
  const checkedAt = now();
  let source: ModelSource;
  try {
    source = deps.openSource(req.reference);
  } catch (err) {
    return failed(req, null, toGateError(err), checkedAt);
  }
  let model: ResolvedModel | null = null;
  try {
    model = await source.resolve(req.signal);
    const scope: PolicyScope = { ...model.scope, ...req.scope };
    let rejected: string | undefined;
    if (deps.evidence && model.fingerprint !== null && req.maxAgeMs > 0) {
      const answer = deps.evidence.findReusable({
        model,
        policySha256: req.policy.sha256,
        rulesVersion: deps.evidence.rulesVersion,
        maxAgeMs: req.maxAgeMs,
        now: checkedAt,
      });
      if (answer.hit) {
        const reused = fromEvidence(answer.hit, model, req.reference, req.policy, scope, checkedAt);
        if ('outcome' in reused) return reused.outcome;
        rejected = reused.rejected;
      } else rejected = answer.rejected;
    }
    return await scanAndDecide(req, deps, source, model, scope, checkedAt, rejected);
  } catch (err) {
    return failed(req, model, toGateError(err), checkedAt);
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function scanAndDecide(
  req: GateRequest,
  deps: GateDeps,
  source: ModelSource,
  model: ResolvedModel,
  scope: PolicyScope,
  checkedAt: Date,
  rejected: string | undefined,
): Promise<GateOutcome> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const pairs = [];
  let bytes = 0;
  const options = { ...policyScanOptions(req.policy, scope), ...(req.signal ? { signal: req.signal } : {}) };
  for await (const result of source.scan(model, options)) {
    pairs.push({ result, decision: decide(result, req.policy, scope, now()) });
    bytes += result.size;
    deps.observer?.scanned?.(result);
  }
  // An aborted scan is never evidence: its results only say that the scan stopped.
  if (req.signal?.aborted) throw new GateError('TIMEOUT', 'the gate timed out before every file was scanned');
  const agg = aggregate(pairs);
  const outcome: GateOutcome = {
    reference: req.reference,
    resolved: model.reference,
    decision: agg.decision,
    exit_code: agg.exitCode,
    risk_score: agg.riskScore,
    summary: agg.summary,
    reasons: agg.reasons,
    policy: { id: req.policy.id, sha256: req.policy.sha256 },
    evidence: null,
    ...(rejected ? { evidence_rejected: rejected } : {}),
    artifacts: pairs.map(({ result: r }) => ({
      name: r.path,
      sha256: r.sha256,
      size: r.size,
      verdict: r.verdict,
    })),
    bytes_scanned: bytes,
    checked_at: checkedAt.toISOString(),
  };
  if (!deps.evidence) return outcome;
  try {
    const rec = await deps.evidence.record({
      results: pairs.map((p) => p.result),
      decision: { decision: agg.decision, riskScore: agg.riskScore, policy: outcome.policy },
      model,
      startedAt: started,
      finishedAt: now(),
    });
    outcome.evidence = { id: rec.id, seq: rec.seq, reused: false, recorded_at: rec.recordedAt };
    return outcome;
  } catch (err) {
    // Evidence is required once a key is configured: an answer without its record cannot be relied on.
    const e = new GateError(
      'EVIDENCE_WRITE_FAILED',
      `the decision could not be recorded as signed evidence: ${(err as Error)?.message ?? String(err)}`,
    );
    return { ...failed(req, model, e, checkedAt), artifacts: outcome.artifacts, bytes_scanned: bytes };
  }
}

/** Block, exit 2: the gate could not decide on the model's merits. */
export function failed(
  req: Pick<GateRequest, 'reference' | 'policy'>,
  model: ResolvedModel | null,
  err: GateError,
  checkedAt: Date,
): GateOutcome {
  const reasons: GateReason[] = [
    { kind: 'error', action: 'block', rule_id: err.code, why: `cannot decide: ${err.message}` },
  ];
  return {
    reference: req.reference,
    resolved: model?.reference ?? null,
    decision: 'block',
    exit_code: 2,
    risk_score: INCONCLUSIVE_FLOOR,
    summary: summarize('block', reasons),
    reasons,
    policy: { id: req.policy.id, sha256: req.policy.sha256 },
    evidence: null,
    artifacts: [],
    bytes_scanned: 0,
    error: { code: err.code, message: err.message },
    checked_at: checkedAt.toISOString(),
  };
}
