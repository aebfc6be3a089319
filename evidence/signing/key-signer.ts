import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { algorithmOf, keyIdOf } from './keys.js';
import type { Signer } from './signer.js';
import { digestFor } from './verify-signature.js';

/**
 * A Signer backed by a private key held in memory (node:crypto / OpenSSL). Ed25519 signatures are the raw 64
 * bytes; ECDSA signatures are DER, as OpenSSF model signing expects.
 */
export function createKeySigner(privateKey: KeyObject): Signer {
  const algorithm = algorithmOf(privateKey);
  const publicKey = createPublicKey(privateKey);
  const keyid = keyIdOf(publicKey);
  return {
    algorithm,
    keyid,
    publicKey,
    sign(data: Uint8Array) {
      const sig =
        algorithm === 'ed25519'
          ? cryptoSign(null, data, privateKey)
          : cryptoSign(digestFor(algorithm), data, { key: privateKey, dsaEncoding: 'der' });
      return Promise.resolve({ sig: new Uint8Array(sig), keyid });
    },
  };
}
