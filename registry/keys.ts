import type { RemoteArtifact } from '../connectors/remote-artifact.js';
import { listingFingerprint } from '../gate/fingerprint.js';
import type { ModelVersionRef } from '../connectors/model-version-ref.js';
import type { ArtifactResult } from '../scanner/result.js';

/** Digests in the order they are trusted as a content key (the strongest the registry states wins). */
const DIGEST_ORDER = ['sha256', 'md5', 'git-blob-sha1', 'etag'] as const;

/** Where an artifact lives across versions: registry kind, endpoint, model and path (NUL-separated). */
export function artifactLocation(a: RemoteArtifact): string {
  return [a.version.registry, a.version.endpoint, a.version.model, a.path].join('\0');
}

/**
 * What identifies the artifact's content without a download. With a registry digest (HF sha256, W&B md5, HF git
 * blob sha1, S3 ETag) it is that digest and the size, so an unchanged file in a new version (a new HF commit) is
 * not read again. Without one (MLflow) it is the immutable version reference, the version's change key and the
 * size. The key is only ever compared at the same location, so a weak digest (MD5, SHA-1, ETag) never lets one
 * file stand in for another.
 */
export function contentKey(a: RemoteArtifact): string {
  const size = a.size ?? '';
  for (const alg of DIGEST_ORDER) {
    const d = a.digests.find((x) => x.algorithm === alg);
    if (d) return `${alg}:${d.value.toLowerCase()}:${size}`;
  }
  return `version:${a.reference}|${a.version.changeKey ?? ''}|${size}`;
}

/** True when the registry states a digest, i.e. when a skip needs no trust in version immutability. */
export function hasDigest(a: RemoteArtifact): boolean {
  return a.digests.length > 0;
}

/** The listing fingerprint of a version (shared with `gate`, which can then reuse the job's evidence). */
export function versionFingerprint(version: ModelVersionRef, artifacts: readonly RemoteArtifact[]): string {
  return listingFingerprint(
    version.reference,
    version.changeKey,
    artifacts.map((a) => ({
      name: a.reference,
      ...(a.size !== undefined ? { size: a.size } : {}),
      digests: a.digests.map((d) => ({ algorithm: d.algorithm, value: d.value })),
    })),
  );
}

/** Coverage codes that say a result depends on the run (network, clock), not on the content: never stored. */
const TRANSIENT = new Set(['IO_ERROR', 'LIMIT_TIME', 'INTERNAL_ERROR']);

/** A result worth keeping: read to the end, hashed, and not cut short by anything but the content itself. */
export function reusable(r: ArtifactResult): boolean {
  return r.sha256 !== null && !r.coverage.issues.some((i) => TRANSIENT.has(i.code));
}
