/** Test helpers for container detectors: scan bytes at several chunk sizes and look up members. */
import type { Limits } from '../limits.js';
import { scanBytes } from '../pipeline.js';
import type { ArtifactResult } from '../result.js';

/** Chunk sizes that put chunk boundaries everywhere (1, 7) and at typical read sizes (64 KiB). */
export const CHUNK_SIZES = [1, 7, 65536] as const;

export function scanAt(
  bytes: Uint8Array,
  chunk: number,
  limits: Partial<Limits> = {},
  path = 'artifact',
): Promise<ArtifactResult> {
  return scanBytes(bytes, path, { limits }, chunk);
}

/** member path -> format for everything scanned or kept as data. */
export function formats(r: ArtifactResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of r.coverage.scanned) out[e.member] = e.format;
  for (const e of r.coverage.data) out[e.member] = 'data';
  return out;
}

export function ruleIds(r: ArtifactResult): string[] {
  return r.findings.map((f) => f.ruleId).sort();
}

export function issueCodes(r: ArtifactResult): string[] {
  return r.coverage.issues.map((i) => i.code).sort();
}
