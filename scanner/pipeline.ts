import type { Hasher } from './hash/hasher.js';
import { localHasher } from './hash/local-hasher.js';
import { offloadHasher } from './hash/offload-hasher.js';
import { ArtifactCollector } from './collector.js';
import { ObjectSink } from './object-sink.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { ArtifactResult } from './result.js';
import { NO_EXTENSIONS, type RuleExtensions } from './rule-extensions.js';
import { computeVerdict } from './verdict.js';

export interface ScanOptions {
  limits?: Partial<Limits>;
  extensions?: RuleExtensions;
  signal?: AbortSignal;
  /** Expected size in bytes (a file's stat, a registry's stated size): large artifacts are hashed on a thread. */
  sizeHint?: number;
}

/** From this size on, SHA-256 runs on a background thread, overlapping the detectors on the main thread. */
export const OFFLOAD_HASH_BYTES = 16 * 1024 * 1024;

/**
 * Scan one artifact from a stream of its bytes, in one pass: every chunk is hashed (SHA-256) and handed to the
 * detector chosen by content, then dropped. Memory does not grow with the artifact's size.
 */
export async function scanStream(
  source: AsyncIterable<Uint8Array>,
  path: string,
  options: ScanOptions = {},
): Promise<ArtifactResult> {
  const started = performance.now();
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const timeout = AbortSignal.timeout(limits.maxMillis);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const collector = new ArtifactCollector(limits, options.extensions ?? NO_EXTENSIONS, signal);
  const root = new ObjectSink(collector, '', 0);
  const hash: Hasher = (options.sizeHint ?? 0) >= OFFLOAD_HASH_BYTES ? offloadHasher() : localHasher();
  let size = 0;
  let scanning = true;
  let complete = true;
  // The detectors run at most one chunk behind the hash: while they work on chunk k (often waiting on an
  // inflater in the thread pool), chunk k+1 is read and hashed. Sources must keep a chunk valid until two
  // more have been requested (readFileChunks rotates three buffers; network streams yield fresh ones).
  let inFlight: Promise<void> | undefined;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limits.maxFileBytes) {
        collector.addIssue(
          '',
          'LIMIT_SIZE',
          `artifact larger than ${limits.maxFileBytes} bytes; stopped reading`,
        );
        complete = false;
        break;
      }
      const hashing = hash.update(chunk);
      if (hashing) await hashing;
      if (!scanning) continue;
      if (signal.aborted) {
        scanning = false;
        collector.addIssue(
          '',
          timeout.aborted ? 'LIMIT_TIME' : 'IO_ERROR',
          timeout.aborted ? `scan exceeded ${limits.maxMillis} ms` : 'scan aborted',
          size,
        );
        continue;
      }
      if (inFlight) await inFlight;
      inFlight = root.write(chunk);
    }
  } catch (err) {
    complete = false;
    collector.addIssue('', 'IO_ERROR', `read failed after ${size} bytes: ${(err as Error).message}`);
  }
  if (inFlight) await inFlight;
  const digest = await hash.digest();
  if (scanning && complete) await root.end();
  return {
    path,
    sha256: complete ? digest : null,
    size,
    format: collector.rootFormat,
    verdict: computeVerdict(collector.findings, collector.coverage),
    findings: collector.findings,
    coverage: collector.coverage,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Scan bytes already in memory (tests, small embedded objects). */
export function scanBytes(
  bytes: Uint8Array,
  path = 'bytes',
  options: ScanOptions = {},
  chunkSize = 1 << 20,
): Promise<ArtifactResult> {
  return scanStream(chunked(bytes, chunkSize), path, options);
}

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
