import type { RegistryKind } from '../connectors/registry-kind.js';

/** A secret by reference, never inline: an environment variable or a file (e.g. a mounted Kubernetes Secret). */
export type SecretRef = { env: string } | { file: string };

/** Facts for the policy's scope selectors, from the operator (the registry's own stage/aliases win). */
export interface DecideFacts {
  stage?: string;
  tags?: string[];
}

/**
 * One scope of a registry. `models` entries are explicit names, or globs (`*`, `**`, `?`) that filter a full
 * listing (of `owner`, or of the whole registry where the registry can list everything).
 */
export interface ScopeConfig extends DecideFacts {
  /** HF author/organisation; W&B `entity/project`; S3 bucket. */
  owner?: string;
  models?: string[];
  /** HF revision; MLflow version or `@alias`; SageMaker package version; W&B version or alias. */
  version?: string;
  /** MLflow: one listing per alias (`@alias`). */
  aliases?: string[];
  /** MLflow: keep versions whose (deprecated) stage is one of these. */
  stages?: string[];
  /** SageMaker `ModelApprovalStatus`. */
  approval?: 'Approved' | 'Rejected' | 'PendingManualApproval';
}

export interface RegistryConfig extends DecideFacts {
  kind: RegistryKind;
  /** Display name for logs and the summary (default: the kind, `kind#2` for a second one). */
  name: string;
  /** HF endpoint / SageMaker or S3 endpoint. */
  endpoint?: string;
  trackingUri?: string;
  baseUrl?: string;
  region?: string;
  s3Endpoint?: string;
  token?: SecretRef;
  username?: SecretRef;
  password?: SecretRef;
  apiKey?: SecretRef;
  /** Scopes to walk; absent = everything the credentials can see (where the registry can list everything). */
  scopes: ScopeConfig[];
}

export interface LimitsConfig {
  maxFileBytes?: number;
  maxDepth?: number;
  artifactTimeoutSeconds?: number;
  maxVersionsPerScope?: number;
  maxArtifactsPerVersion?: number;
}

export interface RetryConfig {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  maxRetryAfterMs?: number;
}

/** `cavra-scan.yaml` after validation (`registry/config.schema.json`). */
export interface RegistryJobConfig {
  /** The file it was read from (for messages and relative paths). */
  file: string;
  registries: RegistryConfig[];
  /** Policy reference, resolved against the config file's folder when it is a path. */
  policy?: string;
  concurrency?: number;
  limits: LimitsConfig;
  retry?: RetryConfig;
}

/** Defaults for the job's own limits. */
export const DEFAULT_JOB_LIMITS = Object.freeze({
  /** Per-artifact wall clock (download + scan), 2 h: a 100 GB file at ~15 MB/s. */
  artifactTimeoutSeconds: 2 * 60 * 60,
  maxVersionsPerScope: 100_000,
  maxArtifactsPerVersion: 10_000,
});
