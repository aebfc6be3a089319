import type { Env } from '../connectors/connector-factory.js';
import type { RetryPolicy } from '../connectors/http/retry-policy.js';
import type { RemoteArtifact } from '../connectors/remote-artifact.js';
import type { EgressRule } from '../evidence/emit/egress-policy.js';
import type { Limits } from '../scanner/limits.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { RuleExtensions } from '../scanner/rule-extensions.js';
import type { RegistryConfig } from './config-types.js';

/**
 * What a scan thread is started with (structured-cloned into `workerData`): enough to build the run's connectors
 * itself, behind the same egress allowlist. Secrets stay references; the thread reads them like the main thread.
 */
export interface ScanThreadInit {
  registries: RegistryConfig[];
  env: Env;
  retry?: Partial<RetryPolicy>;
  /** The run's egress allowlist as data; absent means no allowlist (library use without one). */
  egressRules?: EgressRule[];
}

/** One artifact to stream once (hash + scan) in a scan thread. */
export interface ScanJob {
  id: number;
  /** Index into `ScanThreadInit.registries`. */
  registry: number;
  artifact: RemoteArtifact;
  extensions?: RuleExtensions;
  limits?: Partial<Limits>;
  timeoutMs: number;
}

export interface ScanJobOutcome {
  result: ArtifactResult;
  /** The per-artifact timeout ended the scan. */
  timedOut: boolean;
}

export type ToScanThread = { op: 'scan'; job: ScanJob } | { op: 'cancel' };

export type FromScanThread = { op: 'done'; id: number; outcome: ScanJobOutcome };

/** Entry file of a scan thread, relative to this module in dist/. */
export const SCAN_THREAD_ENTRY = 'scan-thread.js';

/**
 * The same entry with the project's own modules bundled by `npm run build` (esbuild; packages in node_modules stay
 * imports, and modules the thread imports on demand stay separate chunks, so undici is still loaded only by a thread
 * that makes an API request). An isolate loads one file instead of ~160 modules one by one: measured with the
 * registry bench, that saved about 0.25 s of CPU per run at `--concurrency 2`, where two threads start at once.
 */
export const SCAN_THREAD_BUNDLE = 'thread-bundle/scan-thread.js';
