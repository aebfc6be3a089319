/**
 * A bounded reader of CPython's `marshal` format, used only to list the names and string constants of the
 * code objects a Keras Lambda layer carries (base64 of `marshal.dumps(func.__code__)`). Nothing is built or
 * run: strings are decoded, every other value becomes a placeholder.
 *
 * Hand-written because no JavaScript library reads marshal, and the layout of a code object changes with the
 * Python version that wrote it (which the stream does not say): each known layout is tried in turn and the
 * one that consumes the stream exactly, with well-typed fields, wins.
 */

/** Largest marshal stream read (bytes). Lambda bytecode is a few KiB; anything bigger is refused. */
export const MAX_MARSHAL_BYTES = 4 * 1024 * 1024;
/** Most objects read from one stream (each string, tuple, code object... counts). */
export const MAX_MARSHAL_OBJECTS = 200_000;
/** Deepest nesting of containers/code objects. */
export const MAX_MARSHAL_DEPTH = 64;
/** Most elements a single tuple/list/set/dict may declare. */
export const MAX_MARSHAL_ELEMENTS = 100_000;

export interface MarshalSummary {
  /** Python layout that matched, e.g. `3.11+`. */
  layout: string;
  /** Number of code objects (the function and any nested lambdas/comprehensions). */
  codeObjects: number;
  /** `co_names` of every code object: globals, attributes and imports the code touches. */
  names: Set<string>;
  /** Every string constant (`co_consts`), e.g. a module name handed to `__import__`. Never reported verbatim. */
  constants: Set<string>;
}

export class MarshalError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'MarshalError';
  }
}

type Field = 'int' | 'obj' | 'names' | 'consts';

interface Layout {
  name: string;
  fields: readonly Field[];
}

const I: Field = 'int';
const O: Field = 'obj';
/** Code-object layouts per CPython version (fields in marshal order). */
const LAYOUTS: readonly Layout[] = [
  // argcount, posonly, kwonly, stacksize, flags; code, consts, names, localsplusnames, localspluskinds,
  // filename, name, qualname; firstlineno; linetable, exceptiontable
  { name: '3.11+', fields: [I, I, I, I, I, O, 'consts', 'names', O, O, O, O, O, I, O, O] },
  // argcount, posonly, kwonly, nlocals, stacksize, flags; code, consts, names, varnames, freevars, cellvars,
  // filename, name; firstlineno; lnotab
  { name: '3.8-3.10', fields: [I, I, I, I, I, I, O, 'consts', 'names', O, O, O, O, O, I, O] },
  // argcount, kwonly, nlocals, stacksize, flags; (same objects as 3.8)
  { name: '3.0-3.7', fields: [I, I, I, I, I, O, 'consts', 'names', O, O, O, O, O, I, O] },
  // argcount, nlocals, stacksize, flags; (same objects)
  { name: '2.x', fields: [I, I, I, I, O, 'consts', 'names', O, O, O, O, O, I, O] },
];

const FLAG_REF = 0x80;
type Value = string | readonly Value[] | { code: true } | null;
const OTHER = null;

/** Decode `bytes` (one marshaled object) far enough to list its names. Throws MarshalError when unreadable. */
export function summarizeMarshal(bytes: Uint8Array): MarshalSummary {
  if (bytes.length > MAX_MARSHAL_BYTES)
    throw new MarshalError(`marshal stream larger than ${MAX_MARSHAL_BYTES} bytes`, 0);
  let last: unknown;
  for (const layout of LAYOUTS) {
    const reader = new MarshalReader(bytes, layout);
    try {
      reader.readObject(0);
      if (reader.pos !== bytes.length)
        throw new MarshalError('trailing bytes after marshal object', reader.pos);
      if (reader.codeObjects === 0) throw new MarshalError('no code object in marshal stream', 0);
      return {
        layout: layout.name,
        codeObjects: reader.codeObjects,
        names: reader.names,
        constants: reader.constants,
      };
    } catch (err) {
      if (!(err instanceof MarshalError)) throw err;
      last = err;
    }
  }
  throw last instanceof MarshalError ? last : new MarshalError('unreadable marshal stream', 0);
}

