import { basename } from 'node:path';
import type { ArtifactResult } from '../../scanner/result.js';
import type { SourceInput } from '../statement/types.js';
import { buildModelSigningStatement, type ModelSigningStatement } from './statement.js';

/** Resource name of an artifact: its path relative to the model root, POSIX. */
function relativeName(path: string, root: string): string {
  const r = root.replace(/\/+$/, '');
  if (path.startsWith(r + '/')) return path.slice(r.length + 1);
  if (path === r) return basename(path);
  return path.replace(/^\/+/, '');
}

/**
 * The OpenSSF model-signing statement for one model version, or a reason why there is none: every file must
 * have been read to the end (a digest for each), otherwise the manifest would not match the directory.
 */
export function modelSigningStatementFor(results: readonly ArtifactResult[], source: SourceInput): { statement: ModelSigningStatement } | { skipped: string } {
  if (results.length === 0) return { skipped: 'no artifacts' };
  const files: { name: string; sha256: string }[] = [];
  const root = source.modelRoot ?? source.reference;
  for (const r of results) {
    if (r.sha256 === null) return { skipped: `artifact ${r.path} has no digest` };
    files.push({ name: relativeName(r.path, root), sha256: r.sha256 });
  }
  const modelName = basename(root.replace(/\/+$/, '')) || root;
  return { statement: buildModelSigningStatement(modelName, files) };
}
