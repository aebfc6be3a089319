/** Every hard limit in one place. Hitting any of them ends that object as `inconclusive`, never as clean. */
export interface Limits {
  /** Largest top-level artifact read, in bytes. */
  maxFileBytes: number;
  /** Container nesting depth (a file is depth 0; a zip member depth 1; ...). */
  maxDepth: number;
  /** Members read from one container. */
  maxMembers: number;
  /** Largest decompressed size of one member or stream. */
  maxExpandedBytes: number;
  /** Largest expanded/compressed ratio before a stream counts as a decompression bomb. */
  maxExpansionRatio: number;
  /** Pickle: opcodes per pickle object (all stacked streams). */
  maxPickleOpcodes: number;
  /** Pickle: memo entries. */
  maxPickleMemo: number;
  /** Pickle: stack + mark-stack depth. */
  maxPickleStack: number;
  /** Pickle: longest text line argument (protocol 0/1 opcodes). */
  maxPickleLine: number;
  /** Largest header/metadata block parsed in memory (safetensors JSON, npy header, GGUF strings, JSON configs). */
  maxHeaderBytes: number;
  /** Wall-clock budget per top-level artifact, in milliseconds. */
  maxMillis: number;
  /** Findings kept per artifact (the rest are counted). */
  maxFindings: number;
  /** Coverage entries listed per artifact (the rest are counted). */
  maxCoverageEntries: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFileBytes: 256 * 1024 ** 3,
  maxDepth: 6,
  maxMembers: 100_000,
  maxExpandedBytes: 64 * 1024 ** 3,
  maxExpansionRatio: 200,
  maxPickleOpcodes: 100_000_000,
  maxPickleMemo: 8_000_000,
  maxPickleStack: 100_000,
  maxPickleLine: 64 * 1024,
  maxHeaderBytes: 100 * 1024 * 1024,
  maxMillis: 30 * 60 * 1000,
  maxFindings: 1000,
  maxCoverageEntries: 2000,
});
