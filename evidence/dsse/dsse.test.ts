import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { createKeySigner } from '../signing/key-signer.js';
import { keyIdOf } from '../signing/keys.js';
import { decodeBase64, envelopeDigest, serializeEnvelope, signEnvelope } from './envelope.js';
import { pae } from './pae.js';
import { trustedKey, verifyEnvelope } from './verify.js';

/** Big-endian bytes of a decimal integer, left-padded to `len`. */
function intBytes(decimal: string, len: number): Buffer {
  const hex = BigInt(decimal)
    .toString(16)
    .padStart(len * 2, '0');
  return Buffer.from(hex, 'hex');
}

describe('DSSE PAE', () => {
  it('matches the DSSE spec test vector', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString('utf8')).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    expect(pae('é', Buffer.alloc(0)).toString('hex')).toBe(
      '44535345763120' + '32' + '20' + 'c3a9' + '20' + '30' + '20',
    );
  });

  it("verifies the spec's published ECDSA P-256 envelope", () => {
    const x = intBytes('46950820868899156662930047687818585632848591499744589407958293238635476079160', 32);
    const y = intBytes('5640078356564379163099075877009565129882514886557779369047442380624545832820', 32);
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') },
      format: 'jwk',
    });
    const env = {
      payload: 'aGVsbG8gd29ybGQ=',
      payloadType: 'http://example.com/HelloWorld',
      signatures: [
        { sig: 'A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==' },
      ],
    };
    const ok = verifyEnvelope(env, [trustedKey(key)], ['http://example.com/HelloWorld']);
    expect(ok.ok && ok.payload.toString()).toBe('hello world');
    const bad = { ...env, payload: Buffer.from('hello world!').toString('base64') };
    expect(verifyEnvelope(bad, [trustedKey(key)], ['http://example.com/HelloWorld'])).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
    expect(verifyEnvelope(env, [trustedKey(key)], ['application/vnd.in-toto+json'])).toMatchObject({
      ok: false,
      code: 'PAYLOAD_TYPE',
    });
  });

  it('accepts URL-safe base64 and rejects non-base64', () => {
    expect(decodeBase64('-_8=')?.toString('hex')).toBe('fbff');
    expect(decodeBase64('+/8=')?.toString('hex')).toBe('fbff');
    expect(decodeBase64('a b')).toBeNull();
  });
});

describe('Ed25519 DSSE round trip', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = createKeySigner(privateKey);
  const body = Buffer.from(JSON.stringify({ hello: 'world', n: 1 }));
  const type = 'application/vnd.in-toto+json';

  it('keyid is the SHA-256 of the SPKI DER', () => {
    expect(signer.keyid).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.keyid).toBe(keyIdOf(createPublicKey(privateKey)));
  });

  it('signs with node:crypto and verifies with node:crypto and @noble/ed25519', async () => {
    const env = await signEnvelope(type, body, [signer]);
    const check = verifyEnvelope(env, [trustedKey(signer.publicKey)], [type]);
    expect(check.ok && check.payload.equals(body)).toBe(true);
    const rawPub = Buffer.from(signer.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    expect(await ed.verifyAsync(sig, pae(type, body), rawPub)).toBe(true);
    expect(await ed.verifyAsync(sig, pae(type, Buffer.concat([body, Buffer.from(' ')])), rawPub)).toBe(false);
  });

  it('verifies a signature made by @noble/ed25519', async () => {
    const priv = ed.utils.randomPrivateKey();
    const pub = await ed.getPublicKeyAsync(priv);
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') },
      format: 'jwk',
    });
    const sig = await ed.signAsync(pae(type, body), priv);
    const env = {
      payload: body.toString('base64'),
      payloadType: type,
      signatures: [{ keyid: keyIdOf(key), sig: Buffer.from(sig).toString('base64') }],
    };
    expect(verifyEnvelope(env, [trustedKey(key)], [type]).ok).toBe(true);
  });

  it('rejects one flipped byte of payload or signature', async () => {
    const env = await signEnvelope(type, body, [signer]);
    const tampered = Buffer.from(body);
    tampered[3] = tampered[3]! ^ 1;
    expect(
      verifyEnvelope(
        { ...env, payload: tampered.toString('base64') },
        [trustedKey(signer.publicKey)],
        [type],
      ),
    ).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    sig[10] = sig[10]! ^ 0x80;
    const badSig = { ...env, signatures: [{ keyid: signer.keyid, sig: sig.toString('base64') }] };
    expect(verifyEnvelope(badSig, [trustedKey(signer.publicKey)], [type])).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('rejects a valid signature from an untrusted key', async () => {
    const other = createKeySigner(generateKeyPairSync('ed25519').privateKey);
    const env = await signEnvelope(type, body, [other]);
    expect(verifyEnvelope(env, [trustedKey(signer.publicKey)], [type])).toMatchObject({
      ok: false,
      code: 'KEY_UNTRUSTED',
    });
  });

  it('serializes to one JSON line whose digest is stable', async () => {
    const env = await signEnvelope(type, body, [signer]);
    const a = serializeEnvelope(env);
    expect(a.toString().endsWith('}\n')).toBe(true);
    expect(envelopeDigest(a)).toBe(envelopeDigest(serializeEnvelope(JSON.parse(a.toString()))));
  });
});
