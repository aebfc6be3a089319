import type { RetryPolicy } from '../connectors/http/retry-policy.js';
import type { EvidenceSession } from '../evidence/record.js';
import type { ResolvedPolicy } from '../scanner/policy/types.js';
import type { EventSink } from './events.js';
import type { Pool } from './pool.js';
import type { ScanThreads } from './scan-threads.js';
import type { RegistryState } from './state.js';
import type { Tally } from './summary.js';

/** Limits of one run (config `limits:` with defaults applied). */
export interface RunLimits {
  maxFileBytes?: number;
  maxDepth?: number;
  artifactTimeoutMs: number;
  maxVersionsPerScope: number;
  maxArtifactsPerVersion: number;
}

/** Everything a model version's processing needs, shared by the whole run. */
export interface RunContext {
  policy: ResolvedPolicy;
  rulesVersion: string;
  /** Absent in a dry run without an existing state file. */
  state: RegistryState | undefined;
  evidence: EvidenceSession | undefined;
  pool: Pool;
  /** Where artifacts are streamed (one thread per pool slot). */
  threads: ScanThreads;
  limits: RunLimits;
  retry?: Partial<RetryPolicy>;
  dryRun: boolean;
  emit: EventSink;
  tally: Tally;
  signal?: AbortSignal;
  now: () => Date;
  /** Run `task` after every earlier serialized task (evidence appends are kept in order, one at a time). */
  serial<T>(task: () => Promise<T>): Promise<T>;
}
