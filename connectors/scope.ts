/**
 * What to list from a registry. Every field is optional; each connector documents how it reads them
 * (see docs/registries.md). An empty scope means "every model the credentials can see".
 */
export interface Scope {
  /** HF author/organisation; W&B `entity/project`; S3 `bucket`. */
  owner?: string;
  /** Explicit models: HF repo ids, MLflow names, SageMaker package groups (name or ARN), W&B collections, S3 prefixes. */
  models?: string[];
  /** Version selector: HF revision, MLflow version or `@alias`, SageMaker package version, W&B `v3` or alias. */
  version?: string;
  /** One file inside the version (relative path). */
  path?: string;
  /** SageMaker `ModelApprovalStatus` filter (`Approved`, `Rejected`, `PendingManualApproval`). */
  approval?: string;
}
