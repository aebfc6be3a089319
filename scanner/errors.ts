/** Error codes for failures that stop a whole command (per-object problems become coverage issues instead). */
export type CavraErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'RULES_INVALID'
  | 'POLICY_INVALID'
  | 'NOT_FOUND'
  | 'IO_ERROR'
  | 'KEY_INVALID'
  | 'EGRESS_DENIED'
  | 'INTERNAL';

export class CavraError extends Error {
  readonly code: CavraErrorCode;
  constructor(code: CavraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CavraError';
    this.code = code;
  }
}

/** Thrown inside a parser to stop it with a coverage code; the pipeline records it as an issue of that object. */
export class ScanStop extends Error {
  readonly code: import('./coverage.js').CoverageCode;
  readonly offset: number | undefined;
  constructor(code: import('./coverage.js').CoverageCode, message: string, offset?: number) {
    super(message);
    this.name = 'ScanStop';
    this.code = code;
    this.offset = offset;
  }
}
