import { createWriteStream, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { StoredZipWriter } from '../testkit/stored-zip-writer.js';
import { torchStateDictPickle } from '../testkit/torch-pickle.js';

const MiB = 1024 * 1024;

/** 16 MiB of random float-like bytes, repeated: cheap to generate, incompressible like real weights. */
const BLOCK = (() => {
  const b = new Uint8Array(16 * MiB);
  randomFillSync(b);
  return b;
})();

function* blocks(total: number): Generator<Uint8Array> {
  for (let done = 0; done < total; done += BLOCK.length)
    yield BLOCK.subarray(0, Math.min(BLOCK.length, total - done));
}

/** Build `path` with `make` unless a file of the expected size is already there (bench files are cached). */
async function cached(
  path: string,
  expected: number | undefined,
  make: (tmp: string) => Promise<void>,
): Promise<string> {
  if (existsSync(path) && (expected === undefined || statSync(path).size === expected)) return path;
  const tmp = `${path}.tmp`;
  await make(tmp);
  renameSync(tmp, path);
  return path;
}

export function torchZipFile(path: string, dataBytes: number): Promise<string> {
  return cached(path, undefined, async (tmp) => {
    const z = new StoredZipWriter(tmp);
    const pkl = torchStateDictPickle(dataBytes / 4);
    await z.add('archive/data.pkl', pkl.length, [pkl]);
    await z.add('archive/byteorder', 6, [Buffer.from('little')]);
    await z.add('archive/data/0', dataBytes, { [Symbol.iterator]: () => blocks(dataBytes) });
    await z.add('archive/version', 2, [Buffer.from('3\n')]);
    await z.close();
  });
}

export function safetensorsFile(path: string, dataBytes: number): Promise<string> {
  return cached(path, undefined, async (tmp) => {
    let header = JSON.stringify({
      __metadata__: { format: 'pt' },
      'model.weight': { dtype: 'F32', shape: [dataBytes / 4], data_offsets: [0, dataBytes] },
    });
    header += ' '.repeat((8 - (header.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    await pipeline(
      Readable.from(
        (function* () {
          yield len;
          yield Buffer.from(header);
          yield* blocks(dataBytes);
        })(),
      ),
      createWriteStream(tmp),
    );
  });
}

/** A SageMaker-style model.tar.gz: a tar holding one torch zip checkpoint, gzip level 1. */
export async function torchTarGzFile(path: string, checkpoint: string): Promise<string> {
  return cached(path, undefined, async (tmp) => {
    const size = statSync(checkpoint).size;
    const header = Buffer.alloc(512);
    header.write('model.pth', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(size.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const { createReadStream } = await import('node:fs');
    await pipeline(
      Readable.from(
        (async function* () {
          yield header;
          for await (const c of createReadStream(checkpoint, { highWaterMark: MiB })) yield c as Buffer;
          yield Buffer.alloc(((512 - (size % 512)) % 512) + 1024);
        })(),
      ),
      createGzip({ level: 1 }),
      createWriteStream(tmp),
    );
  });
}

export function writeSmall(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}
