import type { KeyObject } from 'node:crypto';

/** Signature algorithms evidence is signed with. */
export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ecdsa-p521-sha512';

/**
 * Anything that can sign bytes: a local key file today, a KMS or HSM later. Callers only use this interface.
 * `sign` receives the exact bytes to sign (for DSSE: the PAE) and returns the raw signature.
 */
export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  /** SHA-256 hex of the public key's SubjectPublicKeyInfo DER. */
  readonly keyid: string;
  readonly publicKey: KeyObject;
  sign(data: Uint8Array): Promise<{ sig: Uint8Array; keyid: string }>;
}
