/**
 * Pickle byte builder for tests and the benchmark: a tiny opcode assembler plus helpers that encode values the way
 * CPython's pickler does (so tests can assert the VM resolves exactly what the reference encoder wrote). Never used
 * to read pickles.
 */
import * as O from '../detectors/pickle/opcodes.js';

const enc = new TextEncoder();

/** Growable byte buffer. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(...bytes: number[]): this {
    this.ensure(bytes.length);
    for (const b of bytes) this.buf[this.length++] = b & 0xff;
    return this;
  }

  u16(v: number): this {
    return this.u8(v, v >>> 8);
  }

  u32(v: number): this {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }

  i32(v: number): this {
    return this.u32(v >>> 0);
  }

  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }

  raw(bytes: Uint8Array | readonly number[]): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  ascii(s: string): this {
    return this.raw(enc.encode(s));
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Opcode assembler. Methods append one opcode (or CPython's encoding of one value) and return `this`. */
export class PickleAsm {
  readonly w = new ByteWriter();
  /** Next MEMOIZE index (what CPython's pickler tracks as len(memo)). */
  memo = 0;

  constructor(readonly protocol = 4) {}

  op(code: number, ...args: number[]): this {
    this.w.u8(code, ...args);
    return this;
  }

  proto(p = this.protocol): this {
    return this.op(O.PROTO, p);
  }

  /** A newline-terminated argument opcode (protocol 0 style). */
  line(code: number, ...lines: string[]): this {
    this.w.u8(code);
    for (const l of lines) this.w.ascii(l).u8(0x0a);
    return this;
  }

  memoize(): this {
    if (this.protocol >= 4) {
      this.memo++;
      return this.op(O.MEMOIZE);
    }
    return this.put(this.memo++);
  }

  put(idx: number): this {
    if (this.protocol === 0) return this.line(O.PUT, String(idx));
    return idx < 256 ? this.op(O.BINPUT, idx) : this.op(O.LONG_BINPUT).u32(idx);
  }

  get(idx: number): this {
    if (this.protocol === 0) return this.line(O.GET, String(idx));
    return idx < 256 ? this.op(O.BINGET, idx) : this.op(O.LONG_BINGET).u32(idx);
  }

  u32(v: number): this {
    this.w.u32(v);
    return this;
  }

  u64(v: number): this {
    this.w.u64(v);
    return this;
  }

  /** A str the way CPython saves it for this protocol (without memoizing). */
  str(s: string): this {
    const b = enc.encode(s);
    if (this.protocol === 0) return this.line(O.UNICODE, rawUnicodeEscape(s));
    if (this.protocol >= 4 && b.length < 256) return this.op(O.SHORT_BINUNICODE, b.length).raw(b);
    if (b.length > 0xffffffff) return this.op(O.BINUNICODE8).u64(b.length).raw(b);
    return this.op(O.BINUNICODE).u32(b.length).raw(b);
  }

  /** bytes the way CPython saves them (protocol >= 3). */
  bin(data: Uint8Array): this {
    if (data.length < 256) return this.op(O.SHORT_BINBYTES, data.length).raw(data);
    return this.op(O.BINBYTES).u32(data.length).raw(data);
  }

  raw(data: Uint8Array | readonly number[]): this {
    this.w.raw(data);
    return this;
  }

  /** An int as CPython's save_long writes it. */
  int(v: number): this {
    if (this.protocol === 0 || this.protocol === undefined) return this.line(O.INT, String(v));
    if (v >= 0 && v <= 0xff) return this.op(O.BININT1, v);
    if (v >= 0 && v <= 0xffff) return this.op(O.BININT2, v & 0xff, v >>> 8);
    if (v >= -(2 ** 31) && v < 2 ** 31) return this.op(O.BININT).u32(v >>> 0);
    const bytes: number[] = [];
    let big = BigInt(v);
    for (;;) {
      bytes.push(Number(big & 0xffn));
      big >>= 8n;
      if ((big === 0n && !(bytes[bytes.length - 1]! & 0x80)) || (big === -1n && bytes[bytes.length - 1]! & 0x80)) break;
    }
    return this.op(O.LONG1, bytes.length, ...bytes);
  }

