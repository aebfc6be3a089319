import type { ModelVersionRef } from './model-version-ref.js';
import type { RegistryKind } from './registry-kind.js';
import type { RemoteArtifact } from './remote-artifact.js';
import type { Scope } from './scope.js';

/** A response body opened at a byte offset. */
export interface OpenedBody {
  /** Offset of the first byte of `body` (0 when the server ignored the Range request). */
  start: number;
  body: AsyncIterable<Uint8Array>;
  /** Strong validator (ETag) of the object, used to refuse resuming onto changed content. */
  validator?: string;
  /** Total object size when the server stated it. */
  total?: number;
}

/**
 * A model registry read by reference. Connectors list and read; they never scan, print or write anything.
 * Errors are thrown as `ConnectorError` (connectors/errors.ts).
 */
export interface Connector {
  readonly registry: RegistryKind;
  /** Endpoint this connector talks to (base URL or `aws:<region>`), for evidence and logs. */
  readonly endpoint: string;
  /** Model versions in scope, pinned to immutable versions, following the registry's pagination. */
  listVersions(scope: Scope, signal?: AbortSignal): AsyncIterable<ModelVersionRef>;
  /** Files of one version with the registry's own size and digest where it has them. */
  listArtifacts(version: ModelVersionRef, scope: Scope, signal?: AbortSignal): AsyncIterable<RemoteArtifact>;
  /**
   * Open an artifact's bytes from `offset` (HTTP Range / S3 Range). Callers read through `openArtifact`
   * (connectors/resumable.ts), which resumes a dropped body from where it stopped.
   */
  openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody>;
  /** Release connections. */
  close(): Promise<void>;
}
