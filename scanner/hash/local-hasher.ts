import { createHash } from 'node:crypto';
import type { Hasher } from './hasher.js';

/** Hashing on the calling thread (small artifacts, where a hand-off would cost more than it saves). */
export function localHasher(): Hasher {
  const h = createHash('sha256');
  return {
    update: (chunk) => void h.update(chunk),
    digest: async () => h.digest('hex'),
  };
}
