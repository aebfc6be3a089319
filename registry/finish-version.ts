import { failedResult } from '../connectors/failed-result.js';
import type { ModelVersionRef } from '../connectors/model-version-ref.js';
import type { RemoteArtifact } from '../connectors/remote-artifact.js';
import type { SourceInput } from '../evidence/statement/types.js';
import { decide } from '../scanner/policy/decide.js';
import type { Decision } from '../scanner/policy/decision.js';
import type { PolicyScope } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { RunContext } from './context.js';
import { reusable, versionFingerprint } from './keys.js';
import type { ListingUnit } from './planner.js';
import type { VersionKey } from './state.js';
import { failureOf } from './failure.js';

/** A version (or a scope that could not be listed) ready to be decided. */
export type Finished =
  | { reference: string; scope: PolicyScope; startedAt: Date; failure: unknown }
  | {
      reference: string;
      scope: PolicyScope;
      startedAt: Date;
      version: ModelVersionRef;
      artifacts: RemoteArtifact[];
      results: ArtifactResult[];
      /** Files scanned in this run (0: every result was reused). */
      fresh: number;
    };

/** The version's decision: its strictest artifact decision and highest risk score (as `scan`). */
function overall(ds: readonly Decision[]): { decision: Decision['decision']; riskScore: number } {
  const order = ['allow', 'warn', 'block'] as const;
  let decision: Decision['decision'] = 'allow';
  let riskScore = 0;
  for (const d of ds) {
    if (order.indexOf(d.decision) > order.indexOf(decision)) decision = d.decision;
    riskScore = Math.max(riskScore, d.riskScore);
  }
  return { decision, riskScore };
}

/**
 * Decide every file under the policy, then record signed evidence for the version through the evidence session,
 * unless exactly this listing already has evidence under the same rules and policy (nothing changed). A failure
 * (the scope or the version could not be listed) is decided and recorded as an inconclusive result for it.
 */
export async function finishVersion(ctx: RunContext, unit: ListingUnit, f: Finished): Promise<void> {
  const registry = unit.registry.config.name;
  const kind = unit.registry.config.kind;
  let results: ArtifactResult[];
  let vkey: VersionKey | undefined;
  const source: SourceInput = { reference: f.reference, registry: kind, startedAt: f.startedAt };
  if ('failure' in f) {
    const fail = failureOf(f.failure);
    ctx.tally.fail({ reference: f.reference, registry, ...fail });
    ctx.emit({ event: 'error', reference: f.reference, registry, ...fail });
    results = [failedResult(f.reference, f.failure)];
  } else {
    results = f.results;
    const fingerprint = versionFingerprint(f.version, f.artifacts);
    if (f.version.version) source.version = f.version.version;
    source.digest = fingerprint;
    if (results.every(reusable))
      vkey = {
        reference: f.reference,
        fingerprint,
        rulesVersion: ctx.rulesVersion,
        policySha256: ctx.policy.sha256,
      };
  }
  const decisions = results.map((r) => decide(r, ctx.policy, f.scope, ctx.now()));
  ctx.tally.decisions.push(...decisions);
  const { decision, riskScore } = overall(decisions);
  ctx.tally.versionDecisions[decision]++;
  const base = {
    event: 'version' as const,
    reference: f.reference,
    registry,
    decision,
    riskScore,
    artifacts: results.length,
  };

  const fresh = 'fresh' in f ? f.fresh : 1;
  if (vkey && fresh === 0 && ctx.state?.versionRecorded(vkey, ctx.evidence !== undefined)) {
    ctx.tally.unchanged++;
    ctx.emit({ ...base, evidence: 'unchanged' });
    return;
  }
  let digest: string | null = null;
  if (ctx.evidence) {
    const session = ctx.evidence;
    try {
      const rec = await ctx.serial(() =>
        session.record(
          results,
          { decision, riskScore, policy: { id: ctx.policy.id, sha256: ctx.policy.sha256 } },
          { ...source, finishedAt: ctx.now() },
        ),
      );
      digest = rec.digest;
      ctx.tally.recorded++;
    } catch (err) {
      const message = `evidence could not be recorded: ${(err as Error)?.message ?? String(err)}`;
      ctx.tally.fail({ reference: f.reference, registry, code: 'EVIDENCE', message });
      ctx.emit({ event: 'error', reference: f.reference, registry, code: 'EVIDENCE', message });
      ctx.emit({ ...base, evidence: 'failed' });
      return;
    }
  }
  if (vkey) ctx.state?.rememberVersion(vkey, decision, digest, ctx.now());
  ctx.emit({ ...base, evidence: ctx.evidence ? 'recorded' : 'off' });
}
