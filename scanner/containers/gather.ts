/** Collects exactly `n` bytes across chunks, so fixed-size headers may be split at any chunk boundary. */
export class Gather {
  private buf = new Uint8Array(64);
  private have = 0;
  private need = 0;

  start(n: number): void {
    if (this.buf.length < n) this.buf = new Uint8Array(n);
    this.have = 0;
    this.need = n;
  }

  /** Copy what is still needed from `chunk` at `pos`; returns the new position. */
  take(chunk: Uint8Array, pos: number): number {
    const k = Math.min(this.need - this.have, chunk.length - pos);
    this.buf.set(chunk.subarray(pos, pos + k), this.have);
    this.have += k;
    return pos + k;
  }

  /** Some but not all bytes arrived. */
  get partial(): boolean {
    return this.have > 0 && this.have < this.need;
  }

  get full(): boolean {
    return this.have >= this.need;
  }

  /** The bytes taken so far (valid until the next `start`). */
  get taken(): Uint8Array {
    return this.buf.subarray(0, this.have);
  }

  /** The gathered bytes (valid until the next `start`). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.need);
  }
}

export function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Little-endian 64-bit value as a number (exact below 2^53; larger values only need to compare as "huge"). */
export function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 0x1_0000_0000;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
