import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CavraError } from '../../scanner/errors.js';
import type { SignatureAlgorithm } from './signer.js';

/** keyid = SHA-256 hex of the SubjectPublicKeyInfo DER of the public key. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The signature algorithm a key implies; KEY_INVALID for key types evidence does not use. */
export function algorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-p256-sha256';
    if (curve === 'secp384r1') return 'ecdsa-p384-sha384';
    if (curve === 'secp521r1') return 'ecdsa-p521-sha512';
  }
  throw new CavraError(
    'KEY_INVALID',
    `unsupported key type ${key.asymmetricKeyType ?? '?'} (use Ed25519, or ECDSA P-256/384/521)`,
  );
}

function readKeyFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CavraError(
      'KEY_INVALID',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

/** Parse PEM (PKCS#8 / SEC1 / SPKI) or a JWK JSON document. */
function parseKey(bytes: Buffer, kind: 'private' | 'public'): KeyObject {
  const text = bytes.toString('utf8').trim();
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as import('node:crypto').JsonWebKey;
    return kind === 'private'
      ? createPrivateKey({ key: jwk, format: 'jwk' })
      : createPublicKey({ key: jwk, format: 'jwk' });
  }
  return kind === 'private' ? createPrivateKey(bytes) : createPublicKey(bytes);
}

/** Load a private signing key (PEM or JWK). Missing, unreadable or invalid => CavraError KEY_INVALID. */
export function loadPrivateKey(path: string): KeyObject {
  const bytes = readKeyFile(path, 'signing key');
  let key: KeyObject;
  try {
    key = parseKey(bytes, 'private');
  } catch (err) {
    throw new CavraError('KEY_INVALID', `signing key ${path} is not a PEM or JWK private key`, {
      cause: err,
    });
  }
  algorithmOf(key);
  return key;
}

/** Load a public key (SPKI PEM or JWK; a private key file is accepted and its public half used). */
export function loadPublicKey(path: string): KeyObject {
  const bytes = readKeyFile(path, 'public key');
  let key: KeyObject;
  try {
    key = parseKey(bytes, 'public');
  } catch (err) {
    throw new CavraError('KEY_INVALID', `public key ${path} is not a PEM or JWK key`, { cause: err });
  }
  algorithmOf(key);
  return key;
}

/** Where the signing key comes from: `--key FILE`, else env CAVRA_SIGNING_KEY (a path, e.g. a Secret mount). */
export function resolveSigningKeyPath(keyFile: string | undefined, env: NodeJS.ProcessEnv): string {
  const path = keyFile ?? env.CAVRA_SIGNING_KEY;
  if (!path) {
    throw new CavraError(
      'KEY_INVALID',
      'no signing key: pass --key FILE or set CAVRA_SIGNING_KEY (create one with `cavra-scan keys generate --out DIR`)',
    );
  }
  return path;
}
