import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ScanStop } from '../errors.js';
import { InflatePump } from './inflate-pump.js';

async function run(
  kind: 'raw' | 'zlib',
  input: Uint8Array,
  step: number,
): Promise<{ out: number; used: number; rest: number }> {
  let out = 0;
  const pump = new InflatePump(kind, async (c) => {
    out += c.length;
    await new Promise((r) => setImmediate(r));
  });
  let used = 0;
  let rest = 0;
  for (let i = 0; i < input.length; i += step) {
    const chunk = input.subarray(i, i + step);
    if (pump.finished) {
      rest += chunk.length;
      continue;
    }
    const n = await pump.write(chunk);
    used += n;
    rest += chunk.length - n;
  }
  await pump.end();
  return { out, used, rest };
}

describe('InflatePump', () => {
  const plain = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  const raw = deflateRawSync(plain);
  const tail = new TextEncoder().encode('PK\x07\x08 after the stream');

  it.each([1, 7, 4096, 1 << 20])(
    'inflates raw deflate in %i-byte chunks and finds where the stream ends',
    async (step) => {
      const r = await run('raw', Buffer.concat([raw, tail]), step);
      expect(r).toEqual({ out: plain.length, used: raw.length, rest: tail.length });
    },
  );

  it('inflates zlib streams', async () => {
    const z = deflateSync(plain);
    const r = await run('zlib', z, 65536);
    expect(r.out).toBe(plain.length);
    expect(r.used).toBe(z.length);
  });

  it('reports truncation and corruption as ScanStop', async () => {
    await expect(run('raw', raw.subarray(0, 100), 64)).rejects.toMatchObject({ code: 'TRUNCATED' });
    const bad = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]);
    await expect(run('raw', bad, 5)).rejects.toBeInstanceOf(ScanStop);
  });
});
