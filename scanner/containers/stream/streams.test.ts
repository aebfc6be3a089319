import { createRequire } from 'node:module';
import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, formats, issueCodes, ruleIds, scanAt } from '../../testkit/container-scan.js';
import { buildTar } from '../../testkit/tar-builder.js';

const lz4js = createRequire(import.meta.url)('lz4js') as { compress(b: Uint8Array): Uint8Array };

const enc = new TextEncoder();
const PAYLOAD = enc.encode('cposix\nsystem\n(Vtouch /tmp/pwned\ntR.');
// The same PAYLOAD compressed by the xz 5.x and bzip2 1.0.8 command-line tools (no TypeScript encoder exists).
const PAYLOAD_XZ = Buffer.from(
  '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAjY3Bvc2l4CnN5c3RlbQooVnRvdWNoIC90bXAvcHduZWQKdFIuANzEyiwy7Lj6AAE8JAUodm8ftvN9AQAAAAAEWVo=',
  'base64',
);
const PAYLOAD_BZ2 = Buffer.from(
  'QlpoOTFBWSZTWdOoDpoAAAXTgAAQQEGRAA5jzuAgACKDIZAyZBRoyBo0yNMueQJLdJscUUYKOc0qr+SBg4l4fi7kinChIadQHTQ=',
  'base64',
);

const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** gzip member with an FNAME header field (gzipSync writes none). */
function gzipNamed(data: Uint8Array, name: string): Uint8Array {
  const header = [0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, ...enc.encode(name), 0];
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return cat(Uint8Array.from(header), deflateRawSync(data), trailer);
}

