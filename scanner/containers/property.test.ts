import { createRequire } from 'node:module';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanAt } from '../testkit/container-scan.js';
import { buildTar } from '../testkit/tar-builder.js';
import { torchStateDictPickle } from '../testkit/torch-pickle.js';
import { buildZip } from '../testkit/zip-builder.js';

const lz4js = createRequire(import.meta.url)('lz4js') as { compress(b: Uint8Array): Uint8Array };

const PKL = torchStateDictPickle(4);
const ZIP = buildZip([
  { name: 'archive/data.pkl', data: PKL, descriptor: 'signed' },
  { name: 'archive/data/0', data: new Uint8Array(16).fill(1), descriptor: 'unsigned' },
  { name: 'archive/x.txt', data: 'hello hello hello', method: 8, descriptor: 'signed' },
]);
const TAR = buildTar([
  { name: 'a.pkl', data: PKL },
  { name: 'l', type: '2', linkname: 'a.pkl' },
  { name: 'p', data: 'x', pax: { path: 'q' } },
]);
const SEEDS: Record<string, Uint8Array> = {
  zip: ZIP,
  tar: TAR,
  tgz: new Uint8Array(gzipSync(TAR)),
  zlib: new Uint8Array(deflateSync(PKL)),
  lz4: lz4js.compress(PKL),
  xz: Buffer.from(
    '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAjY3Bvc2l4CnN5c3RlbQooVnRvdWNoIC90bXAvcHduZWQKdFIuANzEyiwy7Lj6AAE8JAUodm8ftvN9AQAAAAAEWVo=',
    'base64',
  ),
  bz2: Buffer.from(
    'QlpoOTFBWSZTWdOoDpoAAAXTgAAQQEGRAA5jzuAgACKDIZAyZBRoyBo0yNMueQJLdJscUUYKOc0qr+SBg4l4fi7kinChIadQHTQ=',
    'base64',
  ),
};
const MAGICS = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x1f, 0x8b, 0x08],
  [0x78, 0x9c],
  [0x04, 0x22, 0x4d, 0x18],
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59],
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(
  seed: Uint8Array,
  edits: { kind: 'flip' | 'cut' | 'insert'; at: number; value: number }[],
): Uint8Array {
  let b = Uint8Array.from(seed);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === 'flip') b[at] = e.value;
    else if (e.kind === 'cut') b = b.slice(0, at);
    else b = Uint8Array.from([...b.subarray(0, at), e.value, ...b.subarray(at)]);
  }
  return b;
}

/** Every failure must be a coverage issue with a known code: INTERNAL_ERROR means a parser crashed. */
async function survives(bytes: Uint8Array, chunk: number): Promise<void> {
  const r = await scanAt(bytes, chunk, { maxMillis: 20_000 });
  expect(r.coverage.issues.filter((i) => i.code === 'INTERNAL_ERROR')).toEqual([]);
  expect(['clean', 'suspicious', 'malicious', 'inconclusive']).toContain(r.verdict);
}

describe('container readers on hostile input', () => {
  it('mutated archives and streams never crash or hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(SEEDS)),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(1, 7, 4096),
        async (kind, edits, chunk) => {
          await survives(mutate(SEEDS[kind]!, edits), chunk);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random bytes behind a container magic never crash or hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...MAGICS),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(1, 64, 4096),
        async (magic, rest, chunk) => {
          await survives(Uint8Array.from([...magic, ...rest]), chunk);
        },
      ),
      { numRuns: 150 },
    );
  });
});
