/**
 * ZIP writer for tests: emits well-formed archives and the malformed shapes scanners are attacked with
 * (CRC corruption, flag bits, data descriptors, local/central name mismatch, broken or missing central
 * directory, ZIP64 fields, hidden central entries, trailing data). Never used to read archives.
 */
import { crc32, deflateRawSync } from 'node:zlib';

const enc = new TextEncoder();

export interface ZipMember {
  name: string;
  data: Uint8Array | string;
  /** 0 stored (default), 8 deflate, or any other method id (data is then written as given). */
  method?: number;
  /** Extra general-purpose flag bits (0x1 encrypted, 0x20 patched, 0x40 strong encryption). */
  flags?: number;
  /** Sizes only in a data descriptor after the data (flag bit 3, zero sizes in the local header). */
  descriptor?: 'signed' | 'unsigned' | 'signed64';
  /** Name written in the central directory (defaults to `name`). */
  centralName?: string;
  /** Write a wrong CRC-32 in both headers. */
  badCrc?: boolean;
  /** Local header sizes as 0xFFFFFFFF with a ZIP64 extra field. */
  zip64?: boolean;
  /** Unix mode in the central directory's external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
}

export interface ZipOptions {
  /** 'none' omits central directory and end record; 'garbage' replaces them with junk bytes. */
  central?: 'normal' | 'none' | 'garbage';
  /** Extra central entries pointing at arbitrary offsets (hidden / overlapping entries). */
  extraCentral?: { name: string; offset: number }[];
  /** Bytes appended after the end record. */
  trailing?: Uint8Array;
  /** Write a ZIP64 end record and locator before the end record. */
  zip64End?: boolean;
}

class W {
  parts: number[] = [];
  u8(...b: number[]): this {
    for (const x of b) this.parts.push(x & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >>> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }
  u64(v: number): this {
    return this.u32(v >>> 0).u32(Math.floor(v / 0x1_0000_0000));
  }
  bytes(b: Uint8Array | number[]): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
}

export function buildZip(members: ZipMember[], opts: ZipOptions = {}): Uint8Array {
  const w = new W();
  const central: {
    m: ZipMember;
    offset: number;
    crc: number;
    csize: number;
    usize: number;
    flags: number;
    method: number;
  }[] = [];
  for (const m of members) {
    const data = typeof m.data === 'string' ? enc.encode(m.data) : m.data;
    const method = m.method ?? 0;
    const body = method === 8 ? new Uint8Array(deflateRawSync(data)) : data;
    const crc = m.badCrc ? (crc32(data) ^ 0xdeadbeef) >>> 0 : crc32(data);
    const flags = (m.flags ?? 0) | (m.descriptor ? 0x8 : 0) | 0x800;
    const name = enc.encode(m.name);
    const extra = new W();
    if (m.zip64) extra.u16(1).u16(16).u64(data.length).u64(body.length);
    const offset = w.length;
    w.u32(0x04034b50)
      .u16(m.zip64 ? 45 : 20)
      .u16(flags)
      .u16(method)
      .u16(0)
      .u16(0x21);
    if (m.descriptor) w.u32(0).u32(0).u32(0);
    else if (m.zip64) w.u32(crc).u32(0xffffffff).u32(0xffffffff);
    else w.u32(crc).u32(body.length).u32(data.length);
    w.u16(name.length).u16(extra.length).bytes(name).bytes(extra.parts).bytes(body);
    if (m.descriptor === 'signed') w.u32(0x08074b50).u32(crc).u32(body.length).u32(data.length);
    if (m.descriptor === 'signed64') w.u32(0x08074b50).u32(crc).u64(body.length).u64(data.length);
    if (m.descriptor === 'unsigned') w.u32(crc).u32(body.length).u32(data.length);
    central.push({ m, offset, crc, csize: body.length, usize: data.length, flags, method });
  }
  const cdStart = w.length;
  if (opts.central === 'garbage') {
    w.bytes(enc.encode('this is not a central directory'));
  } else if (opts.central !== 'none') {
    const entries = [
      ...central.map((c) => ({ ...c, name: c.m.centralName ?? c.m.name })),
      ...(opts.extraCentral ?? []).map((x) => ({
        name: x.name,
        offset: x.offset,
        crc: 0,
        csize: 0,
        usize: 0,
        flags: 0x800,
        method: 0,
        m: undefined,
      })),
    ];
    for (const c of entries) {
      const name = enc.encode(c.name);
      const mode = c.m?.unixMode;
      w.u32(0x02014b50)
        .u16(mode === undefined ? 20 : 0x0300 | 20)
        .u16(20)
        .u16(c.flags)
        .u16(c.method)
        .u16(0)
        .u16(0x21);
      w.u32(c.crc).u32(c.csize).u32(c.usize).u16(name.length).u16(0).u16(0).u16(0).u16(0);
      w.u32(mode === undefined ? 0 : (mode << 16) >>> 0)
        .u32(c.offset)
        .bytes(name);
    }
    const cdEnd = w.length;
    if (opts.zip64End) {
      const z = w.length;
      w.u32(0x06064b50)
        .u64(44)
        .u16(45)
        .u16(45)
        .u32(0)
        .u32(0)
        .u64(entries.length)
        .u64(entries.length)
        .u64(cdEnd - cdStart)
        .u64(cdStart);
      w.u32(0x07064b50).u32(0).u64(z).u32(1);
    }
    w.u32(0x06054b50)
      .u16(0)
      .u16(0)
      .u16(entries.length)
      .u16(entries.length)
      .u32(cdEnd - cdStart)
      .u32(cdStart)
      .u16(0);
  }
  if (opts.trailing) w.bytes(opts.trailing);
  return Uint8Array.from(w.parts);
}
