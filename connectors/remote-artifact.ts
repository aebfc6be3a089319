import type { ModelVersionRef } from './model-version-ref.js';

/**
 * Content digests a registry states without a download. `sha256`, `md5` and `git-blob-sha1` are checked against
 * the bytes read; `etag` (an S3 ETag, not always an MD5) is only a change key.
 */
export type DigestAlgorithm = 'sha256' | 'md5' | 'git-blob-sha1' | 'etag';

export interface ArtifactDigest {
  algorithm: DigestAlgorithm;
  /** Lowercase hex for hash algorithms; the ETag without quotes for `etag`. */
  value: string;
}

/** One file of a model version, as the registry lists it. */
export interface RemoteArtifact {
  version: ModelVersionRef;
  /** Path inside the version (`/`-separated, no leading slash, no `..`). */
  path: string;
  /** Reference of this file: the result path, e.g. `hf://org/repo@<sha>/model.bin`. */
  reference: string;
  /** Size stated by the registry, when it states one. */
  size?: number;
  digests: ArtifactDigest[];
  /** Connector-private locator (URL, `s3://bucket/key`, W&B file id). Opaque to everyone else. */
  locator: string;
}
