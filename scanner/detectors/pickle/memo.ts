import {
  BIGINT,
  DICT,
  EMPTY_TUPLE,
  FLOAT,
  FROZENSET,
  LIST,
  LONG_STR,
  SET,
  UNKNOWN,
  type Value,
} from './values.js';

/** Values that need no storage of their own: one tag byte stands for them. */
const SINGLETONS: readonly Value[] = [
  FLOAT,
  BIGINT,
  LONG_STR,
  LIST,
  DICT,
  SET,
  FROZENSET,
  UNKNOWN,
  EMPTY_TUPLE,
];
const T_EMPTY = 0;
const T_LATIN1 = 1;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NONE = 5;
const T_OBJECT = 6;
const T_SINGLETON = 16;
const T_DICT = T_SINGLETON + SINGLETONS.indexOf(DICT);
const T_LIST = T_SINGLETON + SINGLETONS.indexOf(LIST);

const LATIN1_MAX = 1024;

const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
/** Dense pages cover indices below this; above it (a LONG_BINPUT 4e9) slots go to a Map. */
const DENSE_LIMIT = 1 << 26;
/** A put may open at most this many pages beyond those in use. */
const SPARSE_PAGES = 16;

/**
 * The pickle memo, stored compactly because it is the one structure that grows with the file: a pickle memoizes
 * every container and distinct string (millions in an opcode-dense file). Slots live in pages of 64 Ki: one tag
 * byte each, plus a 4-byte arena offset and a 2-byte length for Latin-1 strings, whose characters sit in one byte
 * arena. Containers that carry nothing are a tag; objects whose identity matters, numbers (CPython never memoizes
 * them) and other strings sit in a Map. A JS array of values would cost ~40 bytes per memoized string.
 */
export class Memo {
  private readonly tags: Uint8Array[] = [];
  private readonly offsets: Uint32Array[] = [];
  private readonly lens: Uint16Array[] = [];
  private arena = new Uint8Array(64 * 1024);
  private arenaUsed = 0;
  private readonly objects = new Map<number, Value>();
  /** Slots in use (C `memo_len`: the index MEMOIZE writes to). */
  count = 0;

  /** Store `v` at `idx`; returns true when the slot was empty (the caller enforces the entry limit). */
  put(idx: number, v: Value): boolean {
    const p = idx >>> PAGE_BITS;
    // Far-away indices (a lone LONG_BINPUT 4e9, or pages far past the ones in use) must not allocate pages.
    if (idx >= DENSE_LIMIT || p > this.tags.length + SPARSE_PAGES) {
      const fresh = !this.objects.has(idx);
      this.objects.set(idx, v);
      if (fresh) this.count++;
      return fresh;
    }
    const i = idx & (PAGE - 1);
    while (this.tags.length <= p) {
      this.tags.push(new Uint8Array(PAGE));
      this.offsets.push(new Uint32Array(PAGE));
      this.lens.push(new Uint16Array(PAGE));
    }
    const tags = this.tags[p]!;
    // A slot stored in the Map while its page did not exist yet is still in use.
    const inMap = (tags[i] === T_EMPTY || tags[i] === T_OBJECT) && this.objects.delete(idx);
    const fresh = tags[i] === T_EMPTY && !inMap;
    if (fresh) this.count++;
    tags[i] = this.encode(idx, p, i, v);
    return fresh;
  }

  get(idx: number): Value | undefined {
    const p = idx >>> PAGE_BITS;
    if (idx >= DENSE_LIMIT || p >= this.tags.length) return this.objects.get(idx);
    const i = idx & (PAGE - 1);
    const t = this.tags[p]![i]!;
    switch (t) {
      case T_EMPTY:
        return this.objects.get(idx);
      case T_LATIN1: {
        const at = this.offsets[p]![i]!;
        return latin1(this.arena, at, at + this.lens[p]![i]!);
      }
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_NONE:
        return null;
      case T_OBJECT:
        return this.objects.get(idx);
      default:
        return SINGLETONS[t - T_SINGLETON];
    }
  }

  private encode(idx: number, p: number, i: number, v: Value): number {
    if (v === null) return T_NONE;
    if (typeof v === 'boolean') return v ? T_TRUE : T_FALSE;
    if (typeof v === 'string') {
      if (v.length <= LATIN1_MAX && this.arenaUsed + v.length < 0xffffffff) {
        const at = this.storeLatin1(v);
        if (at >= 0) {
          this.offsets[p]![i] = at;
          this.lens[p]![i] = v.length;
          return T_LATIN1;
        }
      }
    } else if (typeof v === 'object') {
      // Containers are by far the most memoized values: test them before the general lookup.
      if (v === DICT) return T_DICT;
      if (v === LIST) return T_LIST;
      const s = SINGLETONS.indexOf(v);
      if (s >= 0) return T_SINGLETON + s;
    }
    this.objects.set(idx, v);
    return T_OBJECT;
  }

  /** Append `s` to the arena if every character is Latin-1; returns its offset, or -1. */
  private storeLatin1(s: string): number {
    const n = s.length;
    if (this.arenaUsed + n > this.arena.length) {
      const next = new Uint8Array(Math.max(Math.ceil(this.arena.length * 1.5), this.arenaUsed + n));
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    const at = this.arenaUsed;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c > 0xff) return -1;
      this.arena[at + k] = c;
    }
    this.arenaUsed += n;
    return at;
  }
}

function latin1(b: Uint8Array, from: number, to: number): string {
  if (to - from <= 64) {
    let s = '';
    for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
}
