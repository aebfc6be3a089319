import type { ScanOptions } from '../scanner/pipeline.js';
import type { PolicyScope } from '../scanner/policy/types.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { Severity } from '../scanner/severity.js';

/**
 * The gate's dependencies on the rest of cavra-scan, kept to these small interfaces so that the gate logic does not
 * depend on how registries are read (connectors/) or how evidence is stored (evidence/). Adapters live in
 * `sources/` and `evidence/`.
 */

/** A registry-stated digest of one file (no download needed to know it). */
export interface StatedDigest {
  algorithm: string;
  value: string;
}

/** One file of the model version, as the registry (or the file system) lists it. */
export interface ListedArtifact {
  /** Result path / evidence subject name: the file's immutable reference, or the local path. */
  name: string;
  size?: number;
  digests: StatedDigest[];
}

/** One model version pinned to something immutable, with its files, before any byte is read. */
export interface ResolvedModel {
  /** Canonical immutable reference (`hf://org/repo@<sha>`, `models:/fraud/3`) or the local path. */
  reference: string;
  registry: string;
  /** The registry's version id (commit sha, version number), null for local paths. */
  version: string | null;
  artifacts: ListedArtifact[];
  /**
   * SHA-256 fingerprint of the registry's own metadata for this version (reference, change key, every file's path,
   * size and stated digests), or null when there is no registry metadata to check evidence against (local paths).
   */
  fingerprint: string | null;
  /** The policy scope the version is decided in (registry, model, stage, alias, tags). */
  scope: PolicyScope;
}

/** Where a model version comes from: a registry connector or the local file system. */
export interface ModelSource {
  /** Pin the reference to one version and list its files (metadata only). Throws GateError. */
  resolve(signal?: AbortSignal): Promise<ResolvedModel>;
  /** Stream and scan every file of the resolved version once, one result per file. */
  scan(model: ResolvedModel, options: ScanOptions): AsyncIterable<ArtifactResult>;
  close(): Promise<void>;
}

export type SourceOpener = (reference: string) => ModelSource;

/** A finding or coverage issue as signed in earlier evidence (names only). */
export interface EvidenceFinding {
  ruleId: string;
  severity: Severity;
  artifact: string;
  member?: string;
  callable?: string;
}

/** Earlier signed evidence that passed every reuse check. */
export interface ReusableEvidence {
  id: string;
  seq: number;
  recordedAt: string;
  decision: 'allow' | 'warn' | 'block';
  riskScore: number;
  artifacts: {
    name: string;
    sha256: string | null;
    size: number;
    format: string;
    verdict: 'clean' | 'suspicious' | 'malicious' | 'inconclusive';
  }[];
  findings: EvidenceFinding[];
}

export interface ReuseQuery {
  model: ResolvedModel;
  policySha256: string;
  rulesVersion: string;
  maxAgeMs: number;
  now: Date;
}

/** A reuse hit, or why there was none (`rejected` is set when a candidate existed but failed a check). */
export type ReuseAnswer = { hit: ReusableEvidence } | { hit: null; rejected?: string };

export interface RecordInput {
  results: readonly ArtifactResult[];
  decision: {
    decision: 'allow' | 'warn' | 'block';
    riskScore: number;
    policy: { id: string; sha256: string };
  };
  model: ResolvedModel;
  startedAt: Date;
  finishedAt: Date;
}

/** Signed evidence: look up reusable records and record new ones. */
export interface EvidenceStore {
  /** Rules version stamped into evidence; reuse requires the same. */
  readonly rulesVersion: string;
  findReusable(query: ReuseQuery): ReuseAnswer;
  record(input: RecordInput): Promise<{ id: string; seq: number; recordedAt: string }>;
  /** Scan records not yet delivered to the control plane. */
  pending(): number;
  /** Deliver queued evidence (no-op without a control plane). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
