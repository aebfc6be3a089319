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
export function modelSigningStatementFor(
  results: readonly ArtifactResult[],
  source: SourceInput,
): { statement: ModelSigningStatement } | { skipped: string } {
  return modelSigningStatementForFiles(results, source.modelRoot ?? source.reference);
}

/** Same, from `{path, sha256}` pairs (e.g. a stored attestation's artifacts) and the model root. */
export function modelSigningStatementForFiles(
  artifacts: readonly { path: string; sha256: string | null }[],
  root: string,
): { statement: ModelSigningStatement } | { skipped: string } {
  if (artifacts.length === 0) return { skipped: 'no artifacts' };
  const files: { name: string; sha256: string }[] = [];
  for (const a of artifacts) {
    if (a.sha256 === null) return { skipped: `artifact ${a.path} has no digest` };
    files.push({ name: relativeName(a.path, root), sha256: a.sha256 });
  }
  const modelName = basename(root.replace(/\/+$/, '')) || root;
  return { statement: buildModelSigningStatement(modelName, files) };
}
