import { createHmac } from 'node:crypto';
import { secretEquals } from './auth.js';

/** Headers MLflow sends with every webhook delivery (mlflow/webhooks/constants.py). */
export const MLFLOW_HEADERS = Object.freeze({
  signature: 'x-mlflow-signature',
  deliveryId: 'x-mlflow-delivery-id',
  timestamp: 'x-mlflow-timestamp',
});
/** Signature scheme version MLflow prefixes: `v1,<base64>`. */
export const MLFLOW_SIGNATURE_VERSION = 'v1';
/** Deliveries whose timestamp is further than this from our clock are refused (MLflow's docs suggest 5 minutes). */
export const DEFAULT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export type SignatureCheck =
  | { ok: true; deliveryId: string; timestamp: number }
  | {
      ok: false;
      status: 400 | 401;
      code: 'MISSING_HEADERS' | 'BAD_TIMESTAMP' | 'STALE' | 'BAD_SIGNATURE';
      message: string;
    };

/**
 * The signature MLflow computes: HMAC-SHA256 keyed with the webhook secret over `<delivery id>.<timestamp>.<raw
 * body>`, base64, prefixed `v1,`. Exported for tests and for local senders.
 */
export function mlflowSignature(
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: Buffer | string,
): string {
  const mac = createHmac('sha256', secret)
    .update(`${deliveryId}.${timestamp}.`, 'utf8')
    .update(body)
    .digest('base64');
  return `${MLFLOW_SIGNATURE_VERSION},${mac}`;
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
};

/** Verify one delivery as MLflow signs it: signature first (constant time), then the timestamp's freshness. */
export function verifyMlflowDelivery(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  secret: string,
  now: number,
  toleranceMs = DEFAULT_WEBHOOK_TOLERANCE_MS,
): SignatureCheck {
  const sig = header(headers, MLFLOW_HEADERS.signature);
  const id = header(headers, MLFLOW_HEADERS.deliveryId);
  const ts = header(headers, MLFLOW_HEADERS.timestamp);
  if (!sig || !id || !ts)
    return {
      ok: false,
      status: 400,
      code: 'MISSING_HEADERS',
      message: 'missing X-MLflow-Signature, X-MLflow-Delivery-Id or X-MLflow-Timestamp',
    };
  if (!/^\d{1,12}$/.test(ts))
    return {
      ok: false,
      status: 400,
      code: 'BAD_TIMESTAMP',
      message: 'X-MLflow-Timestamp is not a Unix time in seconds',
    };
  if (id.length > 200)
    return { ok: false, status: 400, code: 'MISSING_HEADERS', message: 'X-MLflow-Delivery-Id is too long' };
  if (!secretEquals(sig, mlflowSignature(secret, id, ts, body)))
    return { ok: false, status: 401, code: 'BAD_SIGNATURE', message: 'webhook signature does not verify' };
  const timestamp = Number(ts) * 1000;
  if (Math.abs(now - timestamp) > toleranceMs)
    return {
      ok: false,
      status: 400,
      code: 'STALE',
      message: 'webhook timestamp is outside the accepted window (replay?)',
    };
  return { ok: true, deliveryId: id, timestamp };
}
