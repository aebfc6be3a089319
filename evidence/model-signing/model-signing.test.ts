import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeySigner } from '../signing/key-signer.js';
import { publicKeyHint, signModelSigningBundle, verifyModelSigningBundle } from './bundle.js';
import { buildModelSigningStatement, comparePosixPaths, modelRootDigest } from './statement.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('OpenSSF model signing statement', () => {
  it('sorts paths component-wise like Python PurePosixPath', () => {
    expect(['a.b', 'a/b', 'B', 'a-b'].sort(comparePosixPaths)).toEqual(['B', 'a/b', 'a-b', 'a.b']);
  });

  it('root digest is SHA-256 of the raw digests concatenated in manifest order; ignored paths left out', () => {
    const files = [
      { name: 'signme-2', sha256: sha('2') },
      { name: 'signme-1', sha256: sha('1') },
      { name: '.git/HEAD', sha256: sha('g') },
    ];
    const st = buildModelSigningStatement('model', files);
    expect(st.predicate.resources.map((r) => r.name)).toEqual(['signme-1', 'signme-2']);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(sha('1'), 'hex'), Buffer.from(sha('2'), 'hex')]))
      .digest('hex');
    expect(st.subject[0].digest.sha256).toBe(expected);
    expect(modelRootDigest(st.predicate.resources)).toBe(expected);
    expect(st.predicateType).toBe('https://model_signing/signature/v1.0');
  });

  it('signs with ECDSA P-256 (DER) into a v0.3 bundle that verifies; tampering fails', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const st = buildModelSigningStatement('m', [{ name: 'w.bin', sha256: sha('w') }]);
    const bundle = await signModelSigningBundle(st, createKeySigner(privateKey));
    expect(bundle.verificationMaterial.publicKey.hint).toBe(publicKeyHint(publicKey));
    expect(bundle.dsseEnvelope.signatures[0]!.keyid).toBe('');
    expect(Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64')[0]).toBe(0x30);
    expect(verifyModelSigningBundle(bundle, [publicKey]).ok).toBe(true);
    const forged = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    forged.predicate.resources[0].digest = sha('evil');
    const tampered = {
      ...bundle,
      dsseEnvelope: {
        ...bundle.dsseEnvelope,
        payload: Buffer.from(JSON.stringify(forged)).toString('base64'),
      },
    };
    expect(verifyModelSigningBundle(tampered, [publicKey])).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses Ed25519 keys (model_signing cannot verify them)', async () => {
    const st = buildModelSigningStatement('m', []);
    await expect(
      signModelSigningBundle(st, createKeySigner(generateKeyPairSync('ed25519').privateKey)),
    ).rejects.toThrow(/ECDSA/);
  });

  it('reproduces the root digest of model_signing v1.1.0 test vector (scripts/tests/v1.1.0-elliptic-key/model.sig)', () => {
    // Public test vector of sigstore/model-transparency: resources and subject digest from its payload.
    const files = [
      { name: 'signme-2', sha256: '32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028' },
      { name: 'signme-1', sha256: 'bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc' },
    ];
    const st = buildModelSigningStatement('v1.1.0-elliptic-key', files);
    expect(st.subject[0].digest.sha256).toBe(
      '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4',
    );
  });
});
