import type { Coverage } from './coverage.js';
import type { Finding } from './finding.js';
import type { FormatId } from './format.js';
import type { Verdict } from './verdict.js';

/** The scan result of one top-level artifact (a file, or one registry file). */
export interface ArtifactResult {
  /** Path as given (joined with the relative path below a directory argument), or a registry reference. */
  path: string;
  /** SHA-256 of every byte, or null when the artifact could not be read to the end. */
  sha256: string | null;
  size: number;
  /** Format of the top-level object, identified by content. */
  format: FormatId;
  verdict: Verdict;
  findings: Finding[];
  coverage: Coverage;
  /** Milliseconds spent on this artifact. */
  durationMs: number;
}
