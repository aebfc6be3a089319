import { inconclusiveResult } from '../scanner/inconclusive-result.js';
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
  return inconclusiveResult(path, 'IO_ERROR', message);
}
