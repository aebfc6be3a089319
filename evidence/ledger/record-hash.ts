import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The chained fields of one ledger record. */
export interface ChainedFields {
  seq: number;
  kind: string;
  file: string;
  envelopeSha256: string;
  subjects: string;
  source: string;
  createdAt: string;
  prevHash: string;
}

/** SHA-256 over a fixed-order JSON array of the fields (unambiguous: JSON escapes every separator). */
export function recordHash(f: ChainedFields): string {
  const canonical = JSON.stringify([
    'cavra-ledger-v1',
    f.seq,
    f.kind,
    f.file,
    f.envelopeSha256,
    f.subjects,
    f.source,
    f.createdAt,
    f.prevHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
