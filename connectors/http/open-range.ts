import type { OpenedBody } from '../connector.js';
import { ConnectorError } from '../errors.js';
import type { HttpClient } from './client.js';

/**
 * GET `url` from byte `offset` with `Range: bytes=<offset>-`. A 206 must start exactly at `offset`; a 200 means the
 * server ignored the Range and the body starts at 0 (openArtifact then skips what it already has).
 */
export async function openHttpRange(
  client: HttpClient,
  url: string,
  offset: number,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<OpenedBody> {
  const res = await client.stream(url, {
    headers: {
      'accept-encoding': 'identity',
      ...headers,
      ...(offset > 0 ? { range: `bytes=${offset}-` } : {}),
    },
    signal,
  });
  if (res.status !== 200 && res.status !== 206) {
    // A redirect without a usable Location (or past the hop limit), 204, 304...: no artifact bytes here.
    res.body.destroy();
    throw new ConnectorError('BAD_RESPONSE', `HTTP ${res.status} where the artifact's bytes were expected`, {
      status: res.status,
    });
  }
  const etag = strongEtag(res.headers.get('etag'));
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== offset) {
      res.body.destroy();
      throw new ConnectorError('BAD_RESPONSE', `206 with a Content-Range that does not start at ${offset}`, {
        status: 206,
      });
    }
    return opened(0 + offset, res.body, etag, m[3] === '*' ? undefined : Number(m[3]));
  }
  const length = res.headers.get('content-length');
  return opened(0, res.body, etag, length !== null && /^\d+$/.test(length) ? Number(length) : undefined);
}

function opened(
  start: number,
  body: AsyncIterable<Uint8Array>,
  validator: string | undefined,
  total: number | undefined,
): OpenedBody {
  const o: OpenedBody = { start, body };
  if (validator !== undefined) o.validator = validator;
  if (total !== undefined) o.total = total;
  return o;
}

/** A strong ETag value (weak `W/` validators cannot guard a resume). */
export function strongEtag(etag: string | null): string | undefined {
  if (!etag || etag.startsWith('W/')) return undefined;
  return etag;
}