describe('single-stream expanders', () => {
  it.each(CHUNK_SIZES)(
    'gzip: payload found through the nested member, named by FNAME (chunk %i)',
    async (chunk) => {
      const r = await scanAt(gzipNamed(PAYLOAD, '../dir/model.pkl'), chunk);
      expect(r.format).toBe('gzip');
      expect(formats(r)['model.pkl']).toBe('pickle');
      expect(r.verdict).toBe('malicious');
    },
  );

  it.each(CHUNK_SIZES)(
    'gzip: concatenated members form one stream; zero padding is ignored (chunk %i)',
    async (chunk) => {
      const half = PAYLOAD.length >> 1;
      const r = await scanAt(
        cat(gzipSync(PAYLOAD.subarray(0, half)), gzipSync(PAYLOAD.subarray(half)), new Uint8Array(64)),
        chunk,
      );
      expect(r.coverage.scanned[0]?.detail).toContain('2 members');
      expect(formats(r)['<gunzip>']).toBe('pickle');
      expect(r.verdict).toBe('malicious');
      expect(ruleIds(r)).not.toContain('CONTAINER-POLYGLOT');
    },
  );

  it('gzip: a .tar.gz is read through to its members; trailing bytes are scanned as their own object', async () => {
    const tgz = gzipSync(buildTar([{ name: 'model/config.json', data: '{"a": 1}' }]));
    const clean = await scanAt(tgz, 7);
    expect(formats(clean)).toMatchObject({ '<gunzip>': 'tar', '<gunzip>:model/config.json': 'json' });
    expect(clean.verdict).toBe('clean');
    const tail = await scanAt(cat(tgz, PAYLOAD), 7);
    expect(ruleIds(tail)).toContain('CONTAINER-POLYGLOT');
    expect(formats(tail)['<trailing>']).toBe('pickle');
  });

  it.each(CHUNK_SIZES)('zlib (compressed joblib): payload found (chunk %i)', async (chunk) => {
    const r = await scanAt(deflateSync(PAYLOAD), chunk);
    expect(r.format).toBe('zlib');
    expect(formats(r)['<zlib>']).toBe('pickle');
    expect(r.verdict).toBe('malicious');
  });

  it.each(CHUNK_SIZES)('xz: single and concatenated streams (chunk %i)', async (chunk) => {
    const one = await scanAt(PAYLOAD_XZ, chunk);
    expect(formats(one)['<unxz>']).toBe('pickle');
    expect(one.verdict).toBe('malicious');
    const two = await scanAt(cat(PAYLOAD_XZ, PAYLOAD_XZ), chunk);
    expect(two.coverage.scanned[0]?.detail).toContain(`${PAYLOAD.length * 2} bytes`);
  });

  it.each(CHUNK_SIZES)('bzip2: single and concatenated streams (chunk %i)', async (chunk) => {
    const one = await scanAt(PAYLOAD_BZ2, chunk);
    expect(formats(one)['<bunzip2>']).toBe('pickle');
    expect(one.verdict).toBe('malicious');
    const two = await scanAt(cat(PAYLOAD_BZ2, PAYLOAD_BZ2), chunk);
    expect(two.coverage.scanned[0]?.detail).toContain('2 streams');
  });

  it.each(CHUNK_SIZES)(
    'lz4 frame: independent blocks (lz4js) and linked blocks with overlapping matches (chunk %i)',
    async (chunk) => {
      const r = await scanAt(lz4js.compress(PAYLOAD), chunk);
      expect(formats(r)['<lz4>']).toBe('pickle');
      expect(r.verdict).toBe('malicious');
      // Linked frame: raw block "abcdefgh", then a block that is one match 8 back, 12 long: "abcdefghabcd".
      const frame = Uint8Array.from([
        0x04,
        0x22,
        0x4d,
        0x18,
        0x40,
        0x40,
        0x00,
        8,
        0,
        0,
        0x80,
        ...enc.encode('abcdefgh'),
        3,
        0,
        0,
        0,
        0x08,
        0x08,
        0x00,
        0,
        0,
        0,
        0,
      ]);
      const linked = await scanAt(frame, chunk);
      expect(linked.coverage.scanned[0]?.detail).toContain('20 bytes expanded');
      expect(linked.coverage.issues).toEqual([]);
    },
  );

  it('fails closed on truncated and corrupt streams', async () => {
    const gz = gzipSync(PAYLOAD);
    for (const bytes of [
      gz.subarray(0, gz.length - 12),
      deflateSync(PAYLOAD).subarray(0, 20),
      PAYLOAD_XZ.subarray(0, 40),
      PAYLOAD_BZ2.subarray(0, 30),
    ]) {
      const r = await scanAt(bytes, 7);
      expect(r.verdict === 'inconclusive' || r.verdict === 'malicious').toBe(true);
      expect(issueCodes(r).some((c) => c === 'TRUNCATED' || c === 'PARSE_ERROR')).toBe(true);
    }
    const badLz4 = Uint8Array.from([
      0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x00, 4, 0, 0, 0, 0x10, 0xff, 0xff, 0x00, 0, 0, 0, 0,
    ]);
    expect(issueCodes(await scanAt(badLz4, 7))).toContain('PARSE_ERROR');
  });

  it('stops decompression bombs and size limits', async () => {
    const bomb = deflateSync(new Uint8Array(24 * 1024 * 1024));
    const r = await scanAt(bomb, 65536);
    expect(ruleIds(r)).toContain('CONTAINER-DECOMPRESSION-BOMB');
    expect(issueCodes(r)).toContain('LIMIT_RATIO');
    expect(r.verdict).toBe('inconclusive');
    const big = await scanAt(gzipSync(new Uint8Array(5000).fill(7)), 7, { maxExpandedBytes: 1000 });
    expect(issueCodes(big)).toContain('LIMIT_SIZE');
  });

  it('7z archives are reported unread', async () => {
    const r = await scanAt(Uint8Array.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 1, 2, 3]), 7);
    expect(r.format).toBe('7z');
    expect(issueCodes(r)).toEqual(['UNSUPPORTED_FORMAT']);
    expect(r.verdict).toBe('inconclusive');
  });
});
