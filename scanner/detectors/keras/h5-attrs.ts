/**
 * Reads the string attributes of an HDF5 file's root group (where Keras keeps `model_config`,
 * `training_config`, `keras_version`) from a bounded prefix of the file.
 *
 * Hand-written on purpose: h5wasm (the HDF5 C library) refuses a prefix as a "truncated file", needs the
 * whole file in its in-memory file system and prints diagnostics to stderr; jsfive prints warnings and has
 * unbounded loops. This reader covers only what the root attributes need — superblock v0–v3, object header
 * v1/v2 with continuation blocks, attribute messages v1–v3, fixed and variable-length strings (global heap) —
 * with explicit limits, and says so when it meets anything else.
 */

/** Messages read from one object header (all continuation blocks). */
export const MAX_H5_MESSAGES = 20_000;
/** Continuation blocks followed in one object header. */
export const MAX_H5_CONTINUATIONS = 1_000;

/** The prefix ends before a structure the reader needs; more bytes (up to `needed`) might help. */
export class H5NeedMore extends Error {
  constructor(readonly needed: number) {
    super(`HDF5 structure continues past byte ${needed}`);
    this.name = 'H5NeedMore';
  }
}

/** The bytes are not HDF5 this reader understands. */
export class H5FormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'H5FormatError';
  }
}

export interface RootAttributes {
  /** Attribute name -> decoded string (UTF-8), or null when the attribute is not a string. */
  attrs: Map<string, string | null>;
  /** Attributes the reader could not list (dense storage in a fractal heap, shared messages). */
  unreadable: string[];
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MSG_ATTRIBUTE = 0x0c;
const MSG_CONTINUATION = 0x10;
const MSG_ATTRIBUTE_INFO = 0x15;

/** Parse the root group's attributes from `buf` (the file's first bytes). `maxString` bounds each string read. */
export function readRootAttributes(buf: Uint8Array, maxString: number): RootAttributes {
  return new H5Reader(buf, maxString).root();
}

class H5Reader {
  private offsetSize = 8;
  private lengthSize = 8;
  private base = 0;
  private readonly view: DataView;
  private readonly result: RootAttributes = { attrs: new Map(), unreadable: [] };

