import { decodeBase64 } from '../dsse/envelope.js';
import { EVIDENCE_LIMITS } from '../limits.js';
import { checkEnvelope, checkStatement, type SchemaCheck } from '../schemas/validate.js';

/**
 * The last check before bytes leave: the envelope and the statement inside it must match their schemas
 * (no extra fields, bounded strings). A body that fails is never sent.
 */
export function validateOutbound(bytes: Buffer): SchemaCheck {
  if (bytes.length > EVIDENCE_LIMITS.maxEnvelopeBytes) return { ok: false, error: 'envelope too large' };
  let env: unknown;
  try {
    env = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, error: 'envelope is not JSON' };
  }
  const e = checkEnvelope(env);
  if (!e.ok) return { ok: false, error: `envelope ${e.error}` };
  const body = decodeBase64((env as { payload: string }).payload);
  if (!body) return { ok: false, error: 'payload is not base64' };
  let st: unknown;
  try {
    st = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not JSON' };
  }
  const s = checkStatement(st);
  return s.ok ? s : { ok: false, error: `statement ${s.error}` };
}
