import type { GateErrorCode } from './types.js';

/** A failure that keeps the gate from deciding on the model's merits. The gate answers block (exit 2) with it. */
export class GateError extends Error {
  readonly code: GateErrorCode;
  constructor(code: GateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateError';
    this.code = code;
  }
}

const KNOWN: readonly GateErrorCode[] = [
  'BAD_REFERENCE',
  'NOT_FOUND',
  'AMBIGUOUS',
  'AUTH',
  'FORBIDDEN',
  'UNAVAILABLE',
  'NETWORK',
  'BAD_RESPONSE',
  'UNSUPPORTED',
  'TIMEOUT',
  'EVIDENCE_WRITE_FAILED',
];

/** Map any error (ConnectorError, GateError, AbortError, ...) to a GateError by its string code. */
export function toGateError(err: unknown): GateError {
  if (err instanceof GateError) return err;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError')
    return new GateError('TIMEOUT', message, { cause: err });
  if (e?.code === 'RATE_LIMITED') return new GateError('UNAVAILABLE', message, { cause: err });
  if (e?.code === 'CHANGED') return new GateError('BAD_RESPONSE', message, { cause: err });
  const code = KNOWN.find((c) => c === e?.code);
  return new GateError(code ?? 'INTERNAL', message, { cause: err });
}
