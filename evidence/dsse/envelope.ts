import { createHash } from 'node:crypto';
import type { Signer } from '../signing/signer.js';
import { pae } from './pae.js';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** Sign `body` as a DSSE envelope with every signer (standard base64, as the spec's examples). */
export async function signEnvelope(
  payloadType: string,
  body: Uint8Array,
  signers: readonly Signer[],
): Promise<DsseEnvelope> {
  const message = pae(payloadType, body);
  const signatures: DsseSignature[] = [];
  for (const s of signers) {
    const { sig, keyid } = await s.sign(message);
    signatures.push({ keyid, sig: Buffer.from(sig).toString('base64') });
  }
  return { payload: Buffer.from(body).toString('base64'), payloadType, signatures };
}

/** The bytes stored in the ledger and sent to the control plane (one JSON line). */
export function serializeEnvelope(env: DsseEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify({ payload: env.payload, payloadType: env.payloadType, signatures: env.signatures }) + '\n',
    'utf8',
  );
}

/** SHA-256 hex of the serialized envelope: its ledger digest and the delivery Idempotency-Key. */
export function envelopeDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decode standard or URL-safe base64 (DSSE verifiers must accept both); null when it is not base64. */
export function decodeBase64(s: string): Buffer | null {
  if (!B64.test(s) || s.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
