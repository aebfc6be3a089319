import { createHash } from 'node:crypto';
import type { ListedArtifact } from './ports.js';

/** Prefix of a listing fingerprint as stored in the statement's `source.digest`. */
export const FINGERPRINT_PREFIX = 'listing-sha256:';

/**
 * SHA-256 over the registry's own metadata for one version: its canonical reference, its change key and every
 * file's name, size and stated digests, in a canonical order. Signed into the evidence (`source.digest`), it lets
 * a later gate check that the registry still lists exactly these files with exactly these digests without reading
 * a byte of them.
 */
export function listingFingerprint(
  reference: string,
  changeKey: string | undefined,
  artifacts: readonly ListedArtifact[],
): string {
  const files = [...artifacts]
    .map((a) => ({
      name: a.name,
      size: a.size ?? null,
      digests: [...a.digests].map((d) => `${d.algorithm}:${d.value.toLowerCase()}`).sort(),
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const canonical = JSON.stringify({ reference, changeKey: changeKey ?? null, files });
  return FINGERPRINT_PREFIX + createHash('sha256').update(canonical, 'utf8').digest('hex');
}
