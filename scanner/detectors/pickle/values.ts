/**
 * Symbolic values of the pickle VM. Nothing is constructed: ints, short strings, booleans and None are kept as JS
 * primitives (no allocation per opcode); everything else is a small tagged object. Containers do not keep their
 * children (memory must not grow with the file), except small tuples and the state dict of an object whose class
 * asks for it (the joblib array wrapper), both with hard caps.
 */

export const K_FLOAT = 1;
export const K_BIGINT = 2;
export const K_BYTES = 3;
export const K_LONGSTR = 4;
export const K_TUPLE = 5;
export const K_LIST = 6;
export const K_DICT = 7;
export const K_SET = 8;
export const K_GLOBAL = 9;
export const K_OBJ = 10;
export const K_UNKNOWN = 11;

export interface Sym {
  readonly k: number;
}

/** A pickle value: int (number), str (string), bool, None (null), or a symbolic object. */
export type Value = number | string | boolean | null | Sym;

/** Bytes values up to this many bytes keep a copy of their content (nested-pickle arguments, dtype descriptors). */
export const RETAIN_BYTES = 256;
/** Text values up to this many UTF-8 bytes are decoded and kept; longer ones become LONG_STR. */
export const RETAIN_TEXT = 1024;
/** Tuples keep their items only up to this width and nesting depth. */
export const TUPLE_MAX_ITEMS = 24;
export const TUPLE_MAX_DEPTH = 3;
/** Entries kept in a retained state dict. */
export const DICT_MAX_ENTRIES = 32;

export const FLOAT: Sym = Object.freeze({ k: K_FLOAT });
/** An int outside the safe-integer range. */
export const BIGINT: Sym = Object.freeze({ k: K_BIGINT });
/** A str too long to keep (never a usable module/class name). */
export const LONG_STR: Sym = Object.freeze({ k: K_LONGSTR });
export const LIST: Sym = Object.freeze({ k: K_LIST });
export const DICT: Sym = Object.freeze({ k: K_DICT });
export const SET: Sym = Object.freeze({ k: K_SET });
export const FROZENSET: Sym = Object.freeze({ k: K_SET });
/** Results the VM cannot know: persistent loads, copyreg extensions, out-of-band buffers. */
export const UNKNOWN: Sym = Object.freeze({ k: K_UNKNOWN });

export class BytesV implements Sym {
  readonly k = K_BYTES;
  constructor(
    readonly length: number,
    /** Content when `length <= RETAIN_BYTES`, else null. */
    readonly data: Uint8Array | null,
    readonly mutable: boolean,
  ) {}
}

export class TupleV implements Sym {
  readonly k = K_TUPLE;
  constructor(
    readonly length: number,
    /** Items when the tuple is small and shallow, else null. */
    readonly items: Value[] | null,
    readonly depth: number,
  ) {}
}

export const EMPTY_TUPLE = new TupleV(0, [], 1);

/** A dict whose str-keyed entries are kept (only created for the state of objects that need it). */
export class DictV implements Sym {
  readonly k = K_DICT;
  readonly entries = new Map<string, Value>();
  set(key: Value, value: Value): void {
    if (typeof key === 'string' && (this.entries.size < DICT_MAX_ENTRIES || this.entries.has(key)))
      this.entries.set(key, value);
  }
}

/** A global reference: the callable or class a GLOBAL / STACK_GLOBAL / INST opcode imports. */
export class GlobalV implements Sym {
  readonly k = K_GLOBAL;
  /** Set by the analyzer: the state dict of instances of this class must be kept (joblib array wrapper). */
  keepState = false;
  constructor(
    /** Module as written in the pickle; null when the STACK_GLOBAL operands were not literal strings. */
    readonly module: string | null,
    readonly name: string | null,
    /** Opcode that imported it (GLOBAL, STACK_GLOBAL, INST). */
    readonly via: string,
    readonly offset: number,
  ) {}

  get display(): string {
    return this.module === null || this.name === null ? '<unresolved>' : `${this.module}.${this.name}`;
  }
}

/** The result of a call (REDUCE, NEWOBJ, OBJ, INST, ...): remembers what produced it. */
export class ObjV implements Sym {
  readonly k = K_OBJ;
  /** BUILD state, kept only when the class asks for it. */
  state: Value = null;
  constructor(
    readonly callee: Value,
    readonly op: string,
    readonly args: Value,
  ) {}
}

export function isSym(v: Value): v is Sym {
  return typeof v === 'object' && v !== null;
}

/** Build a tuple value from stack items, keeping them only when small and shallow. */
export function makeTuple(items: Value[]): TupleV {
  if (items.length === 0) return EMPTY_TUPLE;
  if (items.length > TUPLE_MAX_ITEMS) return new TupleV(items.length, null, 1);
  let depth = 1;
  for (const v of items) {
    if (typeof v === 'object' && v !== null && v.k === K_TUPLE) {
      const d = (v as TupleV).depth + 1;
      if (d > depth) depth = d;
    }
  }
  return depth > TUPLE_MAX_DEPTH
    ? new TupleV(items.length, null, depth)
    : new TupleV(items.length, items, depth);
}

/** Short description of a value's type, for error messages (never its content). */
export function typeName(v: Value): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'number':
      return 'int';
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
  }
  const k = (v as Sym).k;
  return (
    ['?', 'float', 'int', 'bytes', 'str', 'tuple', 'list', 'dict', 'set', 'global', 'object', 'unknown'][k] ??
    '?'
  );
}
