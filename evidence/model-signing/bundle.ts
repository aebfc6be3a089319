import { createHash, type KeyObject } from 'node:crypto';
import { decodeBase64, type DsseEnvelope } from '../dsse/envelope.js';
import { signEnvelope } from '../dsse/envelope.js';
import { pae } from '../dsse/pae.js';
import type { Signer } from '../signing/signer.js';
import { verifySignature } from '../signing/verify-signature.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../statement/types.js';
import { MODEL_SIGNING_PREDICATE_TYPE, modelRootDigest, type ModelSigningStatement } from './statement.js';

export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** Sigstore bundle v0.3 in key mode, as `model_signing sign key` writes it (model.sig). */
export interface ModelSigningBundle {
  mediaType: typeof SIGSTORE_BUNDLE_V03;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: [] };
  dsseEnvelope: DsseEnvelope;
}

/** model_signing's key hint: SHA-256 hex of the public key's SPKI PEM text. */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'pem' }) as string)
    .digest('hex');
}

/**
 * Sign the statement with an ECDSA key (model_signing accepts only P-256/384/521; DER signatures, empty keyid).
 * The payload is pretty-printed like model_signing's own; the signature covers these exact bytes.
 */
export async function signModelSigningBundle(
  statement: ModelSigningStatement,
  signer: Signer,
): Promise<ModelSigningBundle> {
  if (signer.algorithm === 'ed25519') throw new Error('model signing needs an ECDSA P-256/384/521 key');
  const body = Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
  const env = await signEnvelope(IN_TOTO_PAYLOAD_TYPE, body, [signer]);
  return {
    mediaType: SIGSTORE_BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: publicKeyHint(signer.publicKey) }, tlogEntries: [] },
    dsseEnvelope: { ...env, signatures: env.signatures.map((s) => ({ sig: s.sig, keyid: '' })) },
  };
}

export type BundleCheck =
  { ok: true; statement: ModelSigningStatement } | { ok: false; code: string; message: string };

/** Verify a bundle the way `model_signing verify key` does (signature, types, one subject, root digest). */
export function verifyModelSigningBundle(bundle: unknown, keys: readonly KeyObject[]): BundleCheck {
  const b = bundle as ModelSigningBundle;
  const env = b?.dsseEnvelope;
  if (
    b?.mediaType !== SIGSTORE_BUNDLE_V03 ||
    typeof env?.payload !== 'string' ||
    !Array.isArray(env.signatures)
  ) {
    return { ok: false, code: 'ENVELOPE_MALFORMED', message: 'not a sigstore v0.3 bundle' };
  }
  const body = decodeBase64(env.payload);
  if (!body || env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, code: 'PAYLOAD_TYPE', message: 'bad payload or payloadType' };
  const message = pae(env.payloadType, body);
  const good = env.signatures.some((s) => {
    const sig = typeof s?.sig === 'string' ? decodeBase64(s.sig) : null;
    return sig !== null && keys.some((k) => verifySignature(k, message, sig));
  });
  if (!good)
    return {
      ok: false,
      code: 'SIGNATURE_INVALID',
      message: 'no signature verifies with the model-signing key',
    };
  let st: ModelSigningStatement;
  try {
    st = JSON.parse(body.toString('utf8')) as ModelSigningStatement;
  } catch {
    return { ok: false, code: 'PARSE_ERROR', message: 'payload is not JSON' };
  }
  if (
    st.predicateType !== MODEL_SIGNING_PREDICATE_TYPE ||
    !Array.isArray(st.subject) ||
    st.subject.length !== 1
  ) {
    return {
      ok: false,
      code: 'SUBJECT_MISMATCH',
      message: 'not a model_signing v1.0 statement with one subject',
    };
  }
  if (
    !Array.isArray(st.predicate?.resources) ||
    st.subject[0].digest.sha256 !== modelRootDigest(st.predicate.resources)
  ) {
    return {
      ok: false,
      code: 'SUBJECT_MISMATCH',
      message: 'root digest does not match the resources (manifest is inconsistent)',
    };
  }
  return { ok: true, statement: st };
}
