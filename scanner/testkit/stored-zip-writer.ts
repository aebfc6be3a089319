import { createWriteStream, type WriteStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * A minimal streaming writer of STORED zip archives (no zip64), enough to build torch-style checkpoints of up to
 * 4 GiB for the benchmark without holding them in memory.
 */
export class StoredZipWriter {
  private readonly out: WriteStream;
  private offset = 0;
  private readonly entries: { name: Buffer; crc: number; size: number; offset: number }[] = [];

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  private async put(b: Uint8Array): Promise<void> {
    this.offset += b.length;
    if (!this.out.write(b)) await new Promise<void>((r) => this.out.once('drain', () => r()));
  }

  /** Add a member whose bytes come from `chunks` (CRC is computed on the way). */
  async add(name: string, size: number, chunks: Iterable<Uint8Array>): Promise<void> {
    // The CRC is needed in the local header; compute it in a first pass over the (cheap, regenerable) chunks.
    let crc = 0;
    for (const c of chunks) crc = crc32(c, crc);
    const nameBuf = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    this.entries.push({ name: nameBuf, crc: crc >>> 0, size, offset: this.offset });
    await this.put(h);
    await this.put(nameBuf);
    for (const c of chunks) await this.put(c);
  }

  async close(): Promise<void> {
    const cdStart = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.size, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      await this.put(c);
      await this.put(e.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    await this.put(end);
    await new Promise<void>((resolve, reject) =>
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}
