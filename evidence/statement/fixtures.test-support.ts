import { createHash } from 'node:crypto';
import type { ArtifactResult } from '../../scanner/result.js';

/** A scan result for tests: sha256 of `content`, optional findings. */
export function fakeResult(
  path: string,
  content: string | Buffer,
  over: Partial<ArtifactResult> = {},
): ArtifactResult {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    format: 'pickle',
    verdict: 'clean',
    findings: [],
    coverage: {
      complete: true,
      scanned: [{ member: '', format: 'pickle' }],
      data: [],
      issues: [],
      unlisted: 0,
    },
    durationMs: 3,
    ...over,
  };
}

export const SCANNER = { name: 'cavra-scan', version: '0.1.0', rulesVersion: '0.1.0' };
