import type { OpenedBody } from './connector.js';
import type { ModelVersionRef } from './model-version-ref.js';
import type { RemoteArtifact } from './remote-artifact.js';

/**
 * An object store that other registries point into (MLflow `s3://` sources, SageMaker model data, W&B `s3://`
 * references). Artifacts it lists carry a locator in the store's own URI form (`s3://bucket/key`).
 */
export interface ObjectStore {
  /** URI schemes it reads, e.g. `s3:`. */
  readonly schemes: readonly string[];
  /**
   * Files at `uri` (one object, or every object below a prefix), as artifacts of `version` whose paths are relative
   * to `uri` and whose references are `<referenceBase>/<path>` (or `referenceBase` alone for a single object).
   */
  listUri(
    uri: string,
    version: ModelVersionRef,
    referenceBase: string,
    signal?: AbortSignal,
  ): AsyncIterable<RemoteArtifact>;
  openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody>;
  close(): Promise<void>;
}

/** Whether the store reads `uri`. */
export function storeReads(store: ObjectStore | undefined, uri: string): store is ObjectStore {
  return store !== undefined && store.schemes.some((s) => uri.startsWith(`${s}//`));
}
