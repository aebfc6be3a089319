import { CavraError } from '../../scanner/errors.js';

/** The error every refused destination gets (code EGRESS_DENIED), before any socket is opened. */
export function egressDenied(reason: string, what = 'outbound request'): CavraError {
  return new CavraError('EGRESS_DENIED', `${what} refused: ${reason}`);
}
