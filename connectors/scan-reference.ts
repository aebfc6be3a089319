import type { EgressPolicy } from '../evidence/emit/egress-policy.js';
import { CavraError } from '../scanner/errors.js';
import { scanStream, type ScanOptions } from '../scanner/pipeline.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { Connector } from './connector.js';
import type { Env } from './connector-factory.js';
import { ConnectorError } from './errors.js';
import { failedResult } from './failed-result.js';
import type { RetryPolicy } from './http/retry-policy.js';
import { resolveReference } from './index.js';
import type { RemoteArtifact } from './remote-artifact.js';
import { openArtifact } from './resumable.js';
import type { Scope } from './scope.js';
import { DigestTap, withMismatches } from './verify.js';

export interface ScanReferenceOptions extends ScanOptions {
  /** Registry configuration (HF_TOKEN, MLFLOW_TRACKING_URI, AWS_*, WANDB_*); process.env in the CLI. */
  env?: Env;
  retry?: Partial<RetryPolicy>;
  /** The run's egress allowlist (see `egressEndpoints`); requests elsewhere are refused before connecting. */
  egress?: EgressPolicy;
}

/**
 * Scan every artifact a registry reference names (`hf://org/repo`, `models:/fraud/3`, `s3://bucket/key`, a
 * SageMaker model package ARN, `wandb://entity/project/name:v3`), one result per file, each `path` being the
 * file's immutable reference. Registry failures become inconclusive results; a malformed reference (or a missing
 * registry setting such as MLFLOW_TRACKING_URI) throws CavraError('USAGE') before anything is read.
 */
export async function* scanReference(
  ref: string,
  options: ScanReferenceOptions = {},
): AsyncGenerator<ArtifactResult> {
  const settings = {
    env: options.env ?? process.env,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.egress ? { egress: options.egress } : {}),
  };
  let resolved: ReturnType<typeof resolveReference>;
  try {
    resolved = resolveReference(ref, settings);
  } catch (err) {
    if (err instanceof ConnectorError) throw new CavraError('USAGE', err.message, { cause: err });
    throw err;
  }
  const { connector, scope } = resolved;
  try {
    yield* scanScope(connector, scope, ref, options);
  } finally {
    await connector.close();
  }
}

/** Scan a scope of an open connector. Each model is listed on its own so that one failing model spares the rest. */
export async function* scanScope(
  connector: Connector,
  scope: Scope,
  label: string,
  options: ScanOptions & { retry?: Partial<RetryPolicy> } = {},
): AsyncGenerator<ArtifactResult> {
  const parts: { scope: Scope; label: string }[] =
    scope.models && scope.models.length > 1
      ? scope.models.map((m) => ({ scope: { ...scope, models: [m] }, label: m }))
      : [{ scope, label }];
  for (const part of parts) {
    let versions = 0;
    try {
      for await (const version of connector.listVersions(part.scope, options.signal)) {
        versions++;
        let files = 0;
        try {
          for await (const artifact of connector.listArtifacts(version, part.scope, options.signal)) {
            files++;
            yield await scanArtifact(connector, artifact, options);
          }
          if (files === 0) yield failedResult(version.reference, 'the model version lists no files');
        } catch (err) {
          yield failedResult(version.reference, err);
        }
      }
      if (versions === 0) yield failedResult(part.label, 'no model versions in scope');
    } catch (err) {
      yield failedResult(part.label, err);
    }
  }
}

/** Stream one artifact once: resume dropped bodies, hash + scan, then check the registry's size and digests. */
export async function scanArtifact(
  connector: Connector,
  artifact: RemoteArtifact,
  options: ScanOptions & { retry?: Partial<RetryPolicy> } = {},
): Promise<ArtifactResult> {
  const tap = new DigestTap(artifact);
  const source = tap.tap(
    openArtifact(connector, artifact, {
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  const result = await scanStream(source, artifact.reference, {
    ...options,
    ...(artifact.size !== undefined ? { sizeHint: artifact.size } : {}),
  });
  return withMismatches(result, tap.mismatches(result));
}
