import { ConnectorError } from '../errors.js';

/** Largest API response (JSON listing, manifest) read into memory. */
export const MAX_API_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Read a response body as text, refusing one larger than `max` bytes (whatever its Content-Length says). */
export async function readText(res: Response, what: string, max = MAX_API_RESPONSE_BYTES): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw new ConnectorError('BAD_RESPONSE', `${what}: response larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
