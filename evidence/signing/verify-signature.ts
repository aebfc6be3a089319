import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { algorithmOf } from './keys.js';
import type { SignatureAlgorithm } from './signer.js';

const COORD_BYTES: Record<string, number> = {
  'ecdsa-p256-sha256': 32,
  'ecdsa-p384-sha384': 48,
  'ecdsa-p521-sha512': 66,
};

export function digestFor(algorithm: SignatureAlgorithm): string | null {
  switch (algorithm) {
    case 'ed25519':
      return null;
    case 'ecdsa-p256-sha256':
      return 'sha256';
    case 'ecdsa-p384-sha384':
      return 'sha384';
    case 'ecdsa-p521-sha512':
      return 'sha512';
  }
}

/**
 * Verify a raw signature over `data`. ECDSA accepts DER and raw r||s (IEEE P1363; the DSSE spec's test vector
 * uses it), told apart by length. Never throws: malformed signatures are simply invalid.
 */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    const algorithm = algorithmOf(publicKey);
    if (algorithm === 'ed25519') return sig.length === 64 && cryptoVerify(null, data, publicKey, sig);
    const raw = sig.length === 2 * (COORD_BYTES[algorithm] ?? 0);
    return cryptoVerify(
      digestFor(algorithm),
      data,
      { key: publicKey, dsaEncoding: raw ? 'ieee-p1363' : 'der' },
      sig,
    );
  } catch {
    return false;
  }
}