  /**
   * A global reference as CPython's save_global writes it: STACK_GLOBAL from two memoized strs for protocol 4+,
   * GLOBAL `module\nname\n` before; then the global itself is memoized.
   */
  global(module: string, name: string): this {
    if (this.protocol >= 4) this.str(module).memoize().str(name).memoize().op(O.STACK_GLOBAL);
    else this.line(O.GLOBAL, module, name);
    return this.memoize();
  }

  /** `callable(*args)` via REDUCE, with `args` already written by `pushArgs`. */
  call(module: string, name: string, pushArgs: (a: this) => void): this {
    this.global(module, name).op(O.MARK);
    pushArgs(this);
    return this.op(O.TUPLE).op(O.REDUCE);
  }

  stop(): this {
    return this.op(O.STOP);
  }

  bytes(): Uint8Array {
    return this.w.bytes();
  }
}

function rawUnicodeEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x5c || c === 0x0a || c > 0xff) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** Wrap protocol-4/5 pickle `body` (everything after PROTO, ending in STOP) in CPython-style 64 KiB frames. */
export function framed(protocol: number, bodyParts: Uint8Array[]): Uint8Array {
  const w = new ByteWriter().u8(O.PROTO, protocol);
  let frame: Uint8Array[] = [];
  let size = 0;
  const commit = (): void => {
    if (size >= 4) w.u8(O.FRAME).u64(size);
    for (const p of frame) w.raw(p);
    frame = [];
    size = 0;
  };
  for (const p of bodyParts) {
    frame.push(p);
    size += p.length;
    if (size >= FRAME_TARGET) commit();
  }
  commit();
  return w.bytes();
}

const FRAME_TARGET = 64 * 1024;

/**
 * About `targetBytes` of a protocol-4 pickle of a list of small dicts, in the opcode order CPython 3.8+ writes for
 * `pickle.dumps([{'id': i, 'x': 0.5, 'name': f'n{i}', 'ok': True, 'v': i % 7} ...], 4)`: EMPTY_LIST MEMOIZE, then
 * APPENDS batches of 1000 of EMPTY_DICT MEMOIZE MARK key/value pairs SETITEMS (keys after the first dict are
 * BINGETs), in 64 KiB frames (committed at dict boundaries). Returns the bytes and the number of dicts.
 */
export function buildDensePickle(targetBytes: number): { bytes: Uint8Array; dicts: number } {
  const keys = ['id', 'x', 'name', 'ok', 'v'];
  const keyMemo = new Map<string, number>();
  const parts: Uint8Array[] = [];
  let memo = 0;
  const a = new PickleAsm(4);
  a.op(O.EMPTY_LIST);
  memo++;
  a.op(O.MEMOIZE);
  let dicts = 0;
  let size = 0;
  const flush = (): void => {
    const b = a.w.bytes();
    parts.push(b);
    size += b.length;
    a.w.length = 0;
  };
  while (size + a.w.length < targetBytes - 64) {
    a.op(O.MARK);
    for (let n = 0; n < 1000 && size + a.w.length < targetBytes - 64; n++) {
      const i = dicts++;
      a.op(O.EMPTY_DICT, O.MEMOIZE, O.MARK);
      memo++;
      for (const k of keys) {
        const idx = keyMemo.get(k);
        if (idx === undefined) {
          a.str(k).op(O.MEMOIZE);
          keyMemo.set(k, memo++);
        } else a.get(idx);
        switch (k) {
          case 'id': a.int(i); break;
          case 'x': a.op(O.BINFLOAT, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0); break;
          case 'name': a.str(`n${i}`).op(O.MEMOIZE); memo++; break;
          case 'ok': a.op(O.NEWTRUE); break;
          case 'v': a.int(i % 7); break;
        }
      }
      a.op(O.SETITEMS);
      flush();
    }
    a.op(O.APPENDS);
  }
  a.op(O.STOP);
  flush();
  return { bytes: framed(4, parts), dicts };
}
