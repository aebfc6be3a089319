import { ConnectorError } from '../connectors/errors.js';

/** Code and message of a listing or read failure (connector codes, else INTERNAL). */
export function failureOf(err: unknown): { code: string; message: string } {
  if (err instanceof ConnectorError) return { code: err.code, message: err.message };
  if (typeof err === 'string') return { code: 'EMPTY', message: err };
  return { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
}
