import type { Connector } from '../../connectors/connector.js';
import { egressPolicyFor } from '../../connectors/egress-endpoints.js';
import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { Env } from '../../connectors/connector-factory.js';
import { failedResult } from '../../connectors/failed-result.js';
import type { RetryPolicy } from '../../connectors/http/retry-policy.js';
import { resolveReference } from '../../connectors/index.js';
import type { ModelVersionRef } from '../../connectors/model-version-ref.js';
import type { RemoteArtifact } from '../../connectors/remote-artifact.js';
import { scanArtifact } from '../../connectors/scan-reference.js';
import type { Scope } from '../../connectors/scope.js';
import type { ScanOptions } from '../../scanner/pipeline.js';
import type { PolicyScope } from '../../scanner/policy/types.js';
import type { ArtifactResult } from '../../scanner/result.js';
import { GateError, toGateError } from '../errors.js';
import { listingFingerprint } from '../fingerprint.js';
import type { ModelSource, ResolvedModel } from '../ports.js';

/** Most files one gated model version may list. */
export const MAX_GATE_FILES = 100_000;

export interface RegistrySourceOptions {
  env: Env;
  retry?: Partial<RetryPolicy>;
  /** Egress allowlist; default: this reference's registry endpoints and the control plane (CAVRA_EGRESS_*). */
  egress?: EgressPolicy;
}

/**
 * A registry reference (`hf://org/repo[@rev]`, `models:/name/3`, `models:/name@alias`, ...) read through the
 * connectors: pinned to exactly one immutable version, listed with the registry's stated sizes and digests, then
 * each file streamed and scanned once (resumable reads, stated digests checked against the bytes).
 */
export function registrySource(reference: string, settings: RegistrySourceOptions): ModelSource {
  let opened: { connector: Connector; scope: Scope };
  try {
    opened = resolveReference(reference, {
      env: settings.env,
      ...(settings.retry ? { retry: settings.retry } : {}),
      egress: settings.egress ?? egressPolicyFor([reference], settings.env),
    });
  } catch (err) {
    throw toGateError(err);
  }
  const { connector, scope } = opened;
  const files = new Map<string, RemoteArtifact>();

  return {
    async resolve(signal) {
      const versions: ModelVersionRef[] = [];
      for await (const v of connector.listVersions(scope, signal)) {
        versions.push(v);
        if (versions.length > 1)
          throw new GateError(
            'AMBIGUOUS',
            `${reference} names more than one model version; the gate decides for one (pin a version)`,
          );
      }
      const version = versions[0];
      if (!version) throw new GateError('NOT_FOUND', `${reference}: no model version found`);
      for await (const a of connector.listArtifacts(version, scope, signal)) {
        if (files.size >= MAX_GATE_FILES)
          throw new GateError('UNSUPPORTED', `${version.reference} lists more than ${MAX_GATE_FILES} files`);
        files.set(a.reference, a);
      }
      const artifacts = [...files.values()].map((a) => ({
        name: a.reference,
        ...(a.size !== undefined ? { size: a.size } : {}),
        digests: a.digests.map((d) => ({ algorithm: d.algorithm, value: d.value })),
      }));
      const model: ResolvedModel = {
        reference: version.reference,
        registry: version.registry,
        version: version.version || null,
        artifacts,
        fingerprint: listingFingerprint(version.reference, version.changeKey, artifacts),
        scope: policyScope(version, scope),
      };
      return model;
    },
    async *scan(model: ResolvedModel, options: ScanOptions): AsyncGenerator<ArtifactResult> {
      for (const listed of model.artifacts) {
        const artifact = files.get(listed.name);
        if (!artifact) {
          yield failedResult(listed.name, 'not listed by this source');
          continue;
        }
        try {
          yield await scanArtifact(connector, artifact, {
            ...options,
            ...(settings.retry ? { retry: settings.retry } : {}),
          });
        } catch (err) {
          yield failedResult(listed.name, err);
        }
      }
    },
    close: () => connector.close(),
  };
}

/** Registry, model, stage and alias of a version, for policy scope selection. */
function policyScope(version: ModelVersionRef, scope: Scope): PolicyScope {
  const s: PolicyScope = { registry: version.registry, model: version.model };
  const stage = version.labels.stage;
  if (stage && stage !== 'None') s.stage = stage;
  const alias = scope.version?.startsWith('@')
    ? scope.version.slice(1)
    : version.labels.aliases?.split(',')[0];
  if (alias) s.alias = alias;
  return s;
}
