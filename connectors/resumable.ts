import type { Connector } from './connector.js';
import { ConnectorError } from './errors.js';
import { backoffMs, DEFAULT_RETRY, wait, type RetryPolicy } from './http/retry-policy.js';
import type { RemoteArtifact } from './remote-artifact.js';

/** Most reopenings of one artifact, however much progress each makes (a server that drip-feeds cannot loop us). */
export const MAX_RESUMES = 100;

/**
 * Read an artifact once, front to back. When the body breaks mid-way (dropped connection, body timeout), the
 * artifact is reopened at the next byte with a Range request and checked to be the same object (strong ETag);
 * the SHA-256 in scanStream simply continues. Consecutive failures without progress are bounded by the policy.
 */
export async function* openArtifact(
  connector: Connector,
  artifact: RemoteArtifact,
  options: { retry?: Partial<RetryPolicy>; signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const signal = options.signal;
  let offset = 0;
  let validator: string | undefined;
  let failures = 0;
  let resumes = 0;
  for (;;) {
    const opened = await connector.openRange(artifact, offset, signal);
    if (validator !== undefined && opened.validator !== undefined && opened.validator !== validator) {
      throw new ConnectorError(
        'CHANGED',
        `artifact changed during download (ETag ${validator} became ${opened.validator})`,
      );
    }
    validator ??= opened.validator;
    let skip = offset - opened.start;
    if (skip < 0)
      throw new ConnectorError(
        'BAD_RESPONSE',
        `server resumed at ${opened.start}, after the requested ${offset}`,
      );
    const before = offset;
    try {
      for await (const raw of opened.body) {
        let chunk = raw;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        offset += chunk.length;
        yield chunk;
      }
      if (opened.total === undefined || offset >= opened.total) return;
      throw new ConnectorError('NETWORK', `body ended at ${offset} of ${opened.total} bytes`);
    } catch (err) {
      if (signal?.aborted || (err instanceof ConnectorError && err.code !== 'NETWORK')) throw err;
      failures = offset > before ? 1 : failures + 1;
      if (failures >= policy.attempts || ++resumes > MAX_RESUMES) throw err;
      await wait(backoffMs(policy, failures), signal);
    }
  }
}
