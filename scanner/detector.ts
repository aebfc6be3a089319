import type { CoverageCode } from './coverage.js';
import type { FindingInput } from './finding.js';
import type { FormatId } from './format.js';
import type { Limits } from './limits.js';
import type { RuleExtensions } from './rule-extensions.js';
import type { ByteSink } from './sink.js';

/** Options for a nested object opened by a container or an embedding format. */
export interface MemberOptions {
  /** Declared size, when the container states one. */
  size?: number;
  /** Skip content sniffing and scan as this format (e.g. the pickle inside an object-dtype .npy). */
  format?: FormatId;
  /** Treat as inert data without sniffing (e.g. tensor storages referenced by a torch pickle). */
  data?: string;
}

/**
 * What a detector sees of the pipeline while it reads one object. Detectors never print, never touch the
 * file system or network, and never execute or deserialize what they read.
 */
export interface DetectorContext {
  /** Member path of this object inside the artifact ('' for the top-level object). */
  readonly member: string;
  /** Nesting depth: 0 for the top-level object. */
  readonly depth: number;
  /** Declared size of this object, if known. */
  readonly size: number | undefined;
  readonly limits: Readonly<Limits>;
  /** Extra allow/deny lists from the active policy; detectors merge them with their rules. */
  readonly extensions: Readonly<RuleExtensions>;
  /** Per-artifact scratch shared by all objects of one top-level artifact (e.g. torch storage keys seen). */
  readonly shared: Map<string, unknown>;
  readonly signal: AbortSignal;
  /** Record a finding at `offset` (bytes into this object). */
  report(finding: FindingInput): void;
  /** Record that part of this object could not be checked. Makes the artifact inconclusive unless malicious. */
  issue(code: CoverageCode, message: string, offset?: number): void;
  /** Refine this object's format (e.g. `zip` -> `pytorch-zip`) and say what was checked. */
  scanned(format: FormatId, detail?: string): void;
  /** Open a nested object (container member, embedded stream, trailing data); it is sniffed and scanned recursively. */
  openMember(name: string, options?: MemberOptions): ByteSink;
}

/** A format detector: builds a sink for one object of a format it handles. Listed in `detectors/index.ts`. */
export interface Detector {
  readonly id: string;
  /** Bumped when detection logic changes; written into evidence. */
  readonly version: number;
  /** Sniffed formats this detector reads. */
  readonly formats: readonly FormatId[];
  create(ctx: DetectorContext, format: FormatId): ByteSink;
}
