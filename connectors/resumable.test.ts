import { describe, expect, it } from 'vitest';
import type { Connector, OpenedBody } from './connector.js';
import type { ModelVersionRef } from './model-version-ref.js';
import type { RemoteArtifact } from './remote-artifact.js';
import { openArtifact } from './resumable.js';
import { collect, FAST_RETRY, noiseBytes } from './testkit/fixtures.js';

const VERSION: ModelVersionRef = {
  registry: 's3',
  endpoint: 'test',
  model: 'm',
  version: '',
  reference: 'r',
  labels: {},
  locator: 'x',
};
const ARTIFACT: RemoteArtifact = { version: VERSION, path: 'a', reference: 'r/a', digests: [], locator: 'x' };
const DATA = noiseBytes(10_000, 5);

/** A connector over bytes in memory whose bodies break as scripted. */
function fake(
  script: { dropAt?: number; ignoreRange?: boolean; etag?: string; openError?: Error }[],
): Connector & { offsets: number[] } {
  const offsets: number[] = [];
  return {
    registry: 's3',
    endpoint: 'test',
    offsets,
    listVersions: () => (async function* () {})(),
    listArtifacts: () => (async function* () {})(),
    async openRange(_a, offset): Promise<OpenedBody> {
      offsets.push(offset);
      const step = script.shift() ?? {};
      if (step.openError) throw step.openError;
      const start = step.ignoreRange ? 0 : offset;
      const body = (async function* () {
        for (let i = start; i < DATA.length; i += 1000) {
          if (step.dropAt !== undefined && i >= step.dropAt) throw new TypeError('terminated');
          yield DATA.slice(i, Math.min(i + 1000, DATA.length));
        }
      })();
      const o: OpenedBody = { start, body, total: DATA.length };
      if (step.etag) o.validator = step.etag;
      return o;
    },
    close: async () => undefined,
  };
}

const join = (chunks: Uint8Array[]) => Buffer.concat(chunks);

describe('openArtifact', () => {
  it('resumes at the next byte after a dropped body', async () => {
    const c = fake([{ dropAt: 3000, etag: '"e"' }, { etag: '"e"' }]);
    expect(join(await collect(openArtifact(c, ARTIFACT, { retry: FAST_RETRY })))).toEqual(Buffer.from(DATA));
    expect(c.offsets).toEqual([0, 3000]);
  });

  it('skips what it already has when the server ignores Range', async () => {
    const c = fake([{ dropAt: 4000 }, { ignoreRange: true }]);
    expect(join(await collect(openArtifact(c, ARTIFACT, { retry: FAST_RETRY })))).toEqual(Buffer.from(DATA));
  });

  it('refuses to splice two versions of an object (ETag changed)', async () => {
    const c = fake([{ dropAt: 2000, etag: '"a"' }, { etag: '"b"' }]);
    await expect(collect(openArtifact(c, ARTIFACT, { retry: FAST_RETRY }))).rejects.toThrow(
      /changed during download/,
    );
  });

  it('gives up after the policy attempts without progress', async () => {
    const c = fake([{ dropAt: 0 }, { dropAt: 0 }, { dropAt: 0 }, { dropAt: 0 }, { dropAt: 0 }]);
    await expect(collect(openArtifact(c, ARTIFACT, { retry: FAST_RETRY }))).rejects.toThrow(/terminated/);
    expect(c.offsets).toHaveLength(FAST_RETRY.attempts);
  });

  it('does not retry an open that failed (the HTTP layer already retried it)', async () => {
    const c = fake([{ openError: new Error('HTTP 403') }]);
    await expect(collect(openArtifact(c, ARTIFACT, { retry: FAST_RETRY }))).rejects.toThrow(/403/);
    expect(c.offsets).toHaveLength(1);
  });
});
