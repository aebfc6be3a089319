import type { KeyObject } from 'node:crypto';
import { keyIdOf } from '../signing/keys.js';
import { verifySignature } from '../signing/verify-signature.js';
import { decodeBase64, type DsseEnvelope } from './envelope.js';
import { pae } from './pae.js';

/** A public key the verifier trusts, with its keyid (SHA-256 of the SPKI DER). */
export interface TrustedKey {
  keyid: string;
  key: KeyObject;
}

export function trustedKey(key: KeyObject): TrustedKey {
  return { keyid: keyIdOf(key), key };
}

export type EnvelopeCheck =
  | { ok: true; payload: Buffer; keyids: string[] }
  | {
      ok: false;
      code: 'ENVELOPE_MALFORMED' | 'PAYLOAD_TYPE' | 'SIGNATURE_INVALID' | 'KEY_UNTRUSTED';
      message: string;
    };

function isEnvelope(v: unknown): v is DsseEnvelope {
  const e = v as DsseEnvelope;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.payload === 'string' &&
    typeof e.payloadType === 'string' &&
    Array.isArray(e.signatures) &&
    e.signatures.every((s) => typeof s === 'object' && s !== null && typeof s.sig === 'string')
  );
}

/**
 * Verify a DSSE envelope in the order the DSSE protocol gives: decode, pick keys (keyid only narrows the
 * choice), verify the signature over the PAE, then check the payload type. Passes when at least one signature
 * verifies with a trusted key. The payload is returned only after that.
 */
export function verifyEnvelope(
  envelope: unknown,
  keys: readonly TrustedKey[],
  acceptedPayloadTypes: readonly string[],
): EnvelopeCheck {
  if (!isEnvelope(envelope)) return { ok: false, code: 'ENVELOPE_MALFORMED', message: 'not a DSSE envelope' };
  const body = decodeBase64(envelope.payload);
  if (!body) return { ok: false, code: 'ENVELOPE_MALFORMED', message: 'payload is not base64' };
  const message = pae(envelope.payloadType, body);
  const accepted: string[] = [];
  let anyTrustedKeyid = false;
  for (const s of envelope.signatures) {
    const sig = decodeBase64(s.sig);
    if (!sig) continue;
    const named = typeof s.keyid === 'string' && s.keyid !== '';
    const byId = named ? keys.filter((k) => k.keyid === s.keyid) : [];
    if (!named || byId.length > 0) anyTrustedKeyid = true;
    const candidates = byId.length > 0 ? byId : keys;
    for (const k of candidates) {
      if (!accepted.includes(k.keyid) && verifySignature(k.key, message, sig)) accepted.push(k.keyid);
    }
  }
  if (accepted.length === 0) {
    return anyTrustedKeyid || envelope.signatures.length === 0
      ? { ok: false, code: 'SIGNATURE_INVALID', message: 'no signature verifies over the payload' }
      : { ok: false, code: 'KEY_UNTRUSTED', message: 'no signature verifies with a trusted key' };
  }
  if (!acceptedPayloadTypes.includes(envelope.payloadType)) {
    return {
      ok: false,
      code: 'PAYLOAD_TYPE',
      message: `unsupported payloadType ${envelope.payloadType.slice(0, 100)}`,
    };
  }
  return { ok: true, payload: body, keyids: accepted };
}
