import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, formats, ruleIds, scanAt } from '../../testkit/container-scan.js';
import { buildTar } from '../../testkit/tar-builder.js';

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const i64 = (v: number) => [...u32(v), 0, 0, 0, 0];
const str = (s: string) => [0x58, ...u32(s.length), ...enc(s)]; // BINUNICODE
const global = (m: string, n: string) => [0x63, ...enc(`${m}\n${n}\n`)];
const pickle = (...body: number[][]) => cat([0x80, 0x02], ...body, [0x2e]);

/** A torch < 1.6 tar checkpoint as `_legacy_load` reads it: one FloatStorage of 3 elements and one tensor. */
function legacyTar(opts: { storageTail?: number[]; pickleBody?: number[][] } = {}): Uint8Array {
  const storages = cat(
    pickle([0x4b, 1]), // count
    pickle(str('0'), str('cpu'), global('torch', 'FloatStorage'), [0x87]), // (key, location, type)
    i64(3),
    new Uint8Array(new Float32Array([0.5, -1, 2]).buffer),
    pickle([0x5d]), // storage views: []
    opts.storageTail ?? [],
  );
  const tensors = cat(
    pickle([0x4b, 1]),
    pickle(str('1'), str('0'), global('torch', 'FloatTensor'), [0x87]),
    u32(1), // ndim
    u32(0), // skipped
    i64(3), // sizes
    i64(1), // strides
    i64(0), // storage offset
  );
  // The object pickle: {'weight': <tensor id '1'>} with the legacy string persistent id.
  const obj = pickle(...(opts.pickleBody ?? [[0x7d], str('weight'), [0x50, ...enc('1\n')], [0x73]]));
  return buildTar([
    { name: 'sys_info', data: pickle([0x7d]) },
    { name: 'pickle', data: obj },
    { name: 'tensors', data: tensors },
    { name: 'storages', data: storages },
  ]);
}

describe('legacy torch tar checkpoints (sys_info, pickle, tensors, storages)', () => {
  it.each(CHUNK_SIZES)(
    'reads the interleaved storage and tensor records exactly and comes out clean (chunk %i)',
    async (chunk) => {
      const r = await scanAt(legacyTar(), chunk);
      expect(r.format).toBe('pytorch-legacy-tar');
      expect(formats(r)).toMatchObject({
        storages: 'pytorch-legacy-storages',
        tensors: 'pytorch-legacy-tensors',
        pickle: 'pickle',
      });
      expect(r.coverage.issues).toEqual([]);
      expect(r.findings).toEqual([]);
      expect(r.verdict).toBe('clean');
    },
  );

  it('finds a payload in the object pickle', async () => {
    const r = await scanAt(
      legacyTar({ pickleBody: [global('posix', 'system'), [0x28], str('id'), [0x74, 0x52]] }),
      7,
    );
    expect(r.verdict).toBe('malicious');
    expect(ruleIds(r).length).toBeGreaterThan(0);
  });

  it('finds a payload hidden in a storage record pickle', async () => {
    const tar = legacyTar();
    const evil = buildTar([
      { name: 'sys_info', data: pickle([0x7d]) },
      {
        name: 'storages',
        data: cat(pickle([0x4b, 1]), pickle(global('os', 'system'), [0x28], str('id'), [0x74, 0x52])),
      },
    ]);
    expect((await scanAt(tar, 64)).verdict).toBe('clean');
    const r = await scanAt(evil, 64);
    expect(r.verdict).toBe('malicious');
  });

  it('reports bytes after the record layout and truncated records, never clean', async () => {
    const trailing = await scanAt(legacyTar({ storageTail: [1, 2, 3, 4] }), 7);
    expect(trailing.verdict).not.toBe('clean');
    const cut = buildTar([
      { name: 'sys_info', data: pickle([0x7d]) },
      {
        name: 'storages',
        data: cat(
          pickle([0x4b, 1]),
          pickle(str('0'), str('cpu'), global('torch', 'FloatStorage'), [0x87]),
          i64(1000),
        ),
      },
    ]);
    const r = await scanAt(cut, 7);
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues.map((i) => i.code)).toContain('TRUNCATED');
  });
});