class MarshalReader {
  pos = 0;
  codeObjects = 0;
  objects = 0;
  readonly names = new Set<string>();
  readonly constants = new Set<string>();
  private readonly refs: Value[] = [];
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });
  private readonly latin1 = new TextDecoder('latin1');

  constructor(
    private readonly bytes: Uint8Array,
    private readonly layout: Layout,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length)
      throw new MarshalError('marshal stream ends early', this.pos);
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  private count(): number {
    const n = this.i32();
    if (n < 0 || n > MAX_MARSHAL_ELEMENTS) throw new MarshalError(`bad element count ${n}`, this.pos - 4);
    return n;
  }
  private text(n: number, ascii: boolean): string {
    this.need(n);
    const s = (ascii ? this.latin1 : this.utf8).decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  readObject(depth: number): Value {
    if (depth > MAX_MARSHAL_DEPTH) throw new MarshalError('marshal nesting too deep', this.pos);
    if (++this.objects > MAX_MARSHAL_OBJECTS) throw new MarshalError('too many marshal objects', this.pos);
    const at = this.pos;
    const byte = this.u8();
    const type = String.fromCharCode(byte & ~FLAG_REF);
    // Python reserves the ref slot before reading children (code objects, containers), so do the same.
    const slot = byte & FLAG_REF ? this.refs.push(OTHER) - 1 : -1;
    const value = this.readBody(type, depth, at);
    if (slot >= 0) this.refs[slot] = value;
    return value;
  }

  private readBody(type: string, depth: number, at: number): Value {
    switch (type) {
      case '0':
      case 'N':
      case 'F':
      case 'T':
      case 'S':
      case '.':
        return OTHER;
      case 'i':
        this.skip(4);
        return OTHER;
      case 'I':
      case 'g':
        this.skip(8);
        return OTHER;
      case 'y':
        this.skip(16);
        return OTHER;
      case 'f':
        this.skip(this.u8());
        return OTHER;
      case 'x':
        this.skip(this.u8());
        this.skip(this.u8());
        return OTHER;
      case 'l': {
        const n = this.i32();
        if (Math.abs(n) > MAX_MARSHAL_ELEMENTS) throw new MarshalError('long integer too large', at);
        this.skip(Math.abs(n) * 2);
        return OTHER;
      }
      case 's':
        return this.text(this.count(), true);
      case 't':
      case 'u':
        return this.text(this.count(), false);
      case 'a':
      case 'A':
        return this.text(this.count(), true);
      case 'z':
      case 'Z':
        return this.text(this.u8(), true);
      case 'r': {
        const index = this.i32();
        if (index < 0 || index >= this.refs.length) throw new MarshalError(`bad back-reference ${index}`, at);
        return this.refs[index]!;
      }
      case '(':
      case '[':
      case '<':
      case '>':
        return this.readItems(this.count(), depth);
      case ')':
        return this.readItems(this.u8(), depth);
      case '{': {
        for (let i = 0; ; i++) {
          if (i > MAX_MARSHAL_ELEMENTS) throw new MarshalError('dict too large', at);
          if (this.bytes[this.pos] === 0x30) break;
          this.readObject(depth + 1);
          this.readObject(depth + 1);
        }
        this.pos++;
        return OTHER;
      }
      case ':':
        this.readItems(3, depth);
        return OTHER;
      case 'c':
        return this.readCode(depth, at);
      default:
        throw new MarshalError(`unknown marshal type 0x${type.charCodeAt(0).toString(16)}`, at);
    }
  }

  private readItems(n: number, depth: number): Value[] {
    const items: Value[] = [];
    for (let i = 0; i < n; i++) items.push(this.readObject(depth + 1));
    return items;
  }

  private readCode(depth: number, at: number): Value {
    this.codeObjects++;
    for (const field of this.layout.fields) {
      if (field === 'int') {
        this.skip(4);
        continue;
      }
      const v = this.readObject(depth + 1);
      if (field === 'obj') continue;
      if (!Array.isArray(v)) throw new MarshalError(`code object ${field} is not a tuple`, at);
      for (const item of v as readonly Value[]) {
        if (typeof item !== 'string') {
          if (field === 'names') throw new MarshalError('code object name is not a string', at);
          continue;
        }
        (field === 'names' ? this.names : this.constants).add(item);
      }
    }
    return { code: true };
  }
}
