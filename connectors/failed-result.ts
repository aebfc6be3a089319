import type { ArtifactResult } from '../scanner/result.js';
import { ConnectorError } from './errors.js';

/**
 * An inconclusive result for something that could not be listed or read at all (wrong credentials, registry down,
 * missing model): the run goes on, and the failure is reported per reference, never silently.
 */
export function failedResult(path: string, err: unknown): ArtifactResult {
  const message =
    typeof err === 'string'
      ? err
      : err instanceof ConnectorError
        ? `${err.code}: ${err.message}`
        : `INTERNAL: ${(err as Error)?.message ?? String(err)}`;
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
      issues: [{ member: '', code: 'IO_ERROR', message }],
      unlisted: 0,
    },
    durationMs: 0,
  };
}
