import type { CoverageCode } from './coverage.js';
import type { ArtifactResult } from './result.js';

/**
 * The result for an artifact that could not be read at all (unreadable path, symlink loop, registry failure):
 * inconclusive with its reason, so the run goes on and nothing is ever silently skipped.
 */
export function inconclusiveResult(path: string, code: CoverageCode, message: string): ArtifactResult {
  return {
    path,
    sha256: null,
    size: 0,
    format: 'unknown',
    verdict: 'inconclusive',
    findings: [],
    coverage: {
      complete: false,
      scanned: [],
      data: [],
      issues: [{ member: '', code, message }],
      unlisted: 0,
    },
    durationMs: 0,
  };
}
