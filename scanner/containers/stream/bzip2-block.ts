import { createRequire } from 'node:module';
import { ScanStop } from '../../errors.js';

/** The parts of seek-bzip 2.0.0 used here (its per-block decode steps, as its own `decode` loop calls them). */
interface BunzipReader {
  seek(bitPosition: number): void;
  read(bits: number): number;
  bitOffset: number;
  hasByte: boolean;
}
interface Bunzip {
  reader: BunzipReader;
  _init_block(): boolean;
  _read_bunzip(): number;
}
type BunzipCtor = new (input: ByteSource, output: { writeByte(b: number): void }) => Bunzip;

const Bunzip = createRequire(import.meta.url)('seek-bzip') as BunzipCtor;

/** Thrown by the input when a block continues past the bytes received so far. */
export const NEED_MORE = Symbol('need more input');

/** Largest output of one bzip2 block: 900k symbols through the initial run-length stage (4 + 255 per 5 bytes). */
export const MAX_BLOCK_OUTPUT = 48 * 1024 * 1024;

interface ByteSource {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
  seek(pos: number): void;
}

export interface BlockResult {
  /** False when the end-of-stream marker was read instead of a block. */
  block: boolean;
  output: Uint8Array[];
  /** Bit position in `data` where the next block (or the byte-aligned end of the stream) starts. */
  nextBit: number;
}

/**
 * Decode the bzip2 block starting at bit `bit` of `data` (bytes received so far; `complete` when no more
 * will come) for a stream of block size `level`. Throws NEED_MORE when the block runs past `data`.
 * The seek-bzip decoder reads a whole-buffer stream; this drives it one block at a time over a window so
 * only the current compressed block is held (it needs the 4-byte `BZh<level>` header, supplied virtually).
 */
export function decodeBzip2Block(
  data: Uint8Array,
  bit: number,
  level: number,
  complete: boolean,
): BlockResult {
  const header = [0x42, 0x5a, 0x68, 0x30 + level];
  let pos = 0;
  const source: ByteSource = {
    readByte(): number {
      const at = pos++;
      if (at < 4) return header[at]!;
      if (at - 4 < data.length) return data[at - 4]!;
      if (!complete) throw NEED_MORE;
      throw new ScanStop('TRUNCATED', 'bzip2 stream ends inside a block');
    },
    read(buffer: Uint8Array, offset: number, length: number): number {
      for (let i = 0; i < length; i++) buffer[offset + i] = this.readByte();
      return length;
    },
    seek(p: number): void {
      pos = p;
    },
  };
  const output: Uint8Array[] = [];
  let piece = new Uint8Array(64 * 1024);
  let fill = 0;
  let total = 0;
  const sink = {
    writeByte(b: number): void {
      if (++total > MAX_BLOCK_OUTPUT)
        throw new ScanStop('PARSE_ERROR', 'bzip2 block expands beyond the format maximum');
      piece[fill++] = b;
      if (fill === piece.length) {
        output.push(piece);
        piece = new Uint8Array(64 * 1024);
        fill = 0;
      }
    },
  };
  try {
    const bz = new Bunzip(source, sink);
    bz.reader.seek(32 + bit);
    const block = bz._init_block();
    if (block) bz._read_bunzip();
    else bz.reader.read(32); // stream CRC after the end-of-stream marker
    if (fill > 0) output.push(piece.subarray(0, fill));
    let next = (pos - 4) * 8 + bz.reader.bitOffset - (bz.reader.hasByte ? 8 : 0);
    if (!block) next = Math.ceil(next / 8) * 8; // streams end byte-aligned
    return { block, output, nextBit: next };
  } catch (err) {
    if (err === NEED_MORE || err instanceof ScanStop) throw err;
    throw new ScanStop('PARSE_ERROR', `bzip2 data invalid: ${(err as Error).message}`);
  }
}
