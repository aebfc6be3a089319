import type { ServerResponse } from 'node:http';
import type { GateOutcome } from '../types.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/**
 * HTTP status of a gate answer: 200 whenever the policy decided (allow, warn or block, inconclusive included), else
 * the status of what kept it from deciding. The body is always the full answer, whose decision is then block.
 */
export function outcomeStatus(o: GateOutcome): number {
  switch (o.error?.code) {
    case undefined:
      return 200;
    case 'BAD_REFERENCE':
    case 'AMBIGUOUS':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'UNSUPPORTED':
      return 422;
    case 'TIMEOUT':
      return 504;
    case 'AUTH':
    case 'FORBIDDEN':
    case 'UNAVAILABLE':
    case 'NETWORK':
    case 'BAD_RESPONSE':
      return 502;
    default:
      return 500;
  }
}
