import type { RegistryKind } from './registry-kind.js';

/**
 * One immutable model version in a registry: an HF repo pinned to a commit sha, an MLflow `name/version`, a
 * SageMaker versioned model package, a W&B artifact version, or an S3 prefix. Evidence names models by this.
 */
export interface ModelVersionRef {
  registry: RegistryKind;
  /** Registry endpoint the version was listed from (base URL, or `aws:<region>`). */
  endpoint: string;
  /** Model name as the registry spells it: `org/repo`, MLflow name, package group, `entity/project/collection`, `s3://bucket/prefix`. */
  model: string;
  /** Immutable version: commit sha, MLflow version number, package version, `v3`, or '' for plain S3. */
  version: string;
  /** Canonical reference of the version, e.g. `hf://org/repo@<sha>`, `models:/fraud/3`, a package ARN. */
  reference: string;
  /** Registry-side key that changes whenever the version's content may have changed (for incremental skips). */
  changeKey?: string;
  /** Short registry labels (status, approval, aliases, stage). Names and states only, never model content. */
  labels: Readonly<Record<string, string>>;
  /** Connector-private locator (e.g. the MLflow storage URI, a W&B artifact id). Opaque to everyone else. */
  locator: string;
}
