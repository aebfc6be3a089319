import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanBytes } from './pipeline.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('one-pass pipeline', () => {
  it('hashes every byte once, whatever the chunking', async () => {
    const bytes = new TextEncoder().encode('plain text, nothing to see\n'.repeat(5000));
    for (const chunk of [1, 7, 4096, 65536, 1 << 20]) {
      const r = await scanBytes(bytes, 'notes.txt', {}, chunk);
      expect(r.sha256).toBe(sha(bytes));
      expect(r.size).toBe(bytes.length);
      expect(r.format).toBe('text');
      expect(r.verdict).toBe('clean');
    }
  });

  it('gives the same digest when a large file is hashed on the background thread, and leaves the read buffers intact', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { scanPaths } = await import('./local/scan-paths.js');
    const big = new Uint8Array(randomBytes(20 << 20));
    big[0] = 0xff;
    const file = join(mkdtempSync(join(tmpdir(), 'cavra-big-')), 'big.bin');
    writeFileSync(file, big);
    for await (const r of scanPaths([file])) {
      expect(r.size).toBe(big.length);
      expect(r.sha256).toBe(sha(big));
    }
  });

  it('gives the same digest when a large artifact is hashed on the background thread', async () => {
    const bytes = new Uint8Array(randomBytes(3 << 20));
    bytes[0] = 0xff;
    const [local, offloaded] = await Promise.all([
      scanBytes(bytes, 'a.bin', {}, 65536),
      scanBytes(bytes, 'b.bin', { sizeHint: 1 << 30 }, 65536),
    ]);
    expect(offloaded.sha256).toBe(sha(bytes));
    expect(local.sha256).toBe(sha(bytes));
    // two artifacts hashed at once on the shared thread keep their own state
    const other = new Uint8Array(randomBytes(1 << 20));
    const [x, y] = await Promise.all([
      scanBytes(bytes, 'x', { sizeHint: 1 << 30 }, 4096),
      scanBytes(other, 'y', { sizeHint: 1 << 30 }, 4096),
    ]);
    expect([x.sha256, y.sha256]).toEqual([sha(bytes), sha(other)]);
  });

  it('reports an empty file as inconclusive, never clean', async () => {
    const r = await scanBytes(new Uint8Array(0), 'empty.pkl');
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues.map((i) => i.code)).toEqual(['EMPTY_FILE']);
    expect(r.sha256).toBe(sha(new Uint8Array(0)));
  });

  it('never calls unrecognised binary content clean', async () => {
    const bytes = new Uint8Array(randomBytes(4096));
    bytes[0] = 0xff; // not a magic we know
    bytes[1] = 0x00;
    const r = await scanBytes(bytes, 'weights.bin');
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.complete).toBe(false);
    expect(r.coverage.issues[0]?.code).toBe('UNKNOWN_BINARY');
  });

  it('stops at the size limit with an inconclusive result and no digest', async () => {
    const r = await scanBytes(
      new Uint8Array(10_000).fill(0x41),
      'big.txt',
      { limits: { maxFileBytes: 5000 } },
      1000,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.sha256).toBeNull();
    expect(r.coverage.issues[0]?.code).toBe('LIMIT_SIZE');
  });

  it('identifies formats by content, not by name', async () => {
    const json = new TextEncoder().encode('{"architectures": ["BertModel"]}');
    expect((await scanBytes(json, 'model.pkl')).format).toBe('json');
    expect((await scanBytes(json, 'config.json')).format).toBe('json');
  });

  it('records a read error as an inconclusive result with what was read so far', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('hello ');
      throw new Error('connection reset');
    }
    const { scanStream } = await import('./pipeline.js');
    const r = await scanStream(failing(), 'remote.txt');
    expect(r.verdict).toBe('inconclusive');
    expect(r.sha256).toBeNull();
    expect(r.coverage.issues[0]).toMatchObject({ code: 'IO_ERROR' });
  });
});
