import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CavraError } from '../../scanner/errors.js';
import { writeFileAtomic } from '../ledger/atomic-write.js';
import { keyIdOf } from './keys.js';

export type KeyType = 'ed25519' | 'ecdsa-p256';

export interface GeneratedKeys {
  privatePath: string;
  publicPath: string;
  keyid: string;
}

/** File names per key type: the evidence key, and the ECDSA key for OpenSSF model signing. */
export const KEY_FILES: Record<KeyType, { priv: string; pub: string }> = {
  ed25519: { priv: 'signing.key', pub: 'signing.pub' },
  'ecdsa-p256': { priv: 'model-signing.key', pub: 'model-signing.pub' },
};

/** Write a new key pair: private key PKCS#8 PEM (mode 0600), public key SPKI PEM. Never overwrites unless `force`. */
export function generateSigningKeys(dir: string, type: KeyType = 'ed25519', force = false): GeneratedKeys {
  const names = KEY_FILES[type];
  const privatePath = join(dir, names.priv);
  const publicPath = join(dir, names.pub);
  if (!force && (existsSync(privatePath) || existsSync(publicPath))) {
    throw new CavraError('USAGE', `${privatePath} or ${publicPath} already exists (use --force to replace)`);
  }
  const { privateKey, publicKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(
      dir,
      names.priv,
      Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      0o600,
    );
    writeFileAtomic(
      dir,
      names.pub,
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string),
      0o644,
    );
  } catch (err) {
    throw new CavraError('IO_ERROR', `cannot write keys to ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { privatePath, publicPath, keyid: keyIdOf(publicKey) };
}
