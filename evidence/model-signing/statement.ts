import { createHash } from 'node:crypto';
import { IN_TOTO_STATEMENT_TYPE } from '../statement/types.js';

/**
 * OpenSSF model signing (`model_signing` v1.x, sigstore/model-transparency) statement, `files` method:
 * one subject whose sha256 is the SHA-256 of the raw per-file digests concatenated in manifest order, and a
 * predicate listing every file. Ported from the published format (docs/model_signing_format.md); no code copied.
 */
export const MODEL_SIGNING_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** Paths model_signing ignores by default (git metadata and the signature file itself). */
export const MODEL_SIGNING_IGNORE_PATHS: readonly string[] = [
  '.git',
  '.gitattributes',
  '.github',
  '.gitignore',
  'model.sig',
];

export interface ModelSigningResource {
  algorithm: 'sha256';
  name: string;
  digest: string;
}

export interface ModelSigningStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof MODEL_SIGNING_PREDICATE_TYPE;
  predicate: {
    serialization: { method: 'files'; hash_type: 'sha256'; allow_symlinks: false; ignore_paths: string[] };
    resources: ModelSigningResource[];
  };
}

/** Python PurePosixPath ordering: compare path components one by one (code-unit order), shorter prefix first. */
export function comparePosixPaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function ignored(name: string, ignore: readonly string[]): boolean {
  return ignore.some((p) => name === p || name.startsWith(p + '/'));
}

/** SHA-256 over the concatenated raw digests, in the given (already sorted) order. */
export function modelRootDigest(resources: readonly { digest: string }[]): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

/**
 * Build the statement for a model whose files are `files` (names relative to the model root, POSIX).
 * Ignored paths are left out, exactly as `model_signing` would when it re-hashes the directory.
 */
export function buildModelSigningStatement(
  modelName: string,
  files: readonly { name: string; sha256: string }[],
): ModelSigningStatement {
  const resources: ModelSigningResource[] = files
    .filter((f) => !ignored(f.name, MODEL_SIGNING_IGNORE_PATHS))
    .map((f) => ({ algorithm: 'sha256' as const, name: f.name, digest: f.sha256 }))
    .sort((a, b) => comparePosixPaths(a.name, b.name));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: modelName, digest: { sha256: modelRootDigest(resources) } }],
    predicateType: MODEL_SIGNING_PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: 'files',
        hash_type: 'sha256',
        allow_symlinks: false,
        ignore_paths: [...MODEL_SIGNING_IGNORE_PATHS],
      },
      resources,
    },
  };
}
