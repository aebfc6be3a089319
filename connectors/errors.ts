/** Why a registry call failed. Per-model failures become inconclusive results, never a crash. */
export type ConnectorErrorCode =
  | 'BAD_REFERENCE'
  | 'AUTH'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'BAD_RESPONSE'
  | 'UNSUPPORTED'
  | 'CHANGED'
  | 'NETWORK';

export class ConnectorError extends Error {
  readonly code: ConnectorErrorCode;
  readonly status: number | undefined;
  constructor(code: ConnectorErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.status = options?.status;
  }
}

/** Map an HTTP status to an error code. */
export function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 401) return 'AUTH';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'BAD_RESPONSE';
}
