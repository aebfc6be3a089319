import { inconclusiveResult } from '../inconclusive-result.js';
import type { ArtifactResult } from '../result.js';
import { scanStream, type ScanOptions } from '../pipeline.js';
import { readFileChunks } from './read-file.js';
import { walk, type WalkEntry } from './walk.js';

/**
 * Scan every file below `paths`, one at a time, yielding one result per file (problems included). `options`
 * may be a function of the file's path (a policy can scope its allow-lists and limits by model path).
 */
export async function* scanPaths(
  paths: readonly string[],
  options: ScanOptions | ((path: string) => ScanOptions) = {},
): AsyncGenerator<ArtifactResult> {
  for await (const entry of walk(paths)) {
    if (entry.kind === 'problem') {
      yield problemResult(entry);
      continue;
    }
    try {
      yield await scanStream(readFileChunks(entry.path), entry.path, {
        ...(typeof options === 'function' ? options(entry.path) : options),
        sizeHint: entry.size,
      });
    } catch (err) {
      yield problemResult({
        kind: 'problem',
        path: entry.path,
        code: 'UNREADABLE',
        message: (err as Error).message,
      });
    }
  }
}

function problemResult(entry: Extract<WalkEntry, { kind: 'problem' }>): ArtifactResult {
  return inconclusiveResult(entry.path, entry.code, entry.message);
}
