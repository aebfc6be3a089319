import { ConnectorError, codeForStatus, type ConnectorErrorCode } from '../errors.js';

const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
  'ExpiredTokenException',
]);
const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'SlowDown',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** An AWS SDK error as a ConnectorError (the SDK has already retried what it retries). */
export function awsError(err: unknown, what: string): unknown {
  if (err instanceof ConnectorError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'AbortError') return err;
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? 'Error';
  let code: ConnectorErrorCode;
  if (AUTH_NAMES.has(name)) code = 'AUTH';
  else if (THROTTLE_NAMES.has(name)) code = 'RATE_LIMITED';
  else if (name === 'PreconditionFailed' || status === 412) code = 'CHANGED';
  else if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'ResourceNotFound') code = 'NOT_FOUND';
  else if (status !== undefined) code = codeForStatus(status);
  else code = 'NETWORK';
  const detail = (e?.message ?? String(err)).slice(0, 300);
  return new ConnectorError(code, `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`, {
    ...(status ? { status } : {}),
    cause: err,
  });
}