  constructor(
    private readonly buf: Uint8Array,
    private readonly maxString: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  root(): RootAttributes {
    const sb = this.findSuperblock();
    const version = this.u8(sb + 8);
    let rootHeader: number;
    if (version <= 1) {
      this.offsetSize = this.u8(sb + 13);
      this.lengthSize = this.u8(sb + 14);
      this.checkSizes(sb);
      let p = sb + 24 + (version === 1 ? 4 : 0);
      this.base = this.addr(p);
      p += 4 * this.offsetSize; // base, free-space, end-of-file, driver-info addresses
      rootHeader = this.addr(p + this.offsetSize); // root symbol table entry: link name offset, object header
    } else if (version <= 3) {
      this.offsetSize = this.u8(sb + 9);
      this.lengthSize = this.u8(sb + 10);
      this.checkSizes(sb);
      this.base = this.addr(sb + 12);
      rootHeader = this.addr(sb + 12 + 3 * this.offsetSize);
    } else {
      throw new H5FormatError(`HDF5 superblock version ${version} not supported`, sb + 8);
    }
    this.readObjectHeader(this.base + rootHeader);
    return this.result;
  }

  private findSuperblock(): number {
    for (let at = 0; at <= 32768; at = at === 0 ? 512 : at * 2) {
      this.need(at + 16);
      if (SIGNATURE.every((b, i) => this.buf[at + i] === b)) return at;
    }
    throw new H5FormatError('no HDF5 superblock signature', 0);
  }

  private checkSizes(sb: number): void {
    if (![2, 4, 8].includes(this.offsetSize) || ![2, 4, 8].includes(this.lengthSize)) {
      throw new H5FormatError('bad HDF5 offset/length size', sb);
    }
  }

  private need(end: number): void {
    if (end > this.buf.length) throw new H5NeedMore(end);
  }
  private u8(p: number): number {
    this.need(p + 1);
    return this.buf[p]!;
  }
  private u16(p: number): number {
    this.need(p + 2);
    return this.view.getUint16(p, true);
  }
  private u32(p: number): number {
    this.need(p + 4);
    return this.view.getUint32(p, true);
  }
  private uint(p: number, size: number): number {
    if (size === 2) return this.u16(p);
    if (size === 4) return this.u32(p);
    this.need(p + 8);
    const v = this.view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new H5FormatError('HDF5 address out of range', p);
    return Number(v);
  }
  private addr(p: number): number {
    return this.uint(p, this.offsetSize);
  }
  private len(p: number): number {
    return this.uint(p, this.lengthSize);
  }

  private readObjectHeader(at: number): void {
    const blocks: { start: number; end: number }[] = [];
    let v2 = false;
    this.need(at + 16);
    if (
      this.buf[at] === 0x4f &&
      this.buf[at + 1] === 0x48 &&
      this.buf[at + 2] === 0x44 &&
      this.buf[at + 3] === 0x52
    ) {
      v2 = true;
      const flags = this.u8(at + 5);
      let p = at + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const sizeBytes = 1 << (flags & 3);
      const chunk =
        sizeBytes === 1 ? this.u8(p) : sizeBytes === 8 ? this.uint(p, 8) : this.uint(p, sizeBytes);
      p += sizeBytes;
      blocks.push({ start: p, end: p + chunk });
    } else if (this.u8(at) === 1) {
      blocks.push({ start: at + 16, end: at + 16 + this.u32(at + 8) });
    } else {
      throw new H5FormatError('unknown HDF5 object header version', at);
    }
    const seen = new Set<number>();
    let messages = 0;
    for (let b = 0; b < blocks.length; b++) {
      const { start, end } = blocks[b]!;
      const headerSize = v2 ? 4 + (this.creationOrder(at) ? 2 : 0) : 8;
      for (let p = start; p + headerSize <= end;) {
        if (++messages > MAX_H5_MESSAGES) throw new H5FormatError('too many HDF5 header messages', p);
        const type = v2 ? this.u8(p) : this.u16(p);
        const size = v2 ? this.u16(p + 1) : this.u16(p + 2);
        const flags = v2 ? this.u8(p + 3) : this.u8(p + 4);
        const data = p + headerSize;
        if (data + size > end) throw new H5FormatError('HDF5 header message overruns its block', p);
        if (type === MSG_CONTINUATION) {
          const target = this.base + this.addr(data);
          const length = this.len(data + this.offsetSize);
          if (seen.has(target) || seen.size >= MAX_H5_CONTINUATIONS)
            throw new H5FormatError('HDF5 continuation loop', data);
          seen.add(target);
          if (v2) {
            this.need(target + 4);
            if (this.u32(target) !== 0x4b48434f)
              throw new H5FormatError('bad HDF5 continuation signature', target);
            blocks.push({ start: target + 4, end: target + length - 4 });
          } else blocks.push({ start: target, end: target + length });
        } else if (type === MSG_ATTRIBUTE) {
          if (flags & 0x02) this.result.unreadable.push('shared attribute message');
          else this.readAttribute(data, data + size);
        } else if (type === MSG_ATTRIBUTE_INFO) {
          const aflags = this.u8(data + 1);
          const heap = data + 2 + (aflags & 1 ? 2 : 0);
          if (!this.undefinedAddr(heap)) this.result.unreadable.push('dense attribute storage');
        }
        p = data + size;
      }
    }
  }

  private creationOrder(at: number): boolean {
    return (this.u8(at + 5) & 0x04) !== 0;
  }

  private undefinedAddr(p: number): boolean {
    this.need(p + this.offsetSize);
    for (let i = 0; i < this.offsetSize; i++) if (this.buf[p + i] !== 0xff) return false;
    return true;
  }

  private readAttribute(start: number, end: number): void {
    const version = this.u8(start);
    if (version < 1 || version > 3)
      throw new H5FormatError(`HDF5 attribute message version ${version}`, start);
    const flags = this.u8(start + 1);
    const nameSize = this.u16(start + 2);
    const dtSize = this.u16(start + 4);
    const dsSize = this.u16(start + 6);
    const pad = (n: number) => (version === 1 ? (n + 7) & ~7 : n);
    const nameAt = start + (version === 3 ? 9 : 8);
    const dtAt = nameAt + pad(nameSize);
    const dsAt = dtAt + pad(dtSize);
    const dataAt = dsAt + pad(dsSize);
    if (dataAt > end) throw new H5FormatError('HDF5 attribute message too short', start);
    this.need(dtAt);
    const name = new TextDecoder().decode(this.buf.subarray(nameAt, nameAt + Math.max(0, nameSize - 1)));
    if (version > 1 && flags & 0x03) {
      this.result.unreadable.push(`shared type of attribute ${name}`);
      return;
    }
    this.result.attrs.set(name, this.readString(dtAt, dsAt, dataAt, end));
  }

  /** The attribute's value when it is a scalar (or one-element) string, else null. */
  private readString(dt: number, ds: number, data: number, end: number): string | null {
    const count = this.elements(ds);
    if (count !== 1) return null;
    const cls = this.u8(dt) & 0x0f;
    const size = this.u32(dt + 4);
    if (cls === 3) {
      if (size > this.maxString) throw new H5FormatError('HDF5 string attribute larger than the limit', data);
      if (data + size > end) throw new H5FormatError('HDF5 string attribute overruns its message', data);
      this.need(data + size);
      return decodeString(this.buf.subarray(data, data + size));
    }
    if (cls === 9 && (this.u8(dt + 1) & 0x0f) === 1) return this.readGlobalHeapString(data);
    return null;
  }

  private elements(ds: number): number {
    const version = this.u8(ds);
    const rank = this.u8(ds + 1);
    if (version === 2 && this.u8(ds + 3) === 2) return 0;
    const dims = ds + (version === 1 ? 8 : 4);
    let n = 1;
    for (let i = 0; i < rank && n > 0; i++) n *= this.len(dims + i * this.lengthSize);
    return n;
  }

  private readGlobalHeapString(data: number): string {
    const length = this.u32(data);
    const collection = this.base + this.addr(data + 4);
    const index = this.u32(data + 4 + this.offsetSize);
    if (length > this.maxString) throw new H5FormatError('HDF5 string attribute larger than the limit', data);
    this.need(collection + 8 + this.lengthSize);
    if (this.u32(collection) !== 0x4c4f4347)
      throw new H5FormatError('bad HDF5 global heap signature', collection);
    const collectionEnd = collection + this.len(collection + 8);
    for (let p = collection + 8 + this.lengthSize; p + 8 + this.lengthSize <= collectionEnd;) {
      const id = this.u16(p);
      const size = this.len(p + 8);
      const body = p + 8 + this.lengthSize;
      if (id === 0) break;
      if (id === index) {
        if (size < length || body + size > collectionEnd)
          throw new H5FormatError('bad HDF5 global heap object', p);
        this.need(body + length);
        return decodeString(this.buf.subarray(body, body + length));
      }
      p = body + ((size + 7) & ~7);
    }
    throw new H5FormatError('HDF5 global heap object not found', collection);
  }
}

function decodeString(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, end));
}
