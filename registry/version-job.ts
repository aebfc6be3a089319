import { ConnectorError } from '../connectors/errors.js';
import type { ModelVersionRef } from '../connectors/model-version-ref.js';
import type { RemoteArtifact } from '../connectors/remote-artifact.js';
import type { ScanOptions } from '../scanner/pipeline.js';
import { effectiveSettings, policyScanOptions } from '../scanner/policy/scan-options.js';
import type { PolicyScope } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { RunContext } from './context.js';
import { failureOf } from './failure.js';
import { finishVersion } from './finish-version.js';
import { artifactLocation, contentKey, reusable } from './keys.js';
import type { ListingUnit } from './planner.js';
import type { ScanKey } from './state.js';

/** The policy scope of a version: registry and model, the registry's stage and alias, the configured facts. */
export function policyScopeOf(unit: ListingUnit, version: ModelVersionRef): PolicyScope {
  const s: PolicyScope = { registry: version.registry, model: version.model };
  const own = version.labels.stage;
  const stage = own && own !== 'None' ? own : unit.facts.stage;
  if (stage) s.stage = stage;
  const alias = unit.scope.version?.startsWith('@')
    ? unit.scope.version.slice(1)
    : version.labels.aliases?.split(',')[0];
  if (alias) s.alias = alias;
  if (unit.facts.tags?.length) s.tags = unit.facts.tags;
  return s;
}

async function listAll(
  ctx: RunContext,
  unit: ListingUnit,
  version: ModelVersionRef,
): Promise<RemoteArtifact[]> {
  const out: RemoteArtifact[] = [];
  for await (const a of unit.registry.connector.listArtifacts(version, unit.scope, ctx.signal)) {
    if (out.length >= ctx.limits.maxArtifactsPerVersion)
      throw new ConnectorError('UNSUPPORTED', `more than ${ctx.limits.maxArtifactsPerVersion} files`);
    out.push(a);
  }
  if (out.length === 0) throw 'the model version lists no files';
  return out;
}

/**
 * Process one model version: list its files (metadata only), reuse the stored result of every file whose content
 * key, rules and policy are unchanged (no download), and start a scan for each other file on the shared pool.
 * Resolves once every file is dispatched (so the caller never runs ahead of the pool) with `done`, which settles
 * when the version is decided and its evidence recorded.
 */
export async function dispatchVersion(
  ctx: RunContext,
  unit: ListingUnit,
  version: ModelVersionRef,
): Promise<{ done: Promise<void> }> {
  const kind = unit.registry.config.kind;
  ctx.tally.models.add(`${kind}\0${version.endpoint}\0${version.model}`);
  ctx.tally.versions++;
  const scope = policyScopeOf(unit, version);
  const startedAt = ctx.now();
  let artifacts: RemoteArtifact[];
  try {
    artifacts = await listAll(ctx, unit, version);
  } catch (err) {
    if (ctx.dryRun) {
      reportFailure(ctx, unit, version.reference, err);
      return { done: Promise.resolve() };
    }
    return {
      done: finishVersion(ctx, unit, { reference: version.reference, scope, startedAt, failure: err }),
    };
  }
  ctx.tally.listed += artifacts.length;
  const fromPolicy = policyScanOptions(ctx.policy, scope);
  const options: ScanOptions = {
    extensions: fromPolicy.extensions,
    limits: {
      ...fromPolicy.limits,
      ...(ctx.limits.maxFileBytes !== undefined ? { maxFileBytes: ctx.limits.maxFileBytes } : {}),
      ...(ctx.limits.maxDepth !== undefined ? { maxDepth: ctx.limits.maxDepth } : {}),
    },
  };
  const policyScope = effectiveSettings(ctx.policy, scope).scopeName ?? '';
  const slots: Promise<ArtifactResult>[] = [];
  let fresh = 0;
  for (const a of artifacts) {
    const key: ScanKey = {
      location: artifactLocation(a),
      contentKey: contentKey(a),
      rulesVersion: ctx.rulesVersion,
      policySha256: ctx.policy.sha256,
      policyScope,
    };
    const hit = ctx.state?.lookup(key);
    if (hit) {
      ctx.tally.skipped++;
      ctx.emit({
        event: 'artifact',
        reference: a.reference,
        action: 'skipped',
        bytes: 0,
        verdict: hit.verdict,
      });
      slots.push(Promise.resolve({ ...hit, path: a.reference }));
      continue;
    }
    fresh++;
    if (ctx.dryRun) {
      ctx.tally.planned++;
      ctx.emit({ event: 'artifact', reference: a.reference, action: 'planned', bytes: a.size ?? 0 });
      continue;
    }
    const { done } = await ctx.pool.start(() => scanOne(ctx, unit, a, options, key));
    slots.push(done);
  }
  if (ctx.dryRun) return { done: Promise.resolve() };
  const done = (async () => {
    const results = await Promise.all(slots);
    await finishVersion(ctx, unit, {
      reference: version.reference,
      scope,
      startedAt,
      version,
      artifacts,
      results,
      fresh,
    });
  })();
  return { done };
}

/** A dry run reports failures without deciding or recording anything. */
function reportFailure(ctx: RunContext, unit: ListingUnit, reference: string, err: unknown): void {
  const f = failureOf(err);
  ctx.tally.fail({ reference, registry: unit.registry.config.name, ...f });
  ctx.emit({ event: 'error', reference, registry: unit.registry.config.name, ...f });
}

/**
 * Stream one file once (hash + scan) in a scan thread, within the per-artifact timeout; store the result when it is
 * reproducible.
 */
async function scanOne(
  ctx: RunContext,
  unit: ListingUnit,
  a: RemoteArtifact,
  options: ScanOptions,
  key: ScanKey,
): Promise<ArtifactResult> {
  const { result: r, timedOut } = await ctx.threads.scan({
    registry: unit.registry.index,
    artifact: a,
    ...(options.extensions ? { extensions: options.extensions } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    timeoutMs: ctx.limits.artifactTimeoutMs,
  });
  if (timedOut)
    r.coverage.issues.push({
      member: '',
      code: 'LIMIT_TIME',
      message: `artifact timeout of ${Math.round(ctx.limits.artifactTimeoutMs / 1000)} s exceeded`,
    });
  ctx.tally.bytesRead += r.size;
  if (reusable(r)) {
    try {
      ctx.state?.remember(key, r, ctx.now());
    } catch (err) {
      // The result stands; only the skip next run is lost. Never reject: a rejected slot would go unhandled.
      const message = `cannot store the result: ${(err as Error).message}`;
      ctx.tally.fail({ reference: a.reference, registry: unit.registry.config.name, code: 'STATE', message });
    }
    ctx.tally.scanned++;
    ctx.emit({
      event: 'artifact',
      reference: a.reference,
      action: 'scanned',
      bytes: r.size,
      verdict: r.verdict,
      ms: r.durationMs,
    });
  } else {
    const issue = r.coverage.issues.find((i) =>
      ['IO_ERROR', 'LIMIT_TIME', 'INTERNAL_ERROR'].includes(i.code),
    );
    const f = { code: issue?.code ?? 'IO_ERROR', message: issue?.message ?? 'not read to the end' };
    ctx.tally.failed++;
    ctx.tally.fail({ reference: a.reference, registry: unit.registry.config.name, ...f });
    ctx.emit({
      event: 'artifact',
      reference: a.reference,
      action: 'failed',
      bytes: r.size,
      verdict: r.verdict,
      ms: r.durationMs,
    });
    ctx.emit({ event: 'error', reference: a.reference, registry: unit.registry.config.name, ...f });
  }
  return r;
}
